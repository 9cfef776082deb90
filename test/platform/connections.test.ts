import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';
import { VALID_VERSION } from '../helpers/iotedge.js';
import { request, Wire } from '../helpers/wire.js';

/**
 * Connections end cleanly, checked byte for byte on a listening server: an early error that leaves
 * body bytes unread closes its connection (without a reset) instead of leaving the next request
 * unanswered, and responses on a connection go out in request order, also when a later request
 * cannot be parsed.
 */
describe('connections', () => {
  let s: TestServer;
  let token: string;
  let port: number;
  const BODY_LIMIT = 4096;
  const IMPORT_LIMIT = 2048;
  beforeAll(async () => {
    s = await startServer('sqlite', { flags: { bodyLimit: String(BODY_LIMIT), importLimit: String(IMPORT_LIMIT) } });
    token = await adminToken(s);
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as net.AddressInfo).port;
    const app = await s.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT_ID}/edge-apps`,
      headers: { 'x-auth-token': token },
      payload: { edge_app_id: 'pipe-app' },
    });
    expect(app.statusCode).toBe(201);
  });
  afterAll(async () => s.close());

  const json = { 'content-type': 'application/json' };
  const auth = () => ({ 'x-auth-token': token });
  const rfsHeaders = () => ({ 'client-request-id': crypto.randomUUID() });
  const apps = `/v2/${PROJECT_ID}/edge-apps`;
  const pad = (n: number) => JSON.stringify({ pad: 'x'.repeat(n) });

  /** [name, method, path, headers, expected status] of requests refused before their body is read (or while it is). */
  const EARLY: [string, string, string, () => Record<string, string>, number][] = [
    ['IoTEdge without credentials', 'POST', apps, () => json, 401],
    ['IoTEdge with a text body', 'POST', apps, () => ({ ...auth(), 'content-type': 'text/plain' }), 415],
    ['IoTEdge over the body limit', 'POST', apps, () => ({ ...auth(), ...json }), 413],
    ['RFS without credentials', 'POST', '/v1/private-providers', () => ({ ...rfsHeaders(), ...json }), 401],
    [
      'RFS with a text body',
      'POST',
      '/v1/private-providers',
      () => ({ ...auth(), ...rfsHeaders(), 'content-type': 'text/plain' }),
      415,
    ],
    ['RFS over the body limit', 'POST', '/v1/private-providers', () => ({ ...auth(), ...rfsHeaders(), ...json }), 413],
    ['IAM with a text body', 'POST', '/v3/auth/tokens', () => ({ 'content-type': 'text/plain' }), 415],
    ['IAM over the body limit', 'POST', '/v3/auth/tokens', () => json, 413],
    ['admin import without credentials', 'POST', '/_versionary/import', () => json, 401],
    [
      'admin import with a text body',
      'POST',
      '/_versionary/import',
      () => ({ ...auth(), 'content-type': 'text/plain' }),
      415,
    ],
    ['admin import over the import limit', 'POST', '/_versionary/import', () => ({ ...auth(), ...json }), 413],
    ['an unknown route', 'POST', '/v9/nothing', () => json, 413],
  ];

  describe.each(EARLY)('%s', (_name, method, path, headers, status) => {
    it('with body bytes still unread: answers, says Connection: close and closes; the next request is not read as part of the body', async () => {
      const w = await Wire.connect(port);
      // One write: a large body, then another request the server must not take for body bytes.
      await w.write(Buffer.concat([request(method, path, headers(), pad(200_000)), request('GET', '/healthz')]));
      const first = await w.read();
      expect(first?.status).toBe(status);
      expect(first?.headers.connection).toBe('close');
      expect(JSON.parse(first!.body).error_code).toEqual(expect.any(String));
      expect(await w.waitClosed()).toBe(true);
      expect(w.pending()).toBe('');
      expect(w.error).toBeUndefined();
    });

    it('with the rest of the body sent after the answer: the client can send it all, then reads the answer; no reset', async () => {
      const w = await Wire.connect(port);
      const body = pad(1_000_000);
      const whole = request(method, path, headers(), body);
      const head = whole.length - Buffer.byteLength(body);
      // A client that writes its whole request before it reads the answer.
      w.socket.pause();
      await w.write(whole.subarray(0, head + 8000));
      await new Promise((r) => setTimeout(r, 200)); // the server has answered meanwhile
      for (let at = head + 8000; at < whole.length; at += 64 * 1024) {
        await w.write(whole.subarray(at, Math.min(at + 64 * 1024, whole.length)));
        await new Promise((r) => setTimeout(r, 5));
      }
      w.socket.end();
      w.socket.resume();
      const first = await w.read();
      expect(w.error).toBeUndefined();
      expect(first?.status).toBe(status);
      expect(first?.headers.connection).toBe('close');
      expect(await w.waitClosed()).toBe(true);
      expect(w.error).toBeUndefined();
    });
  });

  it.each([
    ['IoTEdge without credentials', 'POST', apps, json, 401],
    ['IoTEdge with a text body', 'POST', apps, { 'x-auth-token': 'placeholder', 'content-type': 'text/plain' }, 415],
    ['a body that is not JSON', 'POST', apps, { 'x-auth-token': 'placeholder', ...json }, 400],
  ] as const)(
    '%s and a small body that has all arrived: keeps the connection and answers the next request',
    async (_name, method, path, hdrs, status) => {
      const w = await Wire.connect(port);
      const headers: Record<string, string> = { ...hdrs };
      if (headers['x-auth-token']) headers['x-auth-token'] = token;
      await w.write(
        Buffer.concat([request(method, path, headers, '{"edge_app_id": oops'), request('GET', '/healthz')]),
      );
      const [first, second] = [await w.read(), await w.read()];
      expect(first?.status).toBe(status);
      expect(first?.headers.connection).toBe('keep-alive');
      expect(second?.status).toBe(200);
      expect(JSON.parse(second!.body)).toEqual({ status: 'ok' });
      w.destroy();
    },
  );

  describe('pipelining', () => {
    const create = (version: string) =>
      request(
        'POST',
        `${apps}/pipe-app/versions`,
        { ...auth(), ...json },
        JSON.stringify({ ...VALID_VERSION, version }),
      );
    const shown = async (version: string) =>
      (await s.app.inject({ method: 'GET', url: `${apps}/pipe-app/versions/${version}`, headers: auth() })).statusCode;

    it('answers a create, then the garbage after it (400, close), in that order, every time', async () => {
      for (let i = 0; i < 5; i++) {
        const w = await Wire.connect(port);
        await w.write(Buffer.concat([create(`5.0.${i}`), Buffer.from('GARBAGE\r\n\r\n')]));
        const all = await w.readAll();
        expect(all.map((r) => r.status)).toEqual([201, 400]);
        expect(JSON.parse(all[0]!.body).version).toBe(`5.0.${i}`);
        expect(all[0]!.headers.connection).toBe('keep-alive');
        expect(all[1]!.headers.connection).toBe('close');
        expect(JSON.parse(all[1]!.body)).toEqual({
          error_code: 'APIGW.0201',
          error_msg: 'Bad request. The request is not valid HTTP/1.1.',
        });
        expect(w.closed).toBe(true);
        expect(await shown(`5.0.${i}`)).toBe(200);
      }
    });

    it('answers every request before the one that cannot be parsed, in order', async () => {
      const w = await Wire.connect(port);
      await w.write(
        Buffer.concat([
          create('5.1.0'),
          request('GET', '/healthz'),
          create('5.1.1'),
          Buffer.from('GET / HTTP/1.1\r\nBad Header\r\n\r\n'),
        ]),
      );
      const all = await w.readAll();
      expect(all.map((r) => r.status)).toEqual([201, 200, 201, 400]);
      expect(
        all.map((r) => JSON.parse(r.body).version ?? JSON.parse(r.body).status ?? JSON.parse(r.body).error_code),
      ).toEqual(['5.1.0', 'ok', '5.1.1', 'APIGW.0201']);
      expect(w.closed).toBe(true);
    });

    it('answers the requests before a body whose chunked encoding breaks, then 400 and close', async () => {
      const w = await Wire.connect(port);
      const broken = request(
        'POST',
        `${apps}/pipe-app/versions`,
        { ...auth(), ...json, 'transfer-encoding': 'chunked' },
        '5\r\n{"ver\r\nZZZ\r\n',
      );
      await w.write(Buffer.concat([create('5.2.0'), broken]));
      const all = await w.readAll();
      expect(all.map((r) => r.status)).toEqual([201, 400]);
      expect(all[1]!.headers.connection).toBe('close');
      expect(w.closed).toBe(true);
      expect(await shown('5.2.0')).toBe(200);
    });

    it('answers a request whose headers are too large only after the ones before it (431)', async () => {
      const w = await Wire.connect(port);
      await w.write(
        Buffer.concat([
          create('5.3.0'),
          Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(130 * 1024)}\r\n\r\n`),
        ]),
      );
      const all = await w.readAll();
      expect(all.map((r) => r.status)).toEqual([201, 431]);
      expect(w.closed).toBe(true);
    });
  });
});
