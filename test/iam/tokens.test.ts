import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import {
  ADMIN_PASSWORD,
  DOMAIN_ID,
  PROJECT_ID,
  adminToken,
  passwordBody,
  startServer,
  type TestServer,
} from '../helpers/server.js';

describe.each(BACKENDS)('IAM tokens on %s', (kind) => {
  let s: TestServer;
  /** How far the server's clock is ahead of the system's. */
  let ahead = 0;
  beforeAll(async () => {
    s = await startServer(kind, { clock: { now: () => Date.now() + ahead } });
  });
  afterAll(async () => s.close());

  const issue = (payload: unknown, url = '/v3/auth/tokens') =>
    s.app.inject({ method: 'POST', url, payload: payload as object });

  it('issues a project-scoped token: 201, X-Subject-Token, the token body', async () => {
    const res = await issue(passwordBody());
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-subject-token']).toMatch(/^vtk-[A-Za-z0-9_-]{43}$/);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const { token } = res.json();
    expect(token.methods).toEqual(['password']);
    expect(token.user).toMatchObject({
      name: 'admin',
      password_expires_at: '',
      domain: { id: DOMAIN_ID, name: 'default' },
    });
    expect(token.project).toEqual({ id: PROJECT_ID, name: 'cn-north-7', domain: { id: DOMAIN_ID, name: 'default' } });
    expect(token.domain).toBeUndefined();
    expect(token.issued_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const lifetime = Date.parse(token.expires_at) - Date.parse(token.issued_at);
    expect(lifetime).toBe(24 * 3600 * 1000);
    expect(token.catalog.map((c: { type: string }) => c.type)).toEqual(['iam', 'iotedge', 'rfs']);
    expect(token.catalog[1].endpoints[0]).toMatchObject({ region: 'cn-north-7', url: 'http://localhost:80' });
  });

  it('scopes by project id, by domain, and drops the catalog with nocatalog', async () => {
    const byId = await issue({ auth: { ...passwordBody().auth, scope: { project: { id: PROJECT_ID } } } });
    expect(byId.statusCode).toBe(201);
    expect(byId.json().token.project.id).toBe(PROJECT_ID);

    const domain = await issue(passwordBody({ scopeDomain: 'default' }), '/v3/auth/tokens?nocatalog=true');
    expect(domain.statusCode).toBe(201);
    expect(domain.json().token.domain).toEqual({ id: DOMAIN_ID, name: 'default' });
    expect(domain.json().token.project).toBeUndefined();
    expect(domain.json().token.catalog).toBeUndefined();
  });

  it.each([
    ['a wrong password', passwordBody({ password: 'not-the-password' })],
    ['an unknown user', passwordBody({ user: 'nobody' })],
    ['an unknown domain', passwordBody({ domain: 'elsewhere' })],
    ['a project of no domain of the user', passwordBody({ project: 'cn-south-1' })],
    ['another domain as scope', passwordBody({ scopeDomain: 'elsewhere' })],
  ])('answers 401 APIGW.0301 for %s, with no token', async (_what, body) => {
    const res = await issue(body);
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-subject-token']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.json()).toMatchObject({ error_code: 'APIGW.0301' });
    expect(res.body).not.toContain('not-the-password');
  });

  it.each([
    ['no JSON', '{"auth":', 'not valid JSON'],
    ['no identity', { auth: {} }, 'auth.identity'],
    [
      'the token method without a token',
      { auth: { identity: { methods: ['token'], password: { user: { name: 'admin', password: 'x' } } } } },
      'token (with auth.identity.token)',
    ],
    [
      'methods not a list',
      { auth: { identity: { methods: 'password', password: { user: { name: 'admin', password: 'x' } } } } },
      'auth.identity.methods',
    ],
  ])('answers 400 IAM.0001 for %s', async (_what, body, mention) => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe('IAM.0001');
    expect(res.json().error_msg).toContain(mention);
  });

  it('validates a token with GET /v3/auth/tokens', async () => {
    const caller = await adminToken(s);
    const subject = await adminToken(s);
    const ok = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': caller, 'x-subject-token': subject },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-subject-token']).toBe(subject);
    expect(ok.json().token.project.id).toBe(PROJECT_ID);

    const unknown = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': caller, 'x-subject-token': 'vtk-' + 'A'.repeat(43) },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error_code).toBe('IAM.0003');

    const missing = await s.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': caller } });
    expect(missing.statusCode).toBe(400);

    const noCaller = await s.app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-subject-token': subject },
    });
    expect(noCaller.statusCode).toBe(401);
  });

  it('stores tokens hashed, never in clear', async () => {
    const token = await adminToken(s);
    const rows = await s.opened.store.db.selectFrom('tokens').select('token_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
  });

  it('rejects an expired token with 401, and sweeps it', async () => {
    const token = await adminToken(s);
    const use = () => s.app.inject({ method: 'GET', url: '/v3/regions', headers: { 'x-auth-token': token } });
    expect((await use()).statusCode).toBe(200);
    const count = async () =>
      Number(
        (
          await s.opened.store.db
            .selectFrom('tokens')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    try {
      ahead = 24 * 3600 * 1000 - 60_000;
      expect((await use()).statusCode).toBe(200);
      expect(await s.opened.iam.sweepExpiredTokens()).toBe(0);
      ahead = 24 * 3600 * 1000 + 1000;
      const res = await use();
      expect(res.statusCode).toBe(401);
      expect(res.json().error_code).toBe('APIGW.0301');
      expect(await s.opened.iam.sweepExpiredTokens()).toBe(before);
      expect(await count()).toBe(0);
    } finally {
      ahead = 0;
    }
    expect((await use()).statusCode).toBe(401);
  });

  it("kills a user's tokens when the user is deleted", async () => {
    await s.opened.iam.createUser({ name: 'carol', password: 'carol-password' });
    const res = await issue(passwordBody({ user: 'carol', password: 'carol-password' }));
    expect(res.statusCode).toBe(201);
    const token = res.headers['x-subject-token'] as string;
    const use = () => s.app.inject({ method: 'GET', url: '/v3/auth/domains', headers: { 'x-auth-token': token } });
    expect((await use()).statusCode).toBe(200);
    await s.opened.iam.deleteUser('carol');
    expect((await use()).statusCode).toBe(401);
  });

  it('answers the SDK look-ups: projects by name, domains, regions', async () => {
    const token = await adminToken(s);
    const h = { 'x-auth-token': token };
    const projects = await s.app.inject({ method: 'GET', url: '/v3/projects?name=cn-north-7', headers: h });
    expect(projects.statusCode).toBe(200);
    expect(projects.json().projects).toEqual([
      expect.objectContaining({ id: PROJECT_ID, name: 'cn-north-7', domain_id: DOMAIN_ID }),
    ]);
    const none = await s.app.inject({ method: 'GET', url: '/v3/projects?name=cn-south-1', headers: h });
    expect(none.json().projects).toEqual([]);
    const domains = await s.app.inject({ method: 'GET', url: '/v3/auth/domains', headers: h });
    expect(domains.json().domains).toEqual([expect.objectContaining({ id: DOMAIN_ID, name: 'default' })]);
    const regions = await s.app.inject({ method: 'GET', url: '/v3/regions', headers: h });
    expect(regions.json().regions[0].id).toBe('cn-north-7');
  });

  it('keeps identities and tokens across a restart', async () => {
    const token = await adminToken(s);
    s = await s.restart();
    const res = await s.app.inject({ method: 'GET', url: '/v3/auth/domains', headers: { 'x-auth-token': token } });
    expect(res.statusCode).toBe(200);
    expect(s.opened.bootstrap).toBeNull();
    const again = await issue(passwordBody({ password: ADMIN_PASSWORD }));
    expect(again.statusCode).toBe(201);
  });
});

describe.each(BACKENDS)('the domain of a password login on %s', (kind) => {
  let s: TestServer;
  const ACME = 'acme0000000000000000000000000001';
  beforeAll(async () => {
    s = await startServer(kind);
    await s.opened.iam.createDomain({ name: 'acme', id: ACME });
  });
  afterAll(async () => s.close());

  // A user of its own for each case, in the default domain, and one of the same name in acme: the
  // refusals of one case never add up to a wait in another.
  let users = 0;
  const newUser = async () => {
    const name = `dave-${users++}`;
    await s.opened.iam.createUser({ name, password: 'dave-password', domain: 'acme' });
    return { id: (await s.opened.iam.createUser({ name, password: 'dave-password' })).id, name };
  };
  let address = 0;
  const login = (user: object, password = 'dave-password') =>
    s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      remoteAddress: `10.9.0.${address++}`,
      payload: { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } } } },
    });

  type Named = { id: string; name: string };
  it.each([
    ['by id, with the domain id', (u: Named) => ({ id: u.id, domain: { id: DOMAIN_ID } })],
    ['by id, with the domain name', (u: Named) => ({ id: u.id, domain: { name: 'default' } })],
    ['by id, with the domain id and name', (u: Named) => ({ id: u.id, domain: { id: DOMAIN_ID, name: 'default' } })],
    ['by id, with no domain', (u: Named) => ({ id: u.id })],
    [
      'by name, with the domain id and name',
      (u: Named) => ({ name: u.name, domain: { id: DOMAIN_ID, name: 'default' } }),
    ],
  ])('lets a user in named %s', async (_what, user) => {
    const u = await newUser();
    const res = await login(user(u));
    expect(res.statusCode).toBe(201);
    expect(res.json().token.user).toMatchObject({ id: u.id, domain: { id: DOMAIN_ID, name: 'default' } });
  });

  it.each([
    ['by id, with the name of another domain', (u: Named) => ({ id: u.id, domain: { name: 'acme' } })],
    ['by id, with the name of no domain', (u: Named) => ({ id: u.id, domain: { name: 'nowhere' } })],
    ['by id, with another domain id', (u: Named) => ({ id: u.id, domain: { id: ACME } })],
    [
      'by id, with its domain id and another domain name',
      (u: Named) => ({ id: u.id, domain: { id: DOMAIN_ID, name: 'acme' } }),
    ],
    [
      'by id, with another domain id and its domain name',
      (u: Named) => ({ id: u.id, domain: { id: ACME, name: 'default' } }),
    ],
    [
      'by name, with its domain id and another domain name',
      (u: Named) => ({ name: u.name, domain: { id: DOMAIN_ID, name: 'acme' } }),
    ],
    [
      'by name, with its domain id and the name of no domain',
      (u: Named) => ({ name: u.name, domain: { id: DOMAIN_ID, name: 'nowhere' } }),
    ],
    [
      'by name, with the id of another domain holding the name and its domain name',
      (u: Named) => ({ name: u.name, domain: { id: ACME, name: 'default' } }),
    ],
    [
      'by name, with no domain id and its domain name',
      (u: Named) => ({ name: u.name, domain: { id: 'no-such-domain', name: 'default' } }),
    ],
  ])('refuses a user named %s with the right password, as a wrong password', async (_what, user) => {
    const u = await newUser();
    const res = await login(user(u));
    const wrong = await login({ id: u.id }, 'not-the-password');
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-subject-token']).toBeUndefined();
    expect(res.json()).toEqual(wrong.json());
  });
});

describe('the authentication cache', () => {
  it("lets a deleted user's token pass for at most the cache time", async () => {
    const s = await startServer('sqlite', { flags: { authCacheMs: '300' } });
    await s.opened.iam.createUser({ name: 'erin', password: 'erin-password' });
    const token = (
      await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({ user: 'erin', password: 'erin-password' }),
      })
    ).headers['x-subject-token'] as string;
    const use = () => s.app.inject({ method: 'GET', url: '/v3/regions', headers: { 'x-auth-token': token } });
    expect((await use()).statusCode).toBe(200);
    await s.opened.iam.deleteUser('erin');
    const deletedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - deletedAt < 2000) {
      status = (await use()).statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - deletedAt).toBeLessThan(1000);
    await s.close();
  });
});

describe.each(BACKENDS)('the token method on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => s.close());

  const issue = (payload: unknown) =>
    s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: payload as object });

  it("trades a live token for one of another project of the user's domain, expiring with it", async () => {
    await s.opened.iam.createProject({ name: 'cn-south-1' });
    const other = (await s.opened.iam.listProjects(DOMAIN_ID, 'cn-south-1'))[0]!;
    const first = await issue(passwordBody());
    const id = first.headers['x-subject-token'] as string;
    const body = (scope: unknown, tokenId = id) => ({
      auth: { identity: { methods: ['token'], token: { id: tokenId } }, scope },
    });
    const res = await issue(body({ project: { id: other.id } }));
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-subject-token']).not.toBe(id);
    expect(res.json().token.project).toEqual({
      id: other.id,
      name: 'cn-south-1',
      domain: { id: DOMAIN_ID, name: 'default' },
    });
    expect(res.json().token.user.name).toBe('admin');
    expect(res.json().token.expires_at).toBe(first.json().token.expires_at);
    const apps = await s.app.inject({
      url: `/v2/${other.id}/edge-apps`,
      headers: { 'x-auth-token': res.headers['x-subject-token'] as string },
    });
    expect(apps.statusCode).toBe(200);

    // Another domain's project, an unknown token, and a token method without a token are refused.
    await s.opened.iam.createDomain({ name: 'elsewhere' });
    await s.opened.iam.createProject({ name: 'cn-east-3', domain: 'elsewhere' });
    const foreign = await issue(body({ project: { name: 'cn-east-3' } }));
    expect(foreign.statusCode).toBe(401);
    const unknown = await issue(body({ project: { id: other.id } }, 'vtk-' + 'A'.repeat(43)));
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error_code).toBe('APIGW.0301');
    expect(unknown.headers['x-subject-token']).toBeUndefined();
    const bare = await issue({ auth: { identity: { methods: ['token'] } } });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error_msg).toContain('auth.identity.methods');
  });
});
