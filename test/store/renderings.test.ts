import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';
import { RENDERINGS, refreshRenderings } from '../../src/renderings.js';

/**
 * The stored renderings are a cache of the responses, made from the data: when the stamp of the
 * renderings is not the current one, opening the store rebuilds them all, and the API then answers
 * byte for byte what it answered before, whatever the cache held.
 */
describe.each(BACKENDS)('stored renderings on %s', (kind) => {
  let s: TestServer;
  let answers: Record<string, string>;

  /** What a client sees of every version kept below. */
  async function read(server: TestServer): Promise<Record<string, string>> {
    const iot = iotedge(server, await adminToken(server));
    const rf = rfs(server, await adminToken(server));
    const bodies: Record<string, string> = {};
    const calls = {
      show: () => iot.showVersion('cached-app', '1.0.0'),
      showPublished: () => iot.showVersion('cached-app', '2.0.0'),
      list: () => iot.listVersions('cached-app'),
      filtered: () => iot.listVersions('cached-app', '?state=PUBLISHED'),
      rfsShow: () => rf.showVersion('cached-p', '1.0.0'),
      rfsList: () => rf.listVersions('cached-p'),
      rfsPage: () => rf.listVersions('cached-p', 'limit=10'),
    };
    for (const [name, call] of Object.entries(calls)) {
      const res = await call();
      expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
      bodies[name] = res.body;
    }
    return bodies;
  }

  async function restart(change: () => Promise<unknown>): Promise<void> {
    await change();
    s = await s.restart();
  }

  beforeAll(async () => {
    s = await startServer(kind);
    const iot = iotedge(s, await adminToken(s));
    const rf = rfs(s, await adminToken(s));
    expect((await iot.createApp({ edge_app_id: 'cached-app', edge_app_name: 'Cached_app-缓存' })).statusCode).toBe(201);
    expect((await iot.createVersion('cached-app', VALID_VERSION)).statusCode).toBe(201);
    expect((await iot.createVersion('cached-app', { ...VALID_VERSION, version: '2.0.0' })).statusCode).toBe(201);
    expect((await iot.setState('cached-app', '2.0.0', 'PUBLISHED')).statusCode).toBe(200);
    expect((await rf.createProvider({ provider_name: 'cached-p' })).statusCode).toBe(201);
    for (const v of ['1.0.0', '1.0.1'])
      expect(
        (await rf.createVersion('cached-p', { provider_version: v, function_graph_urn: URN, version_description: v }))
          .statusCode,
      ).toBe(201);
    answers = await read(s);
  });
  afterAll(async () => s.close());

  const db = () => s.opened.store.db;
  const forgetStamp = () => sql`delete from versionary_meta where key = 'renderings'`.execute(db());

  it('stamps a store with the current renderings, and rebuilds nothing while the stamp is current', async () => {
    const stamp = await sql<{ value: string }>`select value from versionary_meta where key = 'renderings'`.execute(
      db(),
    );
    expect(stamp.rows).toEqual([{ value: RENDERINGS }]);
    expect(await refreshRenderings(s.opened.store)).toBe(0);
  });

  it('rebuilds a stale cache: nothing of it reaches an answer', async () => {
    await restart(async () => {
      await sql`update edge_app_versions set doc = '{"stale":true}', brief = '{"stale":true}'`.execute(db());
      await sql`update rfs_provider_versions set doc = '{"stale":true}'`.execute(db());
      await sql`update versionary_meta set value = 'of an older release' where key = 'renderings'`.execute(db());
    });
    expect(await read(s)).toEqual(answers);
  });

  it('rebuilds a deleted cache', async () => {
    await restart(async () => {
      await sql`update edge_app_versions set doc = null, brief = null`.execute(db());
      await sql`update rfs_provider_versions set doc = null`.execute(db());
      await forgetStamp();
    });
    expect(await read(s)).toEqual(answers);
  });

  it('rebuilds renderings whose data changed behind them', async () => {
    const { rows } = await sql<{ spec: string }>`select spec from edge_app_versions where version = '1.0.0'`.execute(
      db(),
    );
    const spec = JSON.stringify({ ...JSON.parse(rows[0]!.spec), description: 'changed' });
    await restart(async () => {
      await sql`update edge_app_versions set description = 'changed', spec = ${spec} where version = '1.0.0'`.execute(
        db(),
      );
      await forgetStamp();
    });
    expect(JSON.parse((await read(s)).show!)).toEqual({ ...JSON.parse(answers.show!), description: 'changed' });
  });
});
