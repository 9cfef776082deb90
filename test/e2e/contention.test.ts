import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import type { Database } from '../../src/store/types.js';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { versionWith } from '../helpers/iotedge.js';
import { startReplica, type Replica } from '../helpers/processes.js';
import { URN } from '../helpers/rfs.js';
import { adminToken, passwordBody, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';

/**
 * Contention on one app and one provider: many clients changing the same versions at once, and
 * deletes racing creates. On PostgreSQL the load is spread over two server processes on one
 * database; on SQLite it runs in-process. Every answer must be a documented one (no 5xx), deletes
 * must not wait behind the creates, and what an app derives from its versions (version_count,
 * last_published_version, deploy_type) must equal what its versions say afterwards.
 */

interface Answer {
  status: number;
  body: any;
}
/** One HTTP call on behalf of client number `client` (the PostgreSQL run spreads clients over its replicas). */
type Call = (client: number, method: string, url: string, body?: unknown) => Promise<Answer>;

const IOT = `/v2/${PROJECT_ID}/edge-apps`;
const RFS = '/v1/private-providers';
const CLIENTS = 20;
/** Few version numbers, so that the clients keep meeting on the same versions. */
const VERSIONS = Array.from({ length: 8 }, (_, i) => `${i + 1}.0.0`);

/** A small seeded generator, so that a failing mix can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The answers each operation may give under contention, with the error codes that go with them. */
const IOT_ANSWERS: Record<string, Record<number, string[]>> = {
  createVersion: { 201: [], 400: ['IoTEdge.02100603'], 404: ['IoTEdge.02100602'] },
  updateVersion: { 200: [], 403: ['IoTEdge.02100605'], 404: ['IoTEdge.02100602', 'IoTEdge.02100604'] },
  deleteVersion: { 204: [], 403: ['IoTEdge.02100605'], 404: ['IoTEdge.02100602', 'IoTEdge.02100604'] },
  publish: { 200: [], 403: ['IoTEdge.02100605'], 404: ['IoTEdge.02100602', 'IoTEdge.02100604'] },
  offShelf: { 200: [], 403: ['IoTEdge.02100606'], 404: ['IoTEdge.02100602', 'IoTEdge.02100604'] },
  deleteApp: { 204: [], 403: ['IoTEdge.02100605'], 404: ['IoTEdge.02100602'] },
  createApp: { 201: [], 400: ['IoTEdge.02100601'] },
};
const RFS_ANSWERS: Record<string, Record<number, string[]>> = {
  createVersion: { 201: [], 404: ['RF.10014001'], 409: ['RF.10015002'] },
  deleteVersion: { 204: [], 404: ['RF.10014001', 'RF.10014002'] },
  updateProvider: { 204: [], 404: ['RF.10014001'] },
  deleteProvider: { 204: [], 404: ['RF.10014001'] },
  createProvider: { 201: [], 409: ['RF.10015001'] },
};

/** Tallies answers by operation and status, and keeps the ones no operation may give. */
class Tally {
  readonly counts: Record<string, Record<number, number>> = {};
  readonly unexpected: string[] = [];
  constructor(private readonly allowed: Record<string, Record<number, string[]>>) {}
  note(op: string, a: Answer): Answer {
    const byStatus = (this.counts[op] ??= {});
    byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    const codes = this.allowed[op]![a.status];
    if (!codes || (codes.length > 0 && !codes.includes(a.body?.error_code)))
      this.unexpected.push(`${op} → ${a.status} ${JSON.stringify(a.body)}`);
    return a;
  }
  count(op: string, status: number): number {
    return this.counts[op]?.[status] ?? 0;
  }
}

/**
 * `CLIENTS` clients, each making up to `perClient` random mutating calls on one app (create,
 * update, delete a version, publish, take off the shelf, delete the app and create it again),
 * with a deadline that stops them early on a slow machine.
 */
async function iotWorkload(call: Call, app: string, seed: number, perClient: number, deadline: number): Promise<Tally> {
  const tally = new Tally(IOT_ANSWERS);
  const client = async (n: number) => {
    const rnd = random(seed + n);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    for (let i = 0; i < perClient && Date.now() < deadline; i++) {
      const version = pick(VERSIONS);
      const at = `${IOT}/${app}/versions/${version}`;
      const roll = rnd();
      if (roll < 0.3) {
        const body = { ...versionWith('version', version), deploy_type: pick(['docker', 'process']) };
        tally.note('createVersion', await call(n, 'POST', `${IOT}/${app}/versions`, body));
      } else if (roll < 0.45) {
        tally.note(
          'updateVersion',
          await call(n, 'PUT', at, { description: `by ${n}.${i}`, deploy_type: pick(['docker', 'process']) }),
        );
      } else if (roll < 0.6) {
        tally.note('deleteVersion', await call(n, 'DELETE', at));
      } else if (roll < 0.77) {
        tally.note('publish', await call(n, 'PUT', `${at}/state`, { state: 'PUBLISHED' }));
      } else if (roll < 0.94) {
        tally.note('offShelf', await call(n, 'PUT', `${at}/state`, { state: 'OFF_SHELF' }));
      } else {
        const deleted = tally.note('deleteApp', await call(n, 'DELETE', `${IOT}/${app}`));
        if (deleted.status === 204) tally.note('createApp', await call(n, 'POST', IOT, { edge_app_id: app }));
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  // The app may have been deleted last; later checks want it.
  if ((await call(0, 'GET', `${IOT}/${app}`)).status === 404)
    tally.note('createApp', await call(0, 'POST', IOT, { edge_app_id: app }));
  return tally;
}

/** The same for one RFS provider: create and delete versions, update the provider, delete it and create it again. */
async function rfsWorkload(
  call: Call,
  provider: string,
  seed: number,
  perClient: number,
  deadline: number,
): Promise<Tally> {
  const tally = new Tally(RFS_ANSWERS);
  const client = async (n: number) => {
    const rnd = random(seed + n);
    for (let i = 0; i < perClient && Date.now() < deadline; i++) {
      const version = VERSIONS[Math.floor(rnd() * VERSIONS.length)]!;
      const roll = rnd();
      if (roll < 0.45) {
        tally.note(
          'createVersion',
          await call(n, 'POST', `${RFS}/${provider}/versions`, { provider_version: version, function_graph_urn: URN }),
        );
      } else if (roll < 0.8) {
        tally.note('deleteVersion', await call(n, 'DELETE', `${RFS}/${provider}/versions/${version}`));
      } else if (roll < 0.95) {
        tally.note(
          'updateProvider',
          await call(n, 'PATCH', `${RFS}/${provider}/metadata`, { provider_description: `by ${n}.${i}` }),
        );
      } else {
        const deleted = tally.note('deleteProvider', await call(n, 'DELETE', `${RFS}/${provider}`));
        if (deleted.status === 204)
          tally.note('createProvider', await call(n, 'POST', RFS, { provider_name: provider }));
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  return tally;
}

/** Every app next to what its versions say it should derive; and versions without their app or provider. */
async function derivedState(db: Kysely<Database>) {
  const apps = await sql<{
    edge_app_id: string;
    version_count: number | string;
    real_count: number | string;
    last_published_version: string | null;
    real_last: string | null;
    deploy_type: string | null;
    real_deploy: string | null;
  }>`
    select a.edge_app_id, a.version_count, a.last_published_version, a.deploy_type,
      (select count(*) from edge_app_versions v where v.project_id = a.project_id and v.edge_app_id = a.edge_app_id) as real_count,
      (select v.version from edge_app_versions v where v.project_id = a.project_id and v.edge_app_id = a.edge_app_id and v.state = 'PUBLISHED'
        order by v.publish_time desc, v.version asc limit 1) as real_last,
      (select v.deploy_type from edge_app_versions v where v.project_id = a.project_id and v.edge_app_id = a.edge_app_id
        order by v.create_time desc, v.version asc limit 1) as real_deploy
    from edge_apps a order by a.edge_app_id`.execute(db);
  const orphans = await sql<{ iot: number | string; rfs: number | string }>`
    select (select count(*) from edge_app_versions v where not exists (select 1 from edge_apps a where a.project_id = v.project_id and a.edge_app_id = v.edge_app_id)) as iot,
      (select count(*) from rfs_provider_versions v where not exists (select 1 from rfs_providers p where p.provider_id = v.provider_id)) as rfs`.execute(
    db,
  );
  return {
    apps: apps.rows.map((r) => ({
      app: r.edge_app_id,
      stored: {
        version_count: Number(r.version_count),
        last_published_version: r.last_published_version,
        deploy_type: r.deploy_type,
      },
      derived: { version_count: Number(r.real_count), last_published_version: r.real_last, deploy_type: r.real_deploy },
    })),
    orphans: { iot: Number(orphans.rows[0]!.iot), rfs: Number(orphans.rows[0]!.rfs) },
  };
}

/**
 * Deletes `name` while 20 clients keep creating versions under it (each stops at its first 404,
 * after 150 creates or 4 s). Answers how long the delete took and what everyone got.
 */
async function deleteUnderCreates(call: Call, kind: 'iot' | 'rfs', name: string) {
  const create = (n: number, i: number) =>
    kind === 'iot'
      ? call(n, 'POST', `${IOT}/${name}/versions`, versionWith('version', `${n}.${i}.0`))
      : call(n, 'POST', `${RFS}/${name}/versions`, { provider_version: `${n}.${i}.0`, function_graph_urn: URN });
  const creates: Answer[] = [];
  const stopAt = Date.now() + 4000;
  const clients = Array.from({ length: CLIENTS }, async (_, n) => {
    for (let i = 0; i < 150 && Date.now() < stopAt; i++) {
      const a = await create(n, i);
      creates.push(a);
      if (a.status === 404) break;
    }
  });
  // Let the creates pile up first.
  while (creates.length < CLIENTS) await new Promise((r) => setTimeout(r, 5));
  const started = performance.now();
  const deleted = await call(CLIENTS, 'DELETE', kind === 'iot' ? `${IOT}/${name}` : `${RFS}/${name}`);
  const ms = performance.now() - started;
  await Promise.all(clients);
  return { deleted, ms, creates };
}

function contentionSuite(
  name: string,
  setup: () => Promise<{ call: Call; db: () => Kysely<Database>; teardown: () => Promise<void> }>,
) {
  describe(name, () => {
    let call: Call;
    let db: () => Kysely<Database>;
    let teardown: () => Promise<void>;

    beforeAll(async () => {
      ({ call, db, teardown } = await setup());
    }, 120_000);
    afterAll(async () => teardown?.());

    it('answers a random mix of all the mutating operations on one app without a 5xx and keeps the derived fields true', async () => {
      const seed = crypto.randomInt(1, 1_000_000);
      expect((await call(0, 'POST', IOT, { edge_app_id: 'mixed-app' })).status).toBe(201);
      const tally = await iotWorkload(call, 'mixed-app', seed, 40, Date.now() + 15_000);
      expect(tally.unexpected, `seed ${seed}`).toEqual([]);
      // The mix did meet: every version operation succeeded at least once, and a delete of the app was tried.
      for (const op of ['createVersion', 'updateVersion', 'deleteVersion', 'publish', 'offShelf']) {
        expect(
          tally.counts[op]?.[op === 'createVersion' ? 201 : op === 'deleteVersion' ? 204 : 200] ?? 0,
          `${op} succeeded, seed ${seed}: ${JSON.stringify(tally.counts)}`,
        ).toBeGreaterThan(0);
      }
      expect(
        Object.values(tally.counts.deleteApp ?? {}).reduce((a, b) => a + b, 0),
        `seed ${seed}`,
      ).toBeGreaterThan(0);
      const state = await derivedState(db());
      expect(state.orphans).toEqual({ iot: 0, rfs: 0 });
      for (const a of state.apps) expect(a.stored, `${a.app}, seed ${seed}`).toEqual(a.derived);
      // What the API shows is what is stored.
      const shown = (await call(1, 'GET', `${IOT}/mixed-app`)).body;
      const stored = state.apps.find((a) => a.app === 'mixed-app')!.stored;
      expect({
        last_published_version: shown.last_published_version ?? null,
        deploy_type: shown.deploy_type ?? null,
      }).toEqual({ last_published_version: stored.last_published_version, deploy_type: stored.deploy_type });
      expect((await call(1, 'GET', `${IOT}/mixed-app/versions?limit=1`)).body.count).toBe(stored.version_count);
    }, 60_000);

    it('answers 25 concurrent state changes of the versions of one app with a true last_published_version', async () => {
      expect((await call(0, 'POST', IOT, { edge_app_id: 'publish-app' })).status).toBe(201);
      for (const v of VERSIONS)
        expect((await call(0, 'POST', `${IOT}/publish-app/versions`, versionWith('version', v))).status).toBe(201);
      for (let round = 0; round < 4; round++) {
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            call(i, 'PUT', `${IOT}/publish-app/versions/${VERSIONS[i % VERSIONS.length]}/state`, {
              state: (i + round) % 3 ? 'PUBLISHED' : 'OFF_SHELF',
            }),
          ),
        );
        expect(results.filter((r) => r.status >= 500)).toEqual([]);
        const app = (await derivedState(db())).apps.find((a) => a.app === 'publish-app')!;
        expect(app.stored).toEqual(app.derived);
      }
    });

    it('deletes an app promptly while 20 clients create versions under it, 10 rounds out of 10', async () => {
      for (let round = 0; round < 10; round++) {
        const app = `burst-app-${round}`;
        expect((await call(0, 'POST', IOT, { edge_app_id: app })).status).toBe(201);
        const { deleted, ms, creates } = await deleteUnderCreates(call, 'iot', app);
        expect(deleted.status, `round ${round}: ${JSON.stringify(deleted.body)}`).toBe(204);
        expect(ms, `round ${round}`).toBeLessThan(2000);
        expect(
          creates.filter((c) => c.status !== 201 && !(c.status === 404 && c.body?.error_code === 'IoTEdge.02100602')),
          `round ${round}`,
        ).toEqual([]);
        expect((await call(0, 'GET', `${IOT}/${app}`)).status).toBe(404);
      }
      expect((await derivedState(db())).orphans.iot).toBe(0);
    }, 60_000);

    it('deletes a provider promptly while 20 clients create versions under it, and survives a random mix on one provider', async () => {
      for (let round = 0; round < 5; round++) {
        const provider = `burst-provider-${round}`;
        expect((await call(0, 'POST', RFS, { provider_name: provider })).status).toBe(201);
        const { deleted, ms, creates } = await deleteUnderCreates(call, 'rfs', provider);
        expect(deleted.status, `round ${round}: ${JSON.stringify(deleted.body)}`).toBe(204);
        expect(ms, `round ${round}`).toBeLessThan(2000);
        expect(
          creates.filter((c) => c.status !== 201 && !(c.status === 404 && c.body?.error_code === 'RF.10014001')),
          `round ${round}`,
        ).toEqual([]);
      }
      const seed = crypto.randomInt(1, 1_000_000);
      expect((await call(0, 'POST', RFS, { provider_name: 'mixed-provider' })).status).toBe(201);
      const tally = await rfsWorkload(call, 'mixed-provider', seed, 25, Date.now() + 10_000);
      expect(tally.unexpected, `seed ${seed}`).toEqual([]);
      expect(tally.count('createVersion', 201), `seed ${seed}`).toBeGreaterThan(0);
      expect((await derivedState(db())).orphans.rfs).toBe(0);
    }, 60_000);
  });
}

contentionSuite('contention on PostgreSQL, two server processes', async () => {
  const backend: Backend = await freshBackend('postgres');
  const args = ['--database', backend.database, '--data-dir', backend.dataDir];
  const first = await startReplica(args);
  const replicas: Replica[] = [first, await startReplica(args)];
  const res = await fetch(`${first.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordBody()),
  });
  const token = res.headers.get('x-subject-token')!;
  const call: Call = async (client, method, url, body) => {
    const r = await fetch(replicas[client % 2]!.url + url, {
      method,
      headers: {
        'x-auth-token': token,
        'client-request-id': crypto.randomUUID(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const store: Store = openStore({ database: backend.database, pgPoolSize: 2 });
  return {
    call,
    db: () => store.db,
    async teardown() {
      await store.close();
      await Promise.all(replicas.map((r) => r.stop()));
      await backend.drop();
    },
  };
});

contentionSuite('contention on SQLite, in-process', async () => {
  const s: TestServer = await startServer('sqlite');
  const token = await adminToken(s);
  const call: Call = async (_client, method, url, body) => {
    const r = await s.app.inject({
      method: method as 'GET',
      url,
      headers: { 'x-auth-token': token, 'client-request-id': crypto.randomUUID() },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  return { call, db: () => s.opened.store.db, teardown: () => s.close() };
});

describe.each(BACKENDS)('the deploy_type of an app whose versions share a creation time, on %s', (kind) => {
  it('is the one of its first version in list order (create_time desc, version asc), whatever the order of creation', async () => {
    const s = await startServer(kind);
    const token = await adminToken(s);
    const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
      s.app.inject({ method, url, headers: { 'x-auth-token': token }, payload });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now()); // every version below is created in this one millisecond
    try {
      expect((await call('POST', IOT, { edge_app_id: 'same-ms' })).statusCode).toBe(201);
      const create = async (version: string, deploy_type: string) =>
        expect(
          (await call('POST', `${IOT}/same-ms/versions`, { ...versionWith('version', version), deploy_type }))
            .statusCode,
        ).toBe(201);
      const shown = async () => {
        const first = JSON.parse((await call('GET', `${IOT}/same-ms/versions?limit=1`)).body).versions[0].version;
        return { deploy_type: JSON.parse((await call('GET', `${IOT}/same-ms`)).body).deploy_type, first };
      };
      await create('2.0.0', 'docker');
      expect(await shown()).toEqual({ deploy_type: 'docker', first: '2.0.0' });
      await create('3.0.0', 'process'); // later, but after 2.0.0 in list order
      expect(await shown()).toEqual({ deploy_type: 'docker', first: '2.0.0' });
      await create('1.0.0', 'process');
      expect(await shown()).toEqual({ deploy_type: 'process', first: '1.0.0' });
      const state = await derivedState(s.opened.store.db);
      for (const a of state.apps) expect(a.stored).toEqual(a.derived);
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });
});
