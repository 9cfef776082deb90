import { describe, expect, it } from 'vitest';
import { newVersion } from '../../src/iotedge/service.js';
import { briefVersion, renderVersion, shownVersion, versionPage } from '../../src/iotedge/renderings.js';
import { VALID_VERSION } from '../helpers/iotedge.js';
import type { CreateVersionBody } from '../../src/iotedge/schemas.js';

const T = '2026-08-06T09:00:00.000Z';

describe('stored version renderings', () => {
  const version = newVersion('p1', 'app-1', VALID_VERSION as CreateVersionBody, T);
  const rendered = renderVersion(version);

  it('splice into the show body with edge_app_id and name first, and every field of the version', () => {
    const body = JSON.parse(shownVersion('app-1', 'Edge "app" 边缘', rendered.doc).text);
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
    const other = renderVersion({ ...version, version: '2.0.0', state: 'PUBLISHED', publish_time: T });
    const page = JSON.parse(versionPage(7, 5, 2, 'app-1', 'app-1', [rendered.brief, other.brief]).text);
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
    expect(JSON.parse(briefVersion('app-1', 'app-1', other.brief).text)).toEqual(page.versions[1]);
    expect(JSON.parse(versionPage(0, 0, 10, 'a', 'a', []).text)).toEqual({
      count: 0,
      page_info: { offset: 0, limit: 10 },
      versions: [],
    });
  });

  it('are made from the data alone: a version rendered after a change loses nothing', () => {
    const again = renderVersion({ ...version, state: 'OFF_SHELF', off_shelf_time: T });
    expect(JSON.parse(again.doc)).toEqual({ ...JSON.parse(rendered.doc), state: 'OFF_SHELF', off_shelf_time: T });
    expect(renderVersion(structuredClone(version))).toEqual(rendered);
  });
});
