import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKENDS, type BackendName } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, versionWith, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';

/**
 * Export → reset → import → export gives the same snapshot, byte for byte (only exported_at
 * differs), for stores generated through the API: apps and versions in every state, providers
 * and versions with build metadata, unicode text, and sizes on both sides of every batch size the
 * snapshot code uses (500-row inserts, 1000-row reads, 64 KiB chunks).
 */

interface Model {
  apps: { name: string | null; description: string | null; versions: number; states: number[] }[];
  providers: { description: string; versions: number; texts: string[] }[];
}

const BOUNDARIES = [0, 1, 499, 500, 501, 999, 1000, 1001];
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const iotText = fc.stringMatching(/^[A-Za-z0-9 _.,;:!?，。、中文字节边缘应用-]{0,60}$/);
const model: fc.Arbitrary<Model> = fc.record({
  apps: fc.array(
    fc.record({
      name: fc.option(fc.stringMatching(/^[A-Za-z0-9_边缘应用驱动-]{4,20}$/), { nil: null }),
      description: fc.option(iotText, { nil: null }),
      versions: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(...BOUNDARIES)),
      states: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 8 }),
    }),
    { maxLength: 3 },
  ),
  providers: fc.array(
    fc.record({
      description: text,
      versions: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(...BOUNDARIES)),
      texts: fc.array(text, { minLength: 1, maxLength: 5 }),
    }),
    { maxLength: 3 },
  ),
});

/** Builds the model through the API (at most one large app and provider per run, to bound the time). */
async function populate(s: TestServer, token: string, m: Model): Promise<void> {
  const iot = iotedge(s, token);
  let large = 0;
  for (const [i, app] of m.apps.entries()) {
    const id = `app-${i}`;
    const res = await iot.createApp({
      edge_app_id: id,
      edge_app_name: app.name,
      description: app.description,
      delivered_app: i % 2 === 0,
    });
    expect(res.statusCode, res.body).toBe(201);
    const count = app.versions > 10 && large++ > 0 ? 3 : app.versions;
    const one = async (v: number) => {
      const version = `${v}.${i}.0`;
      const body = versionWith(
        'version',
        version,
        v % 3 === 0 ? VALID_VERSION : versionWith('container_settings.envs', { GREETING: `你好 ${v}`, N: String(v) }),
      );
      body.description = app.description ?? '';
      body.arch = v % 2 ? ['arm64'] : ['x86_64', 'arm32'];
      const created = await iot.createVersion(id, body);
      expect(created.statusCode, created.body).toBe(201);
      const state = app.states[v % app.states.length]!;
      const steps = [[], ['PUBLISHED'], ['PUBLISHED', 'OFF_SHELF'], ['PUBLISHED', 'OFF_SHELF', 'PUBLISHED']][state]!;
      for (const step of steps) expect((await iot.setState(id, version, step)).statusCode).toBe(200);
    };
    for (let v = 0; v < count; v += 25)
      await Promise.all(Array.from({ length: Math.min(25, count - v) }, (_, k) => one(v + k)));
  }
  const r = rfs(s, token);
  large = 0;
  for (const [i, p] of m.providers.entries()) {
    const name = `provider-${i}`;
    expect((await r.createProvider({ provider_name: name, provider_description: p.description })).statusCode).toBe(201);
    const count = p.versions > 10 && large++ > 0 ? 3 : p.versions;
    const one = async (v: number) => {
      const version = v % 3 === 0 ? `${v}.0.0` : v % 3 === 1 ? `1.${v}.0-rc.${v}+build.${i}` : `2.0.${v}+sha.${v}f`;
      const res = await r.createVersion(name, {
        provider_version: version,
        function_graph_urn: URN,
        version_description: p.texts[v % p.texts.length],
      });
      expect(res.statusCode, res.body).toBe(201);
    };
    for (let v = 0; v < count; v += 25)
      await Promise.all(Array.from({ length: Math.min(25, count - v) }, (_, k) => one(v + k)));
  }
}

export async function exportText(s: TestServer, token: string): Promise<string> {
  const res = await s.app.inject({ method: 'GET', url: '/_versionary/export', headers: { 'x-auth-token': token } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The snapshot without the time it was taken. */
const stable = (snapshot: string) => snapshot.replace(/"exported_at":"[^"]*"/, '"exported_at":null');

async function importText(s: TestServer, token: string, snapshot: string, mode = 'add') {
  return s.app.inject({
    method: 'POST',
    url: `/_versionary/import?mode=${mode}`,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    payload: snapshot,
  });
}

async function reset(s: TestServer, token: string) {
  expect(
    (await s.app.inject({ method: 'POST', url: '/_versionary/reset', headers: { 'x-auth-token': token } })).statusCode,
  ).toBe(200);
}

const counted = (snapshot: string) => {
  const j = JSON.parse(snapshot);
  return {
    edge_apps: j.edge_apps.length,
    edge_app_versions: j.edge_app_versions.length,
    rfs_providers: j.rfs_providers.length,
    rfs_provider_versions: j.rfs_provider_versions.length,
  };
};

/** The same snapshot, byte for byte (compared as data first, for a readable difference). */
function expectSame(again: string, first: string): void {
  expect(JSON.parse(stable(again))).toEqual(JSON.parse(stable(first)));
  expect(stable(again)).toBe(stable(first));
}

/** Export, reset, import and export again; also replace over the restored data. Returns the snapshot. */
async function roundTrip(s: TestServer, token: string): Promise<string> {
  const first = await exportText(s, token);
  await reset(s, token);
  const loaded = await importText(s, token, first);
  expect(loaded.statusCode, loaded.body.slice(0, 500)).toBe(200);
  expect(loaded.json().imported).toEqual(counted(first));
  expectSame(await exportText(s, token), first);
  const replaced = await importText(s, token, first, 'replace');
  expect(replaced.statusCode, replaced.body.slice(0, 500)).toBe(200);
  expectSame(await exportText(s, token), first);
  return first;
}

describe.each(BACKENDS)('snapshot round trip on %s', (kind) => {
  let s: TestServer;
  let token: string;

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('generated stores come back byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(model, async (m) => {
        await reset(s, token);
        await populate(s, token, m);
        await roundTrip(s, token);
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 600_000);

  it('5,000 versions in one app and 1,000 in one provider come back, also through replace', async () => {
    await reset(s, token);
    await populate(s, token, {
      apps: [{ name: '大型边缘应用', description: '大量版本', versions: 5000, states: [0, 1, 2, 3, 0] }],
      providers: [{ description: '🚀 many', versions: 1000, texts: ['ünïcødé 🚀', ''] }],
    });
    const snapshot = await roundTrip(s, token);
    expect(counted(snapshot)).toEqual({
      edge_apps: 1,
      edge_app_versions: 5000,
      rfs_providers: 1,
      rfs_provider_versions: 1000,
    });
    const app = await iotedge(s, token).showApp('app-0');
    expect(app.json().last_published_version).toBeDefined();
    const listed = await iotedge(s, token).listVersions('app-0', '?limit=1');
    expect(listed.json().count).toBe(5000);
  }, 600_000);
});

describe('a snapshot of one store loads into an empty store of the other kind', () => {
  const servers = {} as Record<BackendName, { s: TestServer; token: string }>;
  beforeAll(async () => {
    for (const kind of BACKENDS) {
      const s = await startServer(kind);
      servers[kind] = { s, token: await adminToken(s) };
    }
  });
  afterAll(async () => {
    for (const kind of BACKENDS) await servers[kind].s.close();
  });

  it.each([
    ['sqlite', 'postgres'],
    ['postgres', 'sqlite'],
  ] as const)(
    '%s → %s',
    async (from, to) => {
      const a = servers[from];
      const b = servers[to];
      await reset(a.s, a.token);
      await reset(b.s, b.token);
      await populate(a.s, a.token, {
        apps: [{ name: '跨库迁移应用', description: '迁移', versions: 501, states: [0, 1, 2, 3] }],
        providers: [{ description: 'ü 🚀', versions: 30, texts: ['x', '中文 🚀'] }],
      });
      const snapshot = await exportText(a.s, a.token);
      const res = await importText(b.s, b.token, snapshot);
      expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
      expectSame(await exportText(b.s, b.token), snapshot);
      const shown = await iotedge(b.s, b.token).showVersion('app-0', '1.0.0');
      expect(shown.json()).toEqual((await iotedge(a.s, a.token).showVersion('app-0', '1.0.0')).json());
    },
    300_000,
  );
});
