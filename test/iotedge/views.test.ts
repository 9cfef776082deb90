import { describe, expect, it } from 'vitest';
import { newVersionRow } from '../../src/iotedge/service.js';
import { specOfDoc, versionJson, versionPageJson, withDocs } from '../../src/iotedge/views.js';
import { VALID_VERSION } from '../helpers/iotedge.js';
import type { CreateVersionBody } from '../../src/iotedge/schemas.js';

const T = '2026-08-06T09:00:00.000Z';

describe('stored version renderings', () => {
  const row = newVersionRow('p1', 'app-1', VALID_VERSION as CreateVersionBody, T);

  it('splice into the show body with edge_app_id and name first, and every field of the version', () => {
    const text = versionJson('app-1', 'Edge "app" 边缘', row.doc);
    const body = JSON.parse(text);
    const {
      version,
      deploy_type,
      deploy_multi_instance,
      description,
      sdk_version,
      liveness_probe,
      readiness_probe,
      arch,
      command,
      args,
      outputs,
      inputs,
      services,
      supplier,
      tpl_id,
      container_settings,
    } = VALID_VERSION;
    expect(body).toEqual({
      edge_app_id: 'app-1',
      name: 'Edge "app" 边缘',
      version,
      deploy_type,
      deploy_multi_instance,
      description,
      sdk_version,
      liveness_probe,
      readiness_probe,
      arch,
      command,
      args,
      outputs,
      inputs,
      services,
      supplier,
      tpl_id,
      container_settings,
      create_time: T,
      update_time: T,
      state: 'DRAFT',
    });
    expect(Object.keys(body).slice(0, 2)).toEqual(['edge_app_id', 'name']);
  });

  it('splice a page of list items with the brief fields only', () => {
    const other = withDocs({ ...row, version: '2.0.0', state: 'PUBLISHED', publish_time: T }, specOfDoc(row.doc));
    const page = JSON.parse(versionPageJson(7, 5, 2, 'app-1', 'app-1', [row.brief, other.brief]));
    expect(page).toEqual({
      count: 7,
      page_info: { offset: 5, limit: 2 },
      versions: [
        {
          edge_app_id: 'app-1',
          name: 'app-1',
          version: '1.0.0',
          sdk_version: '2.1.0',
          description: 'first release',
          deploy_type: 'docker',
          deploy_multi_instance: false,
          create_time: T,
          update_time: T,
          state: 'DRAFT',
          arch: VALID_VERSION.arch,
        },
        expect.objectContaining({ version: '2.0.0', state: 'PUBLISHED', publish_time: T }),
      ],
    });
    expect(JSON.parse(versionPageJson(0, 0, 10, 'a', 'a', []))).toEqual({
      count: 0,
      page_info: { offset: 0, limit: 10 },
      versions: [],
    });
  });

  it('keep the spec, so a version re-rendered after a change loses nothing', () => {
    const again = withDocs({ ...row, state: 'OFF_SHELF', off_shelf_time: T }, specOfDoc(row.doc));
    const before = JSON.parse(row.doc);
    const after = JSON.parse(again.doc);
    expect(after).toEqual({ ...before, state: 'OFF_SHELF', off_shelf_time: T });
  });
});
