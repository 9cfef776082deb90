import { describe, expect, it } from 'vitest';
import { ALL_PATTERNS } from '../../src/iotedge/patterns.js';
import {
  RX_AGENCY_URN,
  RX_CLIENT_REQUEST_ID,
  RX_PROVIDER_ID,
  RX_PROVIDER_NAME,
  RX_URN,
} from '../../src/rfs/schemas.js';
import { isSemver } from '../../src/platform/formats.js';
import { adminToken, startServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/backends.js';
import { iotedge, versionWith } from '../helpers/iotedge.js';
import { rfs } from '../helpers/rfs.js';

const PATTERNS: Record<string, RegExp> = {
  ...ALL_PATTERNS,
  RX_PROVIDER_NAME,
  RX_PROVIDER_ID,
  RX_CLIENT_REQUEST_ID,
  RX_URN,
  RX_AGENCY_URN,
};

/** Inputs that make backtracking regexes explode: long runs of what the pattern accepts, then a spoiler. */
function adversarial(size: number): string[] {
  const runs = ['a', 'a-', '/a', 'a/', 'a.', '0', '0a', 'a_', ' a', 'a:', 'urn:fss:', 'www.a', 'a@a', '中'];
  const spoilers = ['!', '\u0000', '//', '-', ' ', '^', 'A', '$'];
  const out: string[] = [];
  for (const run of runs)
    for (const spoiler of spoilers) out.push(run.repeat(Math.ceil(size / run.length)).slice(0, size) + spoiler);
  return out;
}

describe('regular expressions against adversarial input', () => {
  for (const [name, re] of Object.entries(PATTERNS)) {
    it(`${name} stays linear on 1 MB inputs`, () => {
      for (const input of adversarial(1 << 20)) {
        const started = performance.now();
        re.test(input);
        // Exponential backtracking takes minutes here; a linear scan of 1 MB takes milliseconds.
        expect(performance.now() - started, `${name} on ${JSON.stringify(input.slice(0, 12))}…`).toBeLessThan(1000);
      }
    });
  }

  it('the semantic-version check stays linear', () => {
    for (const input of [...adversarial(1 << 16), '1.0.0-' + '0.'.repeat(30000) + 'x']) {
      const started = performance.now();
      isSemver(input);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});

describe.each(BACKENDS)('requests carrying adversarial values up to the body limit on %s', (kind) => {
  it('are answered with 400 quickly, never hang', { timeout: 120_000 }, async () => {
    const s = await startServer(kind);
    const token = await adminToken(s);
    const api = iotedge(s, token);
    const r = rfs(s, token);
    await api.createApp({ edge_app_id: 'redos-app' });
    await r.createProvider({ provider_name: 'redos-provider' });
    const big = 900 * 1024;
    const fields = [
      'container_settings.image_url',
      'description',
      'liveness_probe.http_get.host',
      'liveness_probe.http_get.path',
      'liveness_probe.exec_command',
      'container_settings.volumes',
      'command',
      'services',
    ];
    for (const input of adversarial(big).filter((_, i) => i % 7 === 0)) {
      for (const field of fields) {
        const value =
          field === 'container_settings.volumes'
            ? [{ name: 'v', source: input, destination: input }]
            : field === 'command' || field === 'services'
              ? [input]
              : input;
        const started = performance.now();
        const body = versionWith(field, value);
        body.version = `r-${Math.random().toString(36).slice(2, 12)}`;
        const res = await api.createVersion('redos-app', body);
        // A long run of letters is a valid image address; everything else breaks a rule.
        expect(field === 'container_settings.image_url' ? [201, 400, 413] : [400, 413]).toContain(res.statusCode);
        expect(performance.now() - started, field).toBeLessThan(2000);
      }
      const started = performance.now();
      const res = await r.createVersion('redos-provider', {
        provider_version: '1.0.0',
        function_graph_urn: input.slice(0, big),
      });
      expect([400, 413]).toContain(res.statusCode);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    await s.close();
  });
});
