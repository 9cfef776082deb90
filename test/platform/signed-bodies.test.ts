import crypto from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, PROJECT_ID, SECRET_KEY, adminToken, startServer, type TestServer } from '../helpers/server.js';
import { request, sdkClient, signedWire, type WireRequest } from '../helpers/sdk.js';

/** Sends a request on a real connection; the body goes out exactly as given (chunked when asked). */
function rawSend(
  base: string,
  w: WireRequest,
  opts: { chunked?: boolean } = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(w.url, base);
  const headers: Record<string, string> = { ...w.headers };
  if (w.payload !== undefined) {
    if (opts.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(Buffer.byteLength(w.payload));
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: w.method, path: w.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
    });
    req.on('error', reject);
    if (w.payload !== undefined && opts.chunked) {
      // Two chunks, so that the server has to put the body together.
      const half = Math.floor(w.payload.length / 2);
      req.write(w.payload.slice(0, half));
      req.end(w.payload.slice(half));
    } else req.end(w.payload);
  });
}

const sha256 = (data: string) => crypto.createHash('sha256').update(data, 'utf8').digest('hex');

/**
 * SDK-HMAC-SHA256 written out for a plain path without query, for bodies the SDK signer cannot
 * produce (it signs JSON.stringify of its data, never arbitrary bytes).
 */
function signByHand(method: string, path: string, headers: Record<string, string>, body: string): WireRequest {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const all: Record<string, string> = { ...headers, 'x-sdk-date': date };
  const names = Object.keys(all).sort();
  const canonical = [
    method,
    `${path}/`,
    '',
    names.map((n) => `${n}:${all[n]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const signature = crypto
    .createHmac('sha256', SECRET_KEY)
    .update(`SDK-HMAC-SHA256\n${date}\n${sha256(canonical)}`)
    .digest('hex');
  all.authorization = `SDK-HMAC-SHA256 Access=${ACCESS_KEY}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { method, url: path, headers: all, payload: body };
}

describe('bodies on any method are hashed as received (docs/api/auth.md §2.6)', () => {
  let s: TestServer;
  let url: string;
  const client = () => sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
  beforeAll(async () => {
    s = await startServer('sqlite', { flags: { bodyLimit: '2048' } });
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => s.close());

  const send = (w: WireRequest) =>
    s.app.inject({ method: w.method as 'GET', url: w.url, headers: w.headers, payload: w.payload });

  it('a GET carrying {} as the SDK core signs it: accepted; with the body changed or dropped: 401', async () => {
    const w = await signedWire(
      client(),
      request('GET', '/v3/projects', { queryParams: { name: 'cn-north-7' }, data: {} }),
    );
    expect(w.payload).toBe('{}');
    const ok = await send(w);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().projects[0].id).toBe(PROJECT_ID);

    for (const payload of ['{ }', '', '{}\n']) {
      const res = await send({ ...w, payload: payload === '' ? undefined : payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(401);
      expect(res.json().error_code).toBe('APIGW.0301');
    }
  });

  it('on a real connection, with Content-Length or chunked', async () => {
    for (const path of ['/v3/regions', '/v3/auth/domains', `/v2/${PROJECT_ID}/edge-apps`, '/v1/private-providers']) {
      const headers: Record<string, string> = path.startsWith('/v1/')
        ? { 'Client-Request-Id': crypto.randomUUID() }
        : {};
      for (const chunked of [false, true]) {
        const w = await signedWire(client(), request('GET', path, { data: {}, headers }));
        const res = await rawSend(url, w, { chunked });
        expect(res.status, `${path} chunked=${chunked}: ${res.body}`).toBe(200);
      }
    }
  });

  it('a GET body the operation does not take is ignored, whatever it holds, once its signature verifies', async () => {
    const host = new URL(url).host;
    const cases: [string, string][] = [
      ['application/json', '{"anything":["goes",1,null]}'],
      ['application/json', '{"broken json'],
      ['text/plain', 'plain text ✓'],
    ];
    for (const [type, body] of cases) {
      const w = signByHand('GET', '/v3/regions', { 'content-type': type, host, 'x-project-id': PROJECT_ID }, body);
      const res = await rawSend(url, w);
      expect(res.status, `${type} ${body}: ${res.body}`).toBe(200);
      expect(JSON.parse(res.body).regions[0].id).toBe('cn-north-7');
      // The bytes are signed: another body is refused.
      expect((await rawSend(url, { ...w, payload: body + ' ' })).status).toBe(401);
    }
  });

  it('a signed GET body over the body limit: 413 in the envelope, never a 500', async () => {
    const big = { pad: 'x'.repeat(4096) };
    const w = await signedWire(client(), request('GET', '/v3/regions', { data: big }));
    for (const chunked of [false, true]) {
      const res = await rawSend(url, w, { chunked });
      expect(res.status, res.body).toBe(413);
      expect(JSON.parse(res.body).error_code).toBe('APIGW.0201');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    }
    // The server still answers afterwards.
    expect((await rawSend(url, await signedWire(client(), request('GET', '/v3/regions', { data: {} })))).status).toBe(
      200,
    );
  });

  it('a GET body sent with a token is not read and does not matter', async () => {
    const token = await adminToken(s);
    const res = await s.app.inject({
      method: 'GET',
      url: '/v3/regions',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: '{"ignored":true}',
    });
    expect(res.statusCode).toBe(200);
  });

  it('a DELETE carrying {}: verified, then the operation answers', async () => {
    const w = await signedWire(
      client(),
      request('DELETE', `/v2/${PROJECT_ID}/edge-apps/{edge_app_id}`, { pathParams: { edge_app_id: 'no-such-app' } }),
    );
    // The SDK drops an empty DELETE body; a client that sends one signs it.
    expect(w.payload).toBeUndefined();
    expect((await send(w)).statusCode).toBe(404);
    const withBody = await signedWire(
      client(),
      request('DELETE', `/v2/${PROJECT_ID}/edge-apps/no-such-app`, { data: { x: 1 } }),
    );
    expect(withBody.payload).toBe('{"x":1}');
    const res = await rawSend(url, withBody);
    expect(res.status, res.body).toBe(404);
    expect(JSON.parse(res.body).error_code).toBe('IoTEdge.02100602');
  });
});

interface PythonVector {
  id: string;
  method: string;
  body: string | null;
  wire: { request_target: string; headers: Record<string, string> };
}

describe('requests signed as the Python SDK signs an encoded slash in a path parameter', () => {
  const file = fileURLToPath(new URL('../fixtures/python-sdk-vectors.json', import.meta.url));
  const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: PythonVector[] }).vectors;
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { clock: { now: () => Date.UTC(2026, 7, 6, 9, 0, 0) } });
  });
  afterAll(async () => s.close());

  const replay = (v: PythonVector, headers: Record<string, string> = {}) =>
    s.app.inject({
      method: v.method as 'GET',
      url: v.wire.request_target,
      headers: { ...v.wire.headers, ...headers },
      payload: v.body ?? undefined,
    });

  // A bad id gets the operation's own answer, not an authentication error.
  const expected: Record<string, { status: number; code: string }> = {
    'python-path-encoded-slash-rfs': { status: 400, code: 'RF.10011003' },
    'python-path-encoded-slash-iotedge': { status: 404, code: 'IoTEdge.02100602' },
    'python-path-encoded-slash-post': { status: 400, code: 'RF.10011003' },
    'python-path-encoded-slash-delete': { status: 400, code: 'RF.10011003' },
  };

  for (const v of vectors) {
    it(`${v.id}: authenticated, then answered by the operation`, async () => {
      const res = await replay(v);
      expect({ status: res.statusCode, code: res.json().error_code }, res.body).toEqual(expected[v.id]);
      const late = await replay(v, { 'x-sdk-date': '20260806T090100Z' });
      expect(late.statusCode).toBe(401);
      expect(late.json().error_code).toBe('APIGW.0301');
    });
  }
});
