import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { rfs } from '../helpers/rfs.js';
import { APP, faultApi, otherDomain } from './helpers.js';

describe.each(BACKENDS)('injected faults (%s)', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());
  afterEach(async () => {
    await faultApi(s, token).clear();
    await s.opened.store.db.deleteFrom('edge_apps').execute();
    await s.opened.store.db.deleteFrom('rfs_providers').execute();
  });

  const count = async (table: 'edge_apps' | 'rfs_providers' | 'activity') =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(s.opened.store.db)).rows[0]!.n,
    );

  it('answers times: 2 twice in the IoTEdge envelope, writing nothing, then lets requests through', async () => {
    const rule = (await faultApi(s, token).add({ operation: 'CreateEdgeApp', status: 503, times: 2 })).json();
    const activityBefore = await count('activity');
    const api = iotedge(s, token);
    for (let i = 0; i < 2; i++) {
      const res = await api.createApp(APP);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        error_code: 'IoTEdge.00000001',
        error_msg: 'The service is temporarily unavailable.',
      });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['x-versionary-fault']).toBe(rule.id);
      expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(await count('edge_apps')).toBe(0);
    }
    expect(await count('activity')).toBe(activityBefore);
    const ok = await api.createApp(APP);
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['x-versionary-fault']).toBeUndefined();
    expect(await count('edge_apps')).toBe(1);
    expect((await faultApi(s, token).list()).json().faults).toEqual([
      expect.objectContaining({ id: rule.id, times: 2, remaining: 0, hits: 2 }),
    ]);
  });

  it('marks an injected answer in the access log and the metrics', async () => {
    const rule = (await faultApi(s, token).add({ operation: 'ShowEdgeApp', status: 500 })).json();
    const res = await iotedge(s, token).showApp('anything');
    expect(res.json()).toEqual({ error_code: 'IoTEdge.00000001', error_msg: 'Internal server error.' });
    await new Promise((r) => setTimeout(r, 300));
    const line = s.logs
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.reqId === res.headers['x-request-id'] && l.msg === 'request');
    expect(line).toMatchObject({ status: 500, fault: rule.id });
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('versionary_faults_injected_total{operation="ShowEdgeApp",status="500"} 1');
  });

  it("answers in each family's envelope, with the family's code for the status", async () => {
    const api = faultApi(s, token);
    await api.add({ operation: 'CreatePrivateProvider', status: 429 });
    await api.add({ operation: 'ListPrivateProviders', status: 404 });
    await api.add({ operation: 'KeystoneListProjects', status: 503 });
    await api.add({ operation: 'BatchListEdgeApps', status: 409 });
    await api.add({ operation: 'DeleteEdgeApp', status: 418, error_code: 'Custom.0001', error_msg: 'I am a teapot.' });
    const created = await rfs(s, token).createProvider({ provider_name: 'my-provider' });
    expect([created.statusCode, created.json(), created.headers['retry-after']]).toEqual([
      429,
      { error_code: 'RF.10016001', error_msg: 'Too many requests, please try again later.' },
      '1',
    ]);
    expect(await count('rfs_providers')).toBe(0);
    const listed = await rfs(s, token).listProviders();
    expect([listed.statusCode, listed.json().error_code]).toEqual([404, 'RF.10014001']);
    const projects = await s.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': token } });
    expect([projects.statusCode, projects.json(), projects.headers['retry-after']]).toEqual([
      503,
      { error_code: 'APIGW.0503', error_msg: 'The service is temporarily unavailable.' },
      '1',
    ]);
    const apps = await iotedge(s, token).listApps();
    expect([apps.statusCode, apps.json().error_code]).toEqual([409, 'IoTEdge.00000005']);
    const teapot = await iotedge(s, token).deleteApp('x');
    expect([teapot.statusCode, teapot.json(), teapot.headers['retry-after']]).toEqual([
      418,
      { error_code: 'Custom.0001', error_msg: 'I am a teapot.' },
      undefined,
    ]);
  });

  it('answers before the body is validated, and never on the admin API', async () => {
    await faultApi(s, token).add({ operation: '*', status: 503 });
    const res = await iotedge(s, token).createApp({ nonsense: true });
    expect(res.statusCode).toBe(503);
    for (const url of ['/_versionary/faults', '/_versionary/export', '/_versionary/activity']) {
      expect((await s.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } })).statusCode).toBe(200);
    }
    const anonymous = await iotedge(s, 'not-a-token').listApps();
    expect(anonymous.statusCode).toBe(401);
  });

  it('hits only the project a rule names', async () => {
    await s.opened.iam.createProject({ name: 'cn-east-3', id: 'east0project00000000000000000000' });
    await faultApi(s, token).add({ operation: 'BatchListEdgeApps', status: 503, project_id: PROJECT_ID });
    expect((await iotedge(s, token).listApps()).statusCode).toBe(503);
    const login = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ project: 'cn-east-3' }),
    });
    const east = await iotedge(
      s,
      login.headers['x-subject-token'] as string,
      'east0project00000000000000000000',
    ).listApps();
    expect(east.statusCode).toBe(200);
  });

  it("never touches another domain's requests", async () => {
    const other = await otherDomain(s);
    await faultApi(s, other.token).add({ operation: '*', status: 503 });
    expect((await iotedge(s, token).createApp(APP)).statusCode).toBe(201);
    expect((await rfs(s, token).createProvider({ provider_name: 'mine' })).statusCode).toBe(201);
    const theirs = await rfs(s, other.token).createProvider({ provider_name: 'theirs' });
    expect(theirs.statusCode).toBe(503);
    await faultApi(s, other.token).clear();
  });

  it('delays a request without holding up the others, then lets it through', async () => {
    await iotedge(s, token).createApp(APP);
    const rule = (await faultApi(s, token).add({ operation: 'ShowEdgeApp', delay_ms: 400 })).json();
    const started = performance.now();
    const slow = iotedge(s, token).showApp(APP.edge_app_id);
    const fast = await iotedge(s, token).listApps();
    const fastMs = performance.now() - started;
    const res = await slow;
    const slowMs = performance.now() - started;
    expect(fast.statusCode).toBe(200);
    expect(fastMs).toBeLessThan(300);
    expect(res.statusCode).toBe(200);
    expect(res.json().edge_app_id).toBe(APP.edge_app_id);
    expect(slowMs).toBeGreaterThanOrEqual(395);
    expect(res.headers['x-versionary-fault']).toBe(rule.id);
  });

  it('delays, then answers the status', async () => {
    await faultApi(s, token).add({ operation: 'CreateEdgeApp', delay_ms: 250, status: 500 });
    const started = performance.now();
    const res = await iotedge(s, token).createApp(APP);
    expect(performance.now() - started).toBeGreaterThanOrEqual(245);
    expect(res.statusCode).toBe(500);
    expect(await count('edge_apps')).toBe(0);
  });

  it('honours the probability within a tolerance and counts every hit', async () => {
    await faultApi(s, token).add({ operation: 'BatchListEdgeApps', status: 503, probability: 0.3 });
    const api = iotedge(s, token);
    let failed = 0;
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => api.listApps()));
      for (const a of answers) {
        expect([200, 503]).toContain(a.statusCode);
        if (a.statusCode === 503) failed++;
      }
    }
    // 1000 draws at 0.3: the standard deviation is 14.5; 5 of them either side.
    expect(failed).toBeGreaterThanOrEqual(228);
    expect(failed).toBeLessThanOrEqual(372);
    expect((await faultApi(s, token).list()).json().faults[0].hits).toBe(failed);
  }, 60_000);

  it('a rule deleted stops at once; a rule of probability 0 never hits', async () => {
    const api = faultApi(s, token);
    const rule = (await api.add({ operation: 'BatchListEdgeApps', status: 503 })).json();
    await api.add({ operation: 'ShowEdgeApp', status: 503, probability: 0 });
    expect((await iotedge(s, token).listApps()).statusCode).toBe(503);
    await api.delete(rule.id);
    expect((await iotedge(s, token).listApps()).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) expect((await iotedge(s, token).showApp('x')).statusCode).toBe(404);
  });
});
