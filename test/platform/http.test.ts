import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  SECRET_KEY,
  adminToken,
  passwordBody,
  startServer,
  type TestServer,
} from '../helpers/server.js';

describe('HTTP platform', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer('sqlite', { flags: { bodyLimit: '2048' } });
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('answers an unknown route with 404 APIGW.0101 in the envelope', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v9/nothing/here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json()).toEqual({ error_code: 'APIGW.0101', error_msg: expect.stringContaining('/v9/nothing/here') });
  });

  it('answers a known path with an unsupported method with 404', async () => {
    const res = await s.app.inject({ method: 'PATCH', url: '/v3/regions', headers: { 'x-auth-token': token } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toBe('APIGW.0101');
  });

  it('gives every response its own X-Request-Id', async () => {
    const a = await s.app.inject({ method: 'GET', url: '/healthz' });
    const b = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('accepts GET and DELETE with Content-Type: application/json and no body', async () => {
    const get = await s.app.inject({
      method: 'GET',
      url: '/v3/regions',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    });
    expect(get.statusCode).toBe(200);
    const del = await s.app.inject({
      method: 'DELETE',
      url: '/v3/regions',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    });
    expect(del.statusCode).toBe(404);
    expect(del.json().error_code).toBe('APIGW.0101');
  });

  it('answers a body over the limit with 413 APIGW.0201', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ ...passwordBody(), pad: 'x'.repeat(4096) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error_code: 'APIGW.0201', error_msg: 'Request entity too large.' });
  });

  it('answers a body that is not JSON with a 4xx in the envelope', async () => {
    const text = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error_code).toBe('IAM.0001');
    const badUtf8 = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(badUtf8.statusCode).toBe(400);
    const proto = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__":{"x":1}}',
    });
    expect(proto.statusCode).toBe(400);
  });

  it('reports a broken body only after authentication', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/projects',
      headers: { 'content-type': 'application/json' },
      payload: '{oops',
    });
    expect(res.statusCode).toBe(401);
    const authed = await s.app.inject({
      method: 'POST',
      url: '/v3/projects',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      payload: '{oops',
    });
    expect(authed.statusCode).toBe(400);
  });

  it('serves /healthz and /readyz without credentials', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('logs requests with their id and never a secret', async () => {
    await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody() });
    await s.app.inject({ method: 'GET', url: '/v3/regions', headers: { 'x-auth-token': token } });
    await new Promise((r) => setTimeout(r, 50));
    const lines = s.logs
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.at(-1)).toMatchObject({
      method: 'GET',
      url: '/v3/regions',
      status: 200,
      reqId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const all = s.logs.join('');
    for (const secret of [ADMIN_PASSWORD, SECRET_KEY, token]) expect(all).not.toContain(secret);
  });

  describe('over a socket', () => {
    let port: number;
    beforeAll(async () => {
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      port = (s.app.server.address() as net.AddressInfo).port;
    });

    /** Sends raw bytes and returns everything the server writes before it closes the connection. */
    function raw(request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
      return new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', reject);
        socket.on('close', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const [head = '', body = ''] = text.split('\r\n\r\n');
          const [statusLine = '', ...lines] = head.split('\r\n');
          const headers = Object.fromEntries(
            lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
          );
          resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
        });
        socket.end(request);
      });
    }

    it('answers a request that is not HTTP with 400 APIGW.0201 in the envelope', async () => {
      const res = await raw('HELLO THERE\r\n\r\n');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.connection).toBe('close');
      expect(JSON.parse(res.body)).toEqual({
        error_code: 'APIGW.0201',
        error_msg: 'Bad request. The request is not valid HTTP/1.1.',
      });
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
      await new Promise((r) => setTimeout(r, 50));
      const line = s.logs
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.reqId === res.headers['x-request-id']);
      expect(line).toMatchObject({ msg: 'client error', status: 400, code: expect.stringMatching(/^HPE_/) });
    });

    it('accepts headers up to the gateway limit and answers larger ones with 431 in the envelope', async () => {
      const big = await raw(
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`,
      );
      expect(big.status).toBe(200);
      expect(JSON.parse(big.body)).toEqual({ status: 'ok' });
      const tooBig = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(130 * 1024)}\r\n\r\n`);
      expect(tooBig.status).toBe(431);
      expect(JSON.parse(tooBig.body)).toEqual({
        error_code: 'APIGW.0201',
        error_msg: expect.stringMatching(/^Request headers too large\. .*128 KiB/),
      });
    });
  });
});
