import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RENDERINGS } from '../../src/renderings.js';
import { newVersion } from '../../src/iotedge/service.js';
import { renderVersion as renderEdgeVersion } from '../../src/iotedge/renderings.js';
import { renderVersion as renderProviderVersion } from '../../src/rfs/renderings.js';
import type { CreateVersionBody } from '../../src/iotedge/schemas.js';

/**
 * Stored renderings are rebuilt only when RENDERINGS changes. A change in how versions render
 * (a field, its order, its format) that forgets to change it would leave every stored version
 * answering the old way: this fingerprint of fixed versions catches that.
 */
const FINGERPRINTS: Record<string, string> = {
  '1': '89499b3a9a2cc4712fdd11e16c3434b0bce5773b6aca43c8582933d1cd5b16b5',
};

const T = '2026-08-06T09:00:00.000Z';
const body = JSON.parse(
  fs.readFileSync(new URL('../fixtures/seed-iotedge-version-valid.json', import.meta.url), 'utf8'),
) as CreateVersionBody;

describe('the renderings stamp', () => {
  it('changes whenever a rendering does', () => {
    const edge = renderEdgeVersion(newVersion('p1', 'app-1', body, T));
    const provider = renderProviderVersion({
      provider_id: '6c9b5f0e-0000-4000-8000-000000000001',
      provider_version: '1.2.3-rc.1+build.5',
      version_description: 'first "release" 版本',
      function_graph_urn: 'urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:fn:latest',
      create_time: T,
    });
    const fingerprint = crypto.createHash('sha256').update([edge.doc, edge.brief, provider].join('\n')).digest('hex');
    expect(
      fingerprint,
      `stored renderings changed: set RENDERINGS in src/renderings.ts to a new value and record ${fingerprint} for it here`,
    ).toBe(FINGERPRINTS[RENDERINGS]);
  });
});
