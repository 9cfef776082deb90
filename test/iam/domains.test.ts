import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, DOMAIN_ID, PROJECT_ID, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('IAM across domains on %s', (kind) => {
  let s: TestServer;
  let acme: { id: string; name: string };
  let acmeProject: string;
  let acmeToken: string;
  let ownToken: string;
  beforeAll(async () => {
    s = await startServer(kind);
    acme = await s.opened.iam.createDomain({ name: 'acme' });
    acmeProject = (await s.opened.iam.createProject({ name: 'cn-north-7', domain: 'acme' })).id;
    await s.opened.iam.createUser({ name: 'alice', password: 'alice-password', admin: true, domain: 'acme' });
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user: 'alice', password: 'alice-password', domain: 'acme' }),
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().token.project).toEqual({
      id: acmeProject,
      name: 'cn-north-7',
      domain: { id: acme.id, name: 'acme' },
    });
    acmeToken = res.headers['x-subject-token'] as string;
    ownToken = await adminToken(s);
  });
  afterAll(async () => s.close());

  const validate = (caller: string, subject: string, method: 'GET' | 'HEAD' = 'GET') =>
    s.app.inject({ method, url: '/v3/auth/tokens', headers: { 'x-auth-token': caller, 'x-subject-token': subject } });

  it("answers another domain's token exactly as an unknown one, both ways, GET and HEAD", async () => {
    const unknown = await validate(ownToken, 'vtk-' + 'A'.repeat(43));
    expect(unknown.statusCode).toBe(404);
    for (const [caller, subject] of [
      [ownToken, acmeToken],
      [acmeToken, ownToken],
    ]) {
      const res = await validate(caller!, subject!);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(unknown.json());
      expect(res.headers['x-subject-token']).toBeUndefined();
      expect(res.body).not.toContain('acme');
      expect(res.body).not.toContain(DOMAIN_ID);
      const head = await validate(caller!, subject!, 'HEAD');
      expect(head.statusCode).toBe(404);
      expect(head.headers['x-subject-token']).toBeUndefined();
    }
    const own = await validate(acmeToken, acmeToken);
    expect(own.statusCode).toBe(200);
    expect(own.json().token.user.domain).toEqual({ id: acme.id, name: 'acme' });
    expect((await validate(acmeToken, acmeToken, 'HEAD')).statusCode).toBe(200);
  });

  it('shows a caller only the projects and domain of its own domain', async () => {
    const list = async (token: string, query = '') =>
      (await s.app.inject({ method: 'GET', url: `/v3/projects${query}`, headers: { 'x-auth-token': token } }))
        .json()
        .projects.map((p: { id: string }) => p.id);
    expect(await list(acmeToken)).toEqual([acmeProject]);
    expect(await list(acmeToken, '?name=cn-north-7')).toEqual([acmeProject]);
    expect(await list(ownToken, '?name=cn-north-7')).toEqual([PROJECT_ID]);
    const domains = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/domains',
      headers: { 'x-auth-token': acmeToken },
    });
    expect(domains.json().domains.map((d: { id: string }) => d.id)).toEqual([acme.id]);
  });

  it("refuses another domain's project the same way as a project that does not exist", async () => {
    const get = (project: string, headers: Record<string, string>) =>
      s.app.inject({ method: 'GET', url: `/v2/${project}/edge-apps`, headers });
    expect((await get(acmeProject, { 'x-auth-token': acmeToken })).statusCode).toBe(200);
    const other = await get(PROJECT_ID, { 'x-auth-token': acmeToken });
    const missing = await get('no-such-project', { 'x-auth-token': acmeToken });
    expect(other.statusCode).toBe(403);
    expect(missing.statusCode).toBe(403);
    expect(other.json().error_code).toBe(missing.json().error_code);
    const created = await s.app.inject({
      method: 'POST',
      url: '/v3/projects',
      headers: { 'x-auth-token': acmeToken },
      payload: { project: { name: 'cn-east-3', domain_id: DOMAIN_ID } },
    });
    expect(created.statusCode).toBe(403);
  });

  it('lets a domain-scoped caller of a new domain use RFS in its region project', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user: 'alice', password: 'alice-password', domain: 'acme', scopeDomain: 'acme' }),
    });
    expect(res.statusCode).toBe(201);
    const token = res.headers['x-subject-token'] as string;
    const list = await s.app.inject({
      method: 'GET',
      url: '/v1/private-providers',
      headers: { 'x-auth-token': token, 'client-request-id': crypto.randomUUID() },
    });
    expect(list.statusCode).toBe(200);
  });
});
