import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { APP, faultApi } from './helpers.js';

describe.each(BACKENDS)('fault rules on two servers of one store (%s)', (kind) => {
  let a: TestServer;
  let b: TestServer;
  let token: string;
  beforeAll(async () => {
    a = await startServer(kind, { flags: { authCacheMs: '500' } });
    b = await startServer(kind, { backend: a.backend, flags: { authCacheMs: '500' } });
    token = await adminToken(a);
  });
  afterAll(async () => {
    await b.app.close();
    await b.opened.store.close();
    await a.close();
  });

  it('times: 2 answers exactly twice over 200 concurrent requests on both', async () => {
    await iotedge(a, token).createApp(APP);
    const rule = (await faultApi(a, token).add({ operation: 'BatchListEdgeApps', status: 503, times: 2 })).json();
    await new Promise((r) => setTimeout(r, 600));
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => iotedge(i % 2 ? a : b, token).listApps()));
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((st) => st === 503)).toHaveLength(2);
    expect(statuses.filter((st) => st === 200)).toHaveLength(198);
    const listed = (await faultApi(b, token).list()).json().faults;
    expect(listed).toEqual([expect.objectContaining({ id: rule.id, hits: 2, remaining: 0 })]);
    await faultApi(a, token).clear();
  });

  it('a rule added on one server applies on the other within --auth-cache, and stops at once once deleted', async () => {
    expect((await iotedge(b, token).showApp(APP.edge_app_id)).statusCode).toBe(200);
    const rule = (await faultApi(a, token).add({ operation: 'ShowEdgeApp', status: 500 })).json();
    expect((await iotedge(a, token).showApp(APP.edge_app_id)).statusCode).toBe(500);
    await new Promise((r) => setTimeout(r, 600));
    expect((await iotedge(b, token).showApp(APP.edge_app_id)).statusCode).toBe(500);
    await faultApi(a, token).delete(rule.id);
    expect((await iotedge(b, token).showApp(APP.edge_app_id)).statusCode).toBe(200);
    expect((await faultApi(b, token).list()).json()).toEqual({ faults: [] });
  });
});
