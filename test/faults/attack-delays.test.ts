import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { APP, faultApi } from './helpers.js';

describe.each(BACKENDS)('delayed and injected answers (%s)', (kind) => {
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
    await settle();
    await s.opened.store.db.deleteFrom('activity').execute();
  });

  const trail = async () =>
    (
      await sql<{ operation: string; status: number }>`
        select operation, status from activity where resource like '/v2/%' order by id`.execute(s.opened.store.db)
    ).rows.map((r) => `${r.operation} ${r.status}`);
  const settle = () => new Promise((r) => setTimeout(r, 200)); // failure rows are stored after their answer

  it('records the failure of a request a rule only delayed; an injected answer stays out of the trail', async () => {
    const api = iotedge(s, token);
    expect((await api.createApp(APP)).statusCode).toBe(201);
    const rule = (await faultApi(s, token).add({ operation: 'CreateEdgeApp', delay_ms: 20, times: 1 })).json();
    const conflict = await api.createApp(APP); // already there: the route's own refusal, after the delay
    expect([conflict.statusCode, conflict.headers['x-versionary-fault']]).toEqual([400, rule.id]);
    await faultApi(s, token).add({ operation: 'CreateEdgeApp', status: 500, times: 1 });
    expect((await api.createApp({ ...APP, edge_app_id: 'other-app' })).statusCode).toBe(500);
    await settle();
    expect(await trail()).toEqual(['CreateEdgeApp 201', 'CreateEdgeApp 400']);
    expect(await s.opened.store.db.selectFrom('edge_apps').select('edge_app_id').execute()).toEqual([
      { edge_app_id: APP.edge_app_id },
    ]);
  });

  it('answers GET, HEAD and DELETE sent with Content-Type: application/json and {} or no body', async () => {
    const rule = (await faultApi(s, token).add({ operation: '*', status: 500 })).json();
    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    const base = `/v2/${PROJECT_ID}/edge-apps`;
    for (const [method, url] of [
      ['GET', base],
      ['HEAD', base],
      ['DELETE', `${base}/${APP.edge_app_id}`],
    ] as const) {
      for (const payload of method === 'HEAD' ? [undefined] : ['{}', undefined]) {
        const res = await s.app.inject({ method, url, headers, payload });
        expect([method, payload, res.statusCode, res.headers['x-versionary-fault']]).toEqual([
          method,
          payload,
          500,
          rule.id,
        ]);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
        expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
        if (method === 'HEAD') expect(res.body).toBe('');
        else expect(res.json()).toEqual({ error_code: 'IoTEdge.00000001', error_msg: 'Internal server error.' });
      }
    }
    await settle();
    expect(await trail()).toEqual([]);
  });

  it('a rule deleted during its delay still answers the request it hit, and no other', async () => {
    const rule = (await faultApi(s, token).add({ operation: 'BatchListEdgeApps', delay_ms: 300, status: 503 })).json();
    const slow = iotedge(s, token).listApps();
    await new Promise((r) => setTimeout(r, 50));
    expect((await faultApi(s, token).delete(rule.id)).statusCode).toBe(204);
    const res = await slow;
    expect([res.statusCode, res.headers['x-versionary-fault']]).toEqual([503, rule.id]);
    expect((await iotedge(s, token).listApps()).statusCode).toBe(200);
  });
});

describe('delays on a listening server', () => {
  it('holds 50 delayed requests without a warning, and a close ends them at once', async () => {
    const s = await startServer('sqlite');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const token = await adminToken(s);
      await faultApi(s, token).add({ operation: 'BatchListEdgeApps', delay_ms: 60_000 });
      await faultApi(s, token).add({ operation: 'ShowEdgeApp', delay_ms: 60_000, status: 503 });
      const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
      const get = (path: string) =>
        fetch(`${url}/v2/${PROJECT_ID}/edge-apps${path}`, { headers: { 'x-auth-token': token } }).then(
          async (r) => [r.status, (await r.json()) as unknown] as const,
        );
      const pending = [
        ...Array.from({ length: 25 }, () => get('')),
        ...Array.from({ length: 25 }, () => get('/some-app')),
      ];
      // A client that gives up while its request waits.
      const gaveUp = new AbortController();
      const abandoned = fetch(`${url}/v2/${PROJECT_ID}/edge-apps`, {
        headers: { 'x-auth-token': token },
        signal: gaveUp.signal,
      }).catch((err: Error) => err.name);
      await new Promise((r) => setTimeout(r, 300));
      gaveUp.abort();
      expect(await abandoned).toBe('AbortError');
      const started = performance.now();
      await s.app.close();
      expect(performance.now() - started).toBeLessThan(5_000);
      const answers = await Promise.all(pending);
      expect(answers.slice(0, 25)).toEqual(Array(25).fill([200, expect.objectContaining({ edge_apps: [], count: 0 })]));
      expect(answers.slice(25)).toEqual(
        Array(25).fill([503, { error_code: 'IoTEdge.00000001', error_msg: 'The service is temporarily unavailable.' }]),
      );
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await s.opened.store.close();
      await s.backend.drop();
    }
  }, 30_000);
});
