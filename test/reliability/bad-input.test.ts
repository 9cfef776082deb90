import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';

/**
 * Generated and mutated requests against every operation: every answer is a success or a 4xx in
 * the envelope of the right family (never a 5xx, never a hang), and a refused request changes
 * nothing that is stored. The seed is fixed so that runs repeat; FUZZ_SEED=<n> explores others.
 */
interface Op {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (seg: string) => string;
  family: 'iotedge' | 'rfs' | 'iam';
  body?: object;
}

const P = `/v2/${PROJECT_ID}/edge-apps`;
const OPS: Op[] = [
  { method: 'GET', path: () => P, family: 'iotedge' },
  { method: 'POST', path: () => P, family: 'iotedge', body: { edge_app_id: 'fuzz-new-app', description: 'd' } },
  { method: 'GET', path: (s) => `${P}/${s}`, family: 'iotedge' },
  { method: 'DELETE', path: (s) => `${P}/${s}`, family: 'iotedge' },
  { method: 'GET', path: (s) => `${P}/fuzz-app/versions/${s}`, family: 'iotedge' },
  { method: 'GET', path: () => `${P}/fuzz-app/versions`, family: 'iotedge' },
  { method: 'POST', path: () => `${P}/fuzz-app/versions`, family: 'iotedge', body: VALID_VERSION },
  {
    method: 'PUT',
    path: () => `${P}/fuzz-app/versions/1.0.0`,
    family: 'iotedge',
    body: { description: 'x', arch: ['arm64'] },
  },
  { method: 'DELETE', path: (s) => `${P}/fuzz-app/versions/${s}`, family: 'iotedge' },
  { method: 'PUT', path: () => `${P}/fuzz-app/versions/1.0.0/state`, family: 'iotedge', body: { state: 'OFF_SHELF' } },
  { method: 'POST', path: () => '/v1/private-providers', family: 'rfs', body: { provider_name: 'fuzz-new-provider' } },
  { method: 'GET', path: () => '/v1/private-providers', family: 'rfs' },
  { method: 'GET', path: (s) => `/v1/private-providers/${s}/metadata`, family: 'rfs' },
  {
    method: 'PATCH',
    path: () => '/v1/private-providers/fuzz-provider/metadata',
    family: 'rfs',
    body: { provider_description: 'x' },
  },
  { method: 'DELETE', path: (s) => `/v1/private-providers/${s}`, family: 'rfs' },
  {
    method: 'POST',
    path: () => '/v1/private-providers/fuzz-provider/versions',
    family: 'rfs',
    body: { provider_version: '2.0.0', function_graph_urn: URN },
  },
  { method: 'GET', path: () => '/v1/private-providers/fuzz-provider/versions', family: 'rfs' },
  { method: 'GET', path: (s) => `/v1/private-providers/fuzz-provider/versions/${s}/metadata`, family: 'rfs' },
  { method: 'DELETE', path: (s) => `/v1/private-providers/fuzz-provider/versions/${s}`, family: 'rfs' },
  { method: 'POST', path: () => '/v3/auth/tokens', family: 'iam', body: passwordBody() },
  { method: 'GET', path: () => '/v3/auth/tokens', family: 'iam' },
  { method: 'GET', path: () => '/v3/projects', family: 'iam' },
  { method: 'POST', path: () => '/v3/projects', family: 'iam', body: { project: { name: 'fuzz-region' } } },
];

const CODE: Record<Op['family'], RegExp> = {
  iotedge: /^(IoTEdge\.\d{8}|APIGW\.\d{4})$/,
  rfs: /^(RF\.\d{8}|APIGW\.\d{4})$/,
  iam: /^(IAM\.\d{4}|APIGW\.\d{4})$/,
};

const json = fc.jsonValue({ maxDepth: 4 });
/** A valid body with one value, somewhere inside, replaced by something else. */
function mutate(body: object) {
  const paths: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    if (at.length) paths.push(at);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, k]);
  };
  walk(body, []);
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.oneof(json, fc.string({ maxLength: 300 }), fc.constant(undefined), fc.constant('x'.repeat(5000))),
    )
    .map(([path, value]) => {
      const copy = structuredClone(body) as Record<string, any>;
      let at = copy;
      for (const k of path.slice(0, -1)) at = at[k];
      if (value === undefined) delete at[path.at(-1)!];
      else at[path.at(-1)!] = value;
      return JSON.stringify(copy);
    });
}

const rawBody = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.nat({ max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.constant('{"edge_app_id":"dup-key-a","edge_app_id":"dup-key-b"}'),
  fc
    .uint8Array({ maxLength: 64 })
    .map((b) => Buffer.concat([Buffer.from('{"description":"'), Buffer.from(b), Buffer.from('"}')])),
  fc.constant('{"__proto__":{"polluted":true}}'),
);

const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom(
    'fuzz-app',
    '1.0.0',
    'fuzz-provider',
    '%00',
    '%ZZ',
    '..',
    '%2F',
    'a'.repeat(2000),
    '1.0.0+b',
    '%E4%B8%AD',
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json;charset=UTF-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  '',
  'multipart/form-data; boundary=x',
);
const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'offset',
    'marker',
    'sort_key',
    'sort_dir',
    'state',
    'arch',
    'version',
    'provider_id',
    'name',
    'x',
  ),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
  { maxKeys: 3 },
);

describe.each(BACKENDS)('generated bad input on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind, { flags: { bodyLimit: '65536' } });
    token = await adminToken(s);
    expect((await iotedge(s, token).createApp({ edge_app_id: 'fuzz-app' })).statusCode).toBe(201);
    expect((await iotedge(s, token).createVersion('fuzz-app', VALID_VERSION)).statusCode).toBe(201);
    expect(
      (
        await rfs(s, token).createProvider({
          provider_name: 'fuzz-provider',
          provider_version: '1.0.0',
          function_graph_urn: URN,
        })
      ).statusCode,
    ).toBe(201);
  });
  afterAll(async () => s.close());

  const snapshot = async () => JSON.stringify({ ...(await iotedgeSnapshot(s)), ...(await rfsSnapshot(s)) });

  it(
    'answers every case with a success or a 4xx in the family envelope, and refusals change nothing',
    { timeout: 600_000 },
    async () => {
      let before = await snapshot();
      let cases = 0;
      const opArb = fc.constantFrom(...OPS).chain((op) =>
        fc.record({
          op: fc.constant(op),
          seg: segment,
          query,
          body: op.body ? fc.oneof(mutate(op.body), rawBody) : fc.option(rawBody, { nil: undefined }),
          contentType,
          requestId: fc.oneof(fc.uuid(), fc.string({ maxLength: 140 })),
        }),
      );
      await fc.assert(
        fc.asyncProperty(opArb, async ({ op, seg, query: q, body, contentType: ct, requestId }) => {
          cases++;
          const qs = new URLSearchParams(q).toString();
          const headers: Record<string, string> = { 'x-auth-token': token, 'client-request-id': requestId };
          if (ct) headers['content-type'] = ct;
          const res = await s.app.inject({
            method: op.method,
            url: op.path(seg) + (qs ? `?${qs}` : ''),
            headers,
            payload: body,
          });
          expect(res.statusCode, `${op.method} ${op.path(seg)} ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const env = res.json();
            expect(typeof env.error_msg).toBe('string');
            expect(env.error_code).toMatch(CODE[op.family]);
            if (op.family === 'rfs' && env.error_code.startsWith('RF.')) expect(env.error_code).toHaveLength(11);
            expect(res.headers['x-request-id']).toBeTruthy();
            expect(await snapshot(), `${op.method} ${op.path(seg)} changed the store although refused`).toBe(before);
          } else {
            before = await snapshot();
          }
        }),
        { numRuns: kind === 'sqlite' ? 10_000 : 2_000, seed: Number(process.env.FUZZ_SEED ?? 20261122) },
      );
      expect(cases).toBeGreaterThanOrEqual(kind === 'sqlite' ? 10_000 : 2_000);
    },
  );
});
