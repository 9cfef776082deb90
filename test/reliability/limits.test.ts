import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { rfs } from '../helpers/rfs.js';

describe('rate limiting per credential', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { flags: { rateLimit: '5', rateWindowMs: '60000' } });
  });
  afterAll(async () => s.close());

  it('answers 429 in each family envelope with Retry-After, per user', async () => {
    const token = await adminToken(s);
    const api = iotedge(s, token);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api.listApps()).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await api.listApps();
    expect(limited.json()).toEqual({
      error_code: 'APIGW.0308',
      error_msg: expect.stringContaining('The throttling threshold has been reached.'),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const rfsLimited = await rfs(s, token).listProviders();
    expect(rfsLimited.statusCode).toBe(429);
    expect(rfsLimited.json().error_code).toBe('RF.10016001');

    // Another user has a budget of its own.
    await s.opened.iam.createUser({ name: 'grace', password: 'grace-password' });
    const other = (
      await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({ user: 'grace', password: 'grace-password' }),
      })
    ).headers['x-subject-token'] as string;
    expect((await iotedge(s, other).listApps()).statusCode).toBe(200);
  });
});

describe('password guessing', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite');
  });
  afterAll(async () => s.close());

  it('is slowed down after five wrong passwords for one user, without revealing the password', async () => {
    const attempt = (password: string) =>
      s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody({ password }) });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).statusCode).toBe(401);
    const slowed = await attempt('wrong-again');
    expect(slowed.statusCode).toBe(429);
    expect(slowed.json().error_code).toBe('APIGW.0308');
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Even the right password waits until the delay has passed.
    expect((await attempt('admin-password-1')).statusCode).toBe(429);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await attempt('admin-password-1')).statusCode).toBe(201);
    expect((await attempt('wrong-after-success')).statusCode).toBe(401);
    // Other users are not affected.
    await s.opened.iam.createUser({ name: 'heidi', password: 'heidi-password' });
    expect(
      (
        await s.app.inject({
          method: 'POST',
          url: '/v3/auth/tokens',
          payload: passwordBody({ user: 'heidi', password: 'heidi-password' }),
        })
      ).statusCode,
    ).toBe(201);
    expect(s.logs.join('')).not.toContain('wrong-again');
  });
});

describe('metrics', () => {
  it('serves Prometheus metrics by operation and status, store latency and group-commit batches', async () => {
    const s = await startServer('sqlite');
    const api = iotedge(s, await adminToken(s));
    await api.createApp({ edge_app_id: 'metric-app' });
    await api.showApp('metric-app');
    await api.showApp('missing-app');
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/versionary_http_requests_total\{operation="ShowEdgeApp",status="200"\} 1/);
    expect(text).toMatch(/versionary_http_requests_total\{operation="ShowEdgeApp",status="404"\} 1/);
    expect(text).toMatch(/versionary_http_requests_total\{operation="CreateEdgeApp",status="201"\} 1/);
    expect(text).toMatch(/versionary_http_request_duration_seconds_bucket\{le="[^"]+",operation="ShowEdgeApp"\}/);
    expect(text).toMatch(/versionary_store_query_duration_seconds_count\{kind="select"\} \d+/);
    expect(text).toMatch(/versionary_group_commit_batch_size_count [1-9]/);
    expect(text).toContain('versionary_process_resident_memory_bytes');
    await s.close();
  });
});

describe('slow requests', () => {
  it('are cut off after --request-timeout, with a 408', async () => {
    const s = await startServer('sqlite', { flags: { requestTimeoutMs: '300' } });
    const url = new URL(await s.app.listen({ host: '127.0.0.1', port: 0 }));
    const net = await import('node:net');
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        // Headers promise a body that never comes.
        socket.write(
          'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"auth":',
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({
      error_code: 'APIGW.0201',
      error_msg: expect.stringMatching(/^Request timeout\./),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await s.close();
  });
});
