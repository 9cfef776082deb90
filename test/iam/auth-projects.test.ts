import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import {
  ACCESS_KEY,
  DOMAIN_ID,
  PROJECT_ID,
  SECRET_KEY,
  adminToken,
  passwordBody,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { request, sdkClient, sdkSend } from '../helpers/sdk.js';

describe.each(BACKENDS)('GET /v3/auth/projects (KeystoneListAuthProjects) on %s', (kind) => {
  let s: TestServer;
  let url: string;
  let east: { id: string };
  beforeAll(async () => {
    s = await startServer(kind);
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    east = await s.opened.iam.createProject({ name: 'cn-east-3' });
    await s.opened.iam.createDomain({ name: 'other-corp' });
    await s.opened.iam.createProject({ name: 'cn-north-7', domain: 'other-corp' });
    await s.opened.iam.createUser({ name: 'olga', password: 'olga-password', domain: 'other-corp' });
  });
  afterAll(async () => s.close());

  const view = (id: string, name: string, base: string) => ({
    id,
    name,
    domain_id: DOMAIN_ID,
    parent_id: DOMAIN_ID,
    enabled: true,
    is_domain: false,
    description: '',
    links: { self: `${base}/v3/projects/${id}` },
  });

  it('as the IAM SDK calls it (GlobalCredentials, signed GET): every project of the domain, in Keystone shape', async () => {
    const client = sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, domainId: DOMAIN_ID });
    const res = await sdkSend(client, request('GET', '/v3/auth/projects', { data: {} }));
    expect(res.httpStatusCode).toBe(200);
    const { httpStatusCode: _status, ...body } = res;
    expect(body).toEqual({
      projects: [view(east.id, 'cn-east-3', url), view(PROJECT_ID, 'cn-north-7', url)],
      links: { self: `${url}/v3/auth/projects` },
    });
  });

  it('the same list for BasicCredentials, a project-scoped token and a domain-scoped token', async () => {
    const basic = await sdkSend(
      sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }),
      request('GET', '/v3/auth/projects'),
    );
    const ids = (body: { projects: { id: string }[] }) => body.projects.map((p) => p.id);
    expect(ids(basic as never)).toEqual([east.id, PROJECT_ID]);

    const projectToken = await adminToken(s);
    const scoped = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/projects',
      headers: { 'x-auth-token': projectToken },
    });
    expect(scoped.statusCode).toBe(200);
    expect(ids(scoped.json())).toEqual([east.id, PROJECT_ID]);

    const issued = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ scopeDomain: 'default' }),
    });
    const domainToken = issued.headers['x-subject-token'] as string;
    const whole = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/projects',
      headers: { 'x-auth-token': domainToken },
    });
    expect(whole.statusCode).toBe(200);
    expect(ids(whole.json())).toEqual([east.id, PROJECT_ID]);
    expect(whole.json().links).toEqual({ self: 'http://localhost:80/v3/auth/projects' });
  });

  it("another domain's user sees its own projects only", async () => {
    const login = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user: 'olga', password: 'olga-password', domain: 'other-corp' }),
    });
    expect(login.statusCode, login.body).toBe(201);
    const res = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/projects',
      headers: { 'x-auth-token': login.headers['x-subject-token'] as string },
    });
    expect(res.statusCode).toBe(200);
    const projects = res.json().projects as { id: string; name: string; domain_id: string }[];
    expect(projects).toHaveLength(1);
    expect(projects[0]).toMatchObject({ name: 'cn-north-7' });
    expect(projects[0]!.domain_id).not.toBe(DOMAIN_ID);
    expect(projects.map((p) => p.id)).not.toContain(PROJECT_ID);
  });

  it('without a credential 401, with a foreign project in X-Project-Id 403, both in the gateway envelope', async () => {
    const none = await s.app.inject({ method: 'GET', url: '/v3/auth/projects' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error_code).toBe('APIGW.0301');
    const foreign = await sdkSend(
      sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: 'ffffffffffffffffffffffffffffffff' }),
      request('GET', '/v3/auth/projects'),
    );
    expect(foreign.httpStatusCode).toBe(403);
    expect(foreign.errorCode).toBe('APIGW.0302');
  });
});
