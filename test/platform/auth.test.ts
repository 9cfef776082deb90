import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import {
  ACCESS_KEY,
  DOMAIN_ID,
  PROJECT_ID,
  SECRET_KEY,
  adminToken,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { request, sdkClient, sdkSend, signedWire, type WireRequest } from '../helpers/sdk.js';

describe.each(BACKENDS)('authentication on %s', (kind) => {
  let s: TestServer;
  let url: string;
  beforeAll(async () => {
    s = await startServer(kind);
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => s.close());

  const send = (w: WireRequest) =>
    s.app.inject({ method: w.method as 'GET', url: w.url, headers: w.headers, payload: w.payload });

  it('answers 401 with the envelope and X-Request-Id when no credential is given', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v3/regions' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: expect.stringContaining('Incorrect IAM authentication information.'),
    });
  });

  it.each(['garbage', 'vtk-' + 'x'.repeat(43), ''])('answers 401 for the token %j', async (token) => {
    const res = await s.app.inject({ method: 'GET', url: '/v3/regions', headers: { 'x-auth-token': token } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error_code).toBe('APIGW.0301');
  });

  it('accepts requests signed by the official SDK (BasicCredentials)', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
    const res = await sdkSend(client, request('GET', '/v3/projects', { queryParams: { name: 'cn-north-7' } }));
    expect(res.httpStatusCode).toBe(200);
    expect(res.projects[0].id).toBe(PROJECT_ID);
  });

  it('accepts requests signed by the official SDK (GlobalCredentials)', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, domainId: DOMAIN_ID });
    const res = await sdkSend(client, request('GET', '/v3/auth/domains'));
    expect(res.httpStatusCode).toBe(200);
    expect(res.domains[0].id).toBe(DOMAIN_ID);
  });

  it('turns a 401 into the SDK exception with code, message and request id', async () => {
    const client = sdkClient(url, {
      ak: ACCESS_KEY,
      sk: 'wrong-secret-key-0000000000000000000000',
      projectId: PROJECT_ID,
    });
    const err = await sdkSend(client, request('GET', '/v3/regions'));
    expect(err.httpStatusCode).toBe(401);
    expect(err.errorCode).toBe('APIGW.0301');
    expect(err.errorMsg).toContain('signature');
    expect(err.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts a signed GET with Content-Type: application/json and no body', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
    const w = await signedWire(client, request('GET', '/v3/regions'));
    expect(w.headers['content-type']).toBe('application/json');
    const res = await send(w);
    expect(res.statusCode).toBe(200);
  });

  describe('a signed request altered after signing is refused', () => {
    const tampers: Record<string, (w: WireRequest) => void> = {
      path: (w) => (w.url = w.url.replace('/v3/projects', '/v3/auth/domains')),
      query: (w) => (w.url = w.url.replace('name=cn-north-7', 'name=cn-north-8')),
      'signed header': (w) => (w.headers['x-project-id'] = DOMAIN_ID),
      host: (w) => (w.headers.host = 'elsewhere:1'),
      date: (w) =>
        (w.headers['x-sdk-date'] = w.headers['x-sdk-date']!.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10))),
      signature: (w) =>
        (w.headers.authorization = w.headers.authorization!.replace(
          /Signature=(.)/,
          (_m, c) => `Signature=${c === 'a' ? 'b' : 'a'}`,
        )),
      'access key': (w) =>
        (w.headers.authorization = w.headers.authorization!.replace(ACCESS_KEY, 'UNKNOWNACCESSKEY0001')),
    };
    for (const [what, tamper] of Object.entries(tampers)) {
      it(what, async () => {
        const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
        const w = await signedWire(client, request('GET', '/v3/projects', { queryParams: { name: 'cn-north-7' } }));
        expect((await send({ ...w, headers: { ...w.headers } })).statusCode).toBe(200);
        tamper(w);
        const res = await send(w);
        expect(res.statusCode).toBe(401);
        expect(res.json().error_code).toBe('APIGW.0301');
      });
    }

    it('body', async () => {
      const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
      const w = await signedWire(client, request('POST', '/v3/projects', { data: { project: { name: 'cn-east-3' } } }));
      const res = await send({ ...w, payload: JSON.stringify({ project: { name: 'cn-east-4' } }) });
      expect(res.statusCode).toBe(401);
      const names = (await s.opened.iam.listProjects(DOMAIN_ID)).map((p) => p.name);
      expect(names).not.toContain('cn-east-4');
      expect((await send(w)).statusCode).toBe(201);
    });
  });

  it('refuses an X-Sdk-Date more than 15 minutes off the clock', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
    const old = new Date(Date.now() - 16 * 60_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const w = await signedWire(client, request('GET', '/v3/regions', { headers: { 'X-Sdk-Date': old } }));
    expect(w.headers['x-sdk-date']).toBe(old);
    const res = await send(w);
    expect(res.statusCode).toBe(401);
    expect(res.json().error_msg).toContain('X-Sdk-Date');

    const recent = new Date(Date.now() - 10 * 60_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    expect(
      (await send(await signedWire(client, request('GET', '/v3/regions', { headers: { 'X-Sdk-Date': recent } }))))
        .statusCode,
    ).toBe(200);
  });

  it('answers 403 APIGW.0302 for a project the credential does not cover', async () => {
    const other = await s.opened.iam.createProject({ name: 'cn-south-1' });
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: 'ffffffffffffffffffffffffffffffff' });
    const res = await sdkSend(client, request('GET', '/v3/regions'));
    expect(res.httpStatusCode).toBe(403);
    expect(res.errorCode).toBe('APIGW.0302');

    // A project-scoped token is good for its own project only.
    const token = await adminToken(s);
    const cross = await s.app.inject({
      method: 'GET',
      url: '/v3/regions',
      headers: { 'x-auth-token': token, 'x-project-id': other.id },
    });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().error_code).toBe('APIGW.0302');
    const own = await s.app.inject({
      method: 'GET',
      url: '/v3/regions',
      headers: { 'x-auth-token': token, 'x-project-id': PROJECT_ID },
    });
    expect(own.statusCode).toBe(200);

    // AK/SK keys belong to the user, so any project of the user's domain is fine.
    const inDomain = await sdkSend(
      sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: other.id }),
      request('GET', '/v3/regions'),
    );
    expect(inDomain.httpStatusCode).toBe(200);

    const wrongDomain = await sdkSend(
      sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, domainId: 'f'.repeat(32) }),
      request('GET', '/v3/regions'),
    );
    expect(wrongDomain.httpStatusCode).toBe(403);
  });

  it('refuses temporary credentials it did not issue', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID });
    const w = await signedWire(
      client,
      request('GET', '/v3/regions', { headers: { 'X-Security-Token': 'some-token' } }),
    );
    expect((await send(w)).statusCode).toBe(401);
  });
});
