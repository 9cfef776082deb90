import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import {
  ACCESS_KEY,
  DOMAIN_ID,
  PROJECT_ID,
  adminToken,
  passwordBody,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { IamRepo } from '../../src/iam/repo.js';
import { TRADES_PER_USER, TRADE_REFILL_MS } from '../../src/iam/tokens.js';

/** Keystone's token method under attack: what a token may be traded for, and for how long. */
describe.each(BACKENDS)('the token method, attacked, on %s', (kind) => {
  let s: TestServer;
  /** How far the server's clock is ahead of the system's. */
  let ahead = 0;
  let south: string;
  let foreignProject: string;
  let foreignToken: string;

  beforeAll(async () => {
    s = await startServer(kind, { clock: { now: () => Date.now() + ahead } });
    await s.opened.iam.createProject({ name: 'cn-south-1' });
    south = (await s.opened.iam.listProjects(DOMAIN_ID, 'cn-south-1'))[0]!.id;
    await s.opened.iam.createDomain({ name: 'elsewhere' });
    await s.opened.iam.createProject({ name: 'cn-north-7', domain: 'elsewhere' });
    await s.opened.iam.createProject({ name: 'cn-east-3', domain: 'elsewhere' });
    await s.opened.iam.createUser({ name: 'mallory', password: 'mallory-password-1', domain: 'elsewhere' });
    const d = await s.opened.iam.resolveDomain('elsewhere');
    foreignProject = (await s.opened.iam.listProjects(d.id, 'cn-east-3'))[0]!.id;
    const res = await issue(passwordBody({ user: 'mallory', password: 'mallory-password-1', domain: 'elsewhere' }));
    expect(res.statusCode).toBe(201);
    foreignToken = res.headers['x-subject-token'] as string;
  });
  afterAll(async () => s.close());

  const issue = (payload: unknown, headers: Record<string, string> = {}) =>
    s.app.inject({ method: 'POST', url: '/v3/auth/tokens?nocatalog=1', payload: payload as object, headers });
  const trade = (id: string, scope?: unknown) =>
    issue({ auth: { identity: { methods: ['token'], token: { id } }, ...(scope ? { scope } : {}) } });
  const countTokens = async () =>
    Number(
      (
        await s.opened.store.db
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("refuses another domain's project by id or by name, and a project named with another domain", async () => {
    const mine = await adminToken(s);
    const before = await countTokens();
    for (const scope of [
      { project: { id: foreignProject } },
      { project: { name: 'cn-east-3' } },
      { project: { name: 'cn-north-7', domain: { name: 'elsewhere' } } },
      { project: { id: PROJECT_ID, domain: { id: 'another-domain-id' } } },
      { domain: { name: 'elsewhere' } },
      { domain: { id: DOMAIN_ID, name: 'elsewhere' } },
    ]) {
      const res = await trade(mine, scope);
      expect(res.statusCode, JSON.stringify(scope)).toBe(401);
      expect(res.json().error_code).toBe('APIGW.0301');
      expect(res.headers['x-subject-token']).toBeUndefined();
    }
    // The other domain's user cannot reach this domain's projects either.
    for (const scope of [{ project: { id: PROJECT_ID } }, { project: { id: south } }]) {
      expect((await trade(foreignToken, scope)).statusCode).toBe(401);
    }
    expect(await countTokens()).toBe(before);
    // Its own domain named with the project is fine.
    const ok = await trade(mine, { project: { name: 'cn-south-1', domain: { id: DOMAIN_ID, name: 'default' } } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().token.project.id).toBe(south);
  });

  it('answers 400 naming the scope for a project and a domain at once, or either named by nothing', async () => {
    const mine = await adminToken(s);
    for (const [scope, mention] of [
      [{ project: { id: south }, domain: { name: 'default' } }, 'auth.scope'],
      [{ project: {} }, 'auth.scope.project'],
      [{ project: { domain: { name: 'default' } } }, 'auth.scope.project'],
      [{ domain: {} }, 'auth.scope.domain'],
    ] as const) {
      const res = await trade(mine, scope);
      expect(res.statusCode, JSON.stringify(scope)).toBe(400);
      expect(res.json().error_code).toBe('IAM.0001');
      expect(res.json().error_msg).toContain(mention);
    }
    const password = await issue({
      auth: { ...passwordBody().auth, scope: { project: { name: 'cn-north-7' }, domain: { name: 'default' } } },
    });
    expect(password.statusCode).toBe(400);
    expect(password.json().error_msg).toContain('auth.scope');
  });

  it('never extends a lifetime: chained trades all expire with the first token, then are refused', async () => {
    const first = await issue(passwordBody());
    const expires = first.json().token.expires_at;
    let id = first.headers['x-subject-token'] as string;
    for (const scope of [{ project: { id: south } }, { domain: { id: DOMAIN_ID } }, { project: { id: PROJECT_ID } }]) {
      ahead += 3600_000;
      const res = await trade(id, scope);
      expect(res.statusCode).toBe(201);
      expect(res.json().token.expires_at).toBe(expires);
      id = res.headers['x-subject-token'] as string;
    }
    try {
      ahead = Date.parse(expires) - Date.now() + 1000;
      const late = await trade(id, { project: { id: south } });
      expect(late.statusCode).toBe(401);
      expect(late.json().error_code).toBe('APIGW.0301');
      const use = await s.app.inject({ url: '/v3/auth/projects', headers: { 'x-auth-token': id } });
      expect(use.statusCode).toBe(401);
    } finally {
      ahead = 0;
    }
  });

  it("refuses a deleted user's token, and a token whose project was deleted", async () => {
    await s.opened.iam.createUser({ name: 'leaving', password: 'leaving-password-1' });
    const res = await issue(passwordBody({ user: 'leaving', password: 'leaving-password-1' }));
    const leaving = res.headers['x-subject-token'] as string;
    await s.opened.iam.deleteUser('leaving');
    const gone = await trade(leaving, { project: { id: south } });
    expect(gone.statusCode).toBe(401);
    expect(gone.json().error_code).toBe('APIGW.0301');

    await s.opened.iam.createProject({ name: 'cn-west-9' });
    const west = (await s.opened.iam.listProjects(DOMAIN_ID, 'cn-west-9'))[0]!.id;
    const inWest = await trade(await adminToken(s), { project: { id: west } });
    expect(inWest.statusCode).toBe(201);
    await s.opened.iam.deleteProject('cn-west-9');
    expect((await trade(inWest.headers['x-subject-token'] as string, { project: { id: south } })).statusCode).toBe(401);
    expect((await trade(await adminToken(s), { project: { id: west } })).statusCode).toBe(401);
  });

  it('answers 401, not 500, when the project goes while its token is being issued', async () => {
    await s.opened.iam.createProject({ name: 'cn-racing-1' });
    const racing = (await s.opened.iam.listProjects(DOMAIN_ID, 'cn-racing-1'))[0]!;
    const mine = await adminToken(s);
    const real = IamRepo.prototype.projectById;
    const spy = vi.spyOn(IamRepo.prototype, 'projectById').mockImplementation(async function (this: IamRepo, id) {
      const found = await real.call(this, id);
      if (id === racing.id) await s.opened.iam.deleteProject('cn-racing-1');
      return found;
    });
    try {
      const res = await trade(mine, { project: { id: racing.id } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error_code).toBe('APIGW.0301');
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses what is not a live token: an access key, a tampered token, a huge or malformed body', async () => {
    const mine = await adminToken(s);
    for (const id of [ACCESS_KEY, mine.slice(0, -1) + (mine.endsWith('A') ? 'B' : 'A'), `${mine} `, 'vtk-']) {
      const res = await trade(id, { project: { id: south } });
      expect(res.statusCode, id).toBe(401);
      expect(res.json().error_code).toBe('APIGW.0301');
    }
    const long = await trade('vtk-' + 'A'.repeat(300));
    expect(long.statusCode).toBe(400);
    expect(long.json().error_msg).toContain('auth.identity.token.id');
    const wrongType = await issue({ auth: { identity: { methods: ['token'], token: { id: 42 } } } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error_msg).toContain('auth.identity.token.id');
    const huge = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        auth: { identity: { methods: ['token'], token: { id: mine } } },
        pad: 'x'.repeat(3e6),
      }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error_code).toBeDefined();
    const broken = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: `{"auth":{"identity":{"methods":["token"],"token":{"id":"${mine}"}`,
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error_code).toBe('IAM.0001');
    // A signature on the call is neither required nor a credential: the body's token decides.
    const signed = await issue(
      { auth: { identity: { methods: ['token'], token: { id: mine } }, scope: { project: { id: south } } } },
      { authorization: `SDK-HMAC-SHA256 Access=${ACCESS_KEY}, SignedHeaders=host, Signature=00`, 'x-sdk-date': '1' },
    );
    expect(signed.statusCode).toBe(201);
  });

  it('slows down a token traded again and again, not password logins; the user trades again later', async () => {
    await s.opened.iam.createUser({ name: 'busy', password: 'busy-password-1' });
    const login = () => issue(passwordBody({ user: 'busy', password: 'busy-password-1' }));
    const id = (await login()).headers['x-subject-token'] as string;
    const before = await countTokens();
    const answers = await Promise.all(
      Array.from({ length: TRADES_PER_USER + 20 }, () => trade(id, { project: { id: south } })),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((c) => c === 201)).toHaveLength(TRADES_PER_USER);
    const refused = answers.filter((r) => r.statusCode === 429);
    expect(refused).toHaveLength(20);
    expect(refused[0]!.json().error_code).toBe('APIGW.0308');
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers['x-subject-token']).toBeUndefined();
    expect(await countTokens()).toBe(before + TRADES_PER_USER);
    // Another user is not slowed down, nor is the password login of the same user.
    expect((await trade(await adminToken(s), { project: { id: south } })).statusCode).toBe(201);
    expect((await login()).statusCode).toBe(201);
    try {
      ahead += TRADE_REFILL_MS;
      expect((await trade(id, { project: { id: south } })).statusCode).toBe(201);
      expect((await trade(id, { project: { id: south } })).statusCode).toBe(429);
    } finally {
      ahead = 0;
    }
  });

  it('does not count unknown tokens as wrong passwords: the address can still sign in', async () => {
    for (let i = 0; i < 40; i++) expect((await trade('vtk-' + 'B'.repeat(43))).statusCode).toBe(401);
    expect((await issue(passwordBody())).statusCode).toBe(201);
  });

  it('gives a traded token no more than the lifetime tokens have now, after a restart shortened it', async () => {
    const long = await issue(passwordBody());
    expect(Date.parse(long.json().token.expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await s.app.close();
    await s.opened.store.close();
    s = await startServer(kind, {
      backend: s.backend,
      flags: { tokenTtlSeconds: '600' },
      clock: { now: () => Date.now() + ahead },
    });
    const res = await trade(long.headers['x-subject-token'] as string, { project: { id: south } });
    expect(res.statusCode).toBe(201);
    const lifetime = Date.parse(res.json().token.expires_at) - Date.parse(res.json().token.issued_at);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    expect(lifetime).toBeGreaterThan(590_000);
  });
});
