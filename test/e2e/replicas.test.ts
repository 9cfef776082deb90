import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { ownPostgres, runCli, startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';
import { VALID_VERSION, versionWith } from '../helpers/iotedge.js';
import { URN } from '../helpers/rfs.js';

/**
 * Two Versionary processes on one PostgreSQL, as behind a load balancer: races across replicas,
 * shared tokens, read-after-write, cascade deletes racing creates, and PostgreSQL going away.
 */
describe('two replicas on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof ownPostgres>>;
  let a: Replica;
  let b: Replica;
  let token: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-replicas-'));

  const call = async (
    replica: Replica,
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(replica.url + url, {
      method,
      headers: {
        'x-auth-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const rfsHeaders = () => ({ 'client-request-id': crypto.randomUUID() });
  const iot = `/v2/${PROJECT_ID}/edge-apps`;

  beforeAll(async () => {
    db = await ownPostgres();
    const args = [
      '--database',
      db.url,
      '--data-dir',
      dataDir,
      '--pg-connect-timeout',
      '1000',
      '--pg-statement-timeout',
      '2000',
    ];
    [a, b] = await Promise.all([startReplica(args), startReplica(args)]);
    const res = await fetch(`${a.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody()),
    });
    expect(res.status).toBe(201);
    token = res.headers.get('x-subject-token')!;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrated once and bootstrapped once although both started together', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const migrations = await client.query('select name from versionary_migration order by name');
    expect(migrations.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    expect((await client.query('select count(*)::int as n from users')).rows[0].n).toBe(1);
    await client.end();
    expect([a.output(), b.output()].filter((o) => o.includes('created its first identity'))).toHaveLength(1);
  });

  it('accepts a token issued by one replica on the other, and reads its own writes across replicas', async () => {
    expect((await call(b, 'GET', '/v3/regions')).status).toBe(200);
    expect((await call(a, 'POST', iot, { edge_app_id: 'shared-app' })).status).toBe(201);
    expect((await call(b, 'GET', `${iot}/shared-app`)).status).toBe(200);
    expect((await call(b, 'POST', `${iot}/shared-app/versions`, VALID_VERSION)).status).toBe(201);
    expect((await call(a, 'GET', `${iot}/shared-app/versions/1.0.0`)).body.state).toBe('DRAFT');
    expect((await call(a, 'PUT', `${iot}/shared-app/versions/1.0.0/state`, { state: 'PUBLISHED' })).status).toBe(200);
    expect((await call(b, 'GET', `${iot}/shared-app`)).body.last_published_version).toBe('1.0.0');
  });

  it('lets exactly one of 100 identical IoTEdge version creates spread over both win', async () => {
    expect((await call(a, 'POST', iot, { edge_app_id: 'race-app' })).status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(i % 2 ? a : b, 'POST', `${iot}/race-app/versions`, versionWith('version', '5.0.0')),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    for (const r of results.filter((r) => r.status !== 201))
      expect(r.body).toMatchObject({ error_code: 'IoTEdge.02100603' });
  });

  it('records those 100 creates in the activity trail once each: one success, 99 refusals', async () => {
    const query = `resource=${encodeURIComponent(`${iot}/race-app/versions`)}&operation=CreateEdgeApplicationVersion&limit=500`;
    let rows: { status: number; error_code: string | null }[] = [];
    // Refusals are stored just after their answers: give them a moment.
    for (let i = 0; i < 50 && rows.length < 100; i++) {
      rows = (await call(i % 2 ? a : b, 'GET', `/_versionary/activity?${query}`)).body.activity;
      if (rows.length < 100) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rows.filter((r) => r.status === 400 && r.error_code === 'IoTEdge.02100603')).toHaveLength(99);
  });

  it('lets exactly one of 100 identical RFS version creates spread over both win', async () => {
    expect(
      (await call(a, 'POST', '/v1/private-providers', { provider_name: 'race-provider' }, rfsHeaders())).status,
    ).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(
          i % 2 ? a : b,
          'POST',
          '/v1/private-providers/race-provider/versions',
          { provider_version: '1.0.0', function_graph_urn: URN },
          rfsHeaders(),
        ),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    for (const r of results.filter((r) => r.status !== 201))
      expect(r.body).toMatchObject({ error_code: 'RF.10015002' });
  });

  it('ends racing state changes of one version from both replicas in one legal state', async () => {
    expect((await call(a, 'POST', iot, { edge_app_id: 'state-race' })).status).toBe(201);
    expect((await call(a, 'POST', `${iot}/state-race/versions`, VALID_VERSION)).status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? a : b, 'PUT', `${iot}/state-race/versions/1.0.0/state`, { state: 'PUBLISHED' }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect((await call(b, 'GET', `${iot}/state-race/versions/1.0.0`)).body.state).toBe('PUBLISHED');
  });

  it('leaves no orphan version when deletes race creates on the other replica', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    for (let round = 0; round < 5; round++) {
      const app = `orphan-app-${round}`;
      const provider = `orphan-provider-${round}`;
      expect((await call(a, 'POST', iot, { edge_app_id: app })).status).toBe(201);
      expect((await call(a, 'POST', '/v1/private-providers', { provider_name: provider }, rfsHeaders())).status).toBe(
        201,
      );
      const creates = Array.from({ length: 20 }, (_, i) =>
        call(b, 'POST', `${iot}/${app}/versions`, versionWith('version', `1.0.${i}`)),
      );
      const rfsCreates = Array.from({ length: 20 }, (_, i) =>
        call(
          b,
          'POST',
          `/v1/private-providers/${provider}/versions`,
          { provider_version: `1.0.${i}`, function_graph_urn: URN },
          rfsHeaders(),
        ),
      );
      const deletes = [
        call(a, 'DELETE', `${iot}/${app}`),
        call(a, 'DELETE', `/v1/private-providers/${provider}`, undefined, rfsHeaders()),
      ];
      const all = await Promise.all([...creates, ...rfsCreates, ...deletes]);
      expect(all.filter((r) => r.status >= 500)).toEqual([]);
      for (const r of all.slice(0, 40)) expect([201, 404]).toContain(r.status);
    }
    const iotOrphans = await client.query(
      'select count(*)::int as n from edge_app_versions v where not exists (select 1 from edge_apps a where a.project_id = v.project_id and a.edge_app_id = v.edge_app_id)',
    );
    const rfsOrphans = await client.query(
      'select count(*)::int as n from rfs_provider_versions v where not exists (select 1 from rfs_providers p where p.provider_id = v.provider_id)',
    );
    expect(iotOrphans.rows[0].n).toBe(0);
    expect(rfsOrphans.rows[0].n).toBe(0);
    await client.end();
  });

  it("stops a deleted user's token on both replicas within 5 seconds", async () => {
    const created = runCli([
      'admin',
      'user',
      'create',
      'frank',
      '--password',
      'frank-password',
      '--json',
      '--database',
      db.url,
      '--data-dir',
      dataDir,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const res = await fetch(`${b.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody({ user: 'frank', password: 'frank-password' })),
    });
    const frank = res.headers.get('x-subject-token')!;
    const use = (r: Replica) =>
      fetch(`${r.url}/v3/regions`, { headers: { 'x-auth-token': frank } }).then((x) => x.status);
    expect([await use(a), await use(b)]).toEqual([200, 200]);
    expect(runCli(['admin', 'user', 'delete', 'frank', '--database', db.url, '--data-dir', dataDir]).code).toBe(0);
    const deadline = Date.now() + 5000;
    let statuses = [200, 200];
    while (Date.now() < deadline && statuses.some((s) => s !== 401)) {
      statuses = [await use(a), await use(b)];
      if (statuses.some((s) => s !== 401)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses).toEqual([401, 401]);
  });

  it('answers 503 in the family envelope while PostgreSQL is down, and recovers by itself', async () => {
    await db.stop();
    try {
      for (const r of [a, b]) {
        const started = Date.now();
        const iotRes = await call(r, 'GET', `${iot}/shared-app`);
        expect(iotRes.status).toBe(503);
        expect(iotRes.body).toMatchObject({
          error_code: 'IoTEdge.00000001',
          error_msg: expect.stringContaining('temporarily unavailable'),
        });
        expect(iotRes.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(iotRes.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
        const rfsRes = await call(r, 'GET', '/v1/private-providers', undefined, rfsHeaders());
        expect(rfsRes.status).toBe(503);
        expect(rfsRes.body).toMatchObject({ error_code: 'RF.10010001' });
        expect(Date.now() - started).toBeLessThan(10_000);
        const ready = await fetch(`${r.url}/readyz`);
        expect(ready.status).toBe(503);
        expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
      }
    } finally {
      await db.start();
    }
    for (const r of [a, b]) {
      const deadline = Date.now() + 20_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await call(r, 'GET', `${iot}/shared-app`)).status;
        if (status !== 200) await new Promise((res) => setTimeout(res, 200));
      }
      expect(status).toBe(200);
      expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
    }
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});
