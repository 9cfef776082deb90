import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemVer } from 'semver';
import { BACKENDS } from '../helpers/backends.js';
import { DOMAIN_ID, adminToken, passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';

/** The semver package's order, newest first, equal versions by text, what it cannot read last by text. */
function reference(versions: string[]): string[] {
  const parse = (v: string) => {
    try {
      return new SemVer(v);
    } catch {
      return null;
    }
  };
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...versions].sort((a, b) => {
    const [va, vb] = [parse(a), parse(b)];
    if (va && vb) return vb.compare(va) || byText(a, b);
    if (va || vb) return va ? -1 : 1;
    return byText(b, a);
  });
}

/** Versions a tenant can store, and some only a hand in the database can. */
function someVersions(n: number, seed: number): string[] {
  let x = seed;
  const rnd = (k: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % k;
  };
  const ids = ['alpha', 'beta', 'rc', '0', '1', '2', '10', '11', 'a-b', '9007199254740993', 'x1', '1x', '-'];
  const out = new Set<string>([
    '1.0.0',
    '1.0.0+build.1',
    '1.0.0-0',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta.11',
    '1.0.0-beta.2',
    '1.0.0-rc.1',
    '1.0.0-00a',
    '1.0.0-9007199254740993',
    '1.0.0-9007199254740992',
    '9007199254740991.0.0',
  ]);
  while (out.size < n) {
    const pre = Array.from({ length: rnd(3) }, () => ids[rnd(ids.length)]).join('.');
    const build = rnd(4) === 0 ? `+b.${rnd(5)}` : '';
    out.add(`${rnd(3)}.${rnd(12)}.${rnd(12)}${pre ? `-${pre}` : ''}${build}`);
  }
  return [...out];
}
/** Stored straight into the database: the API refuses each of them. */
const UNREADABLE = ['not-a-version', 'v1.2.3', '=1.2.3', '1.2', '01.2.3', '1.0.0-01', '99999999999999999999.0.0'];

describe.each(BACKENDS)('the console reads, attacked, on %s', (kind) => {
  let s: TestServer;
  let token: string;
  const get = (url: string, t = token) => s.app.inject({ url, headers: { 'x-auth-token': t } });
  const providerId = async (name: string) =>
    (
      await s.opened.store.db
        .selectFrom('rfs_providers')
        .select('provider_id')
        .where('provider_name', '=', name)
        .executeTakeFirstOrThrow()
    ).provider_id;
  const store = async (name: string, versions: string[]) => {
    const id = await providerId(name);
    const rows = versions.map((v, i) => ({
      provider_id: id,
      provider_version: v,
      version_description: `<b>${v}</b>`,
      function_graph_urn: URN,
      create_time: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
      doc: '{}',
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await s.opened.store.db
        .insertInto('rfs_provider_versions')
        .values(rows.slice(i, i + 500))
        .execute();
    }
  };
  const all = async (name: string) => {
    const out: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const res = await get(`/_versionary/private-providers/${name}/versions?limit=1000&offset=${offset}`);
      expect(res.statusCode).toBe(200);
      const page = res.json().versions.map((v: { provider_version: string }) => v.provider_version);
      out.push(...page);
      if (page.length < 1000) return out;
    }
  };

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('orders versions exactly as the semver package does, with the unreadable ones last', async () => {
    expect((await rfs(s, token).createProvider({ provider_name: 'ordered' })).statusCode).toBe(201);
    const versions = [...someVersions(600, 7), ...UNREADABLE];
    await store('ordered', versions);
    expect(await all('ordered')).toEqual(reference(versions));
  });

  it('answers a page of 20,000 versions well under a second, and an offset past them empty', async () => {
    expect((await rfs(s, token).createProvider({ provider_name: 'crowded' })).statusCode).toBe(201);
    const versions = Array.from(
      { length: 20_000 },
      (_, i) => `${i % 7}.${Math.floor(i / 7) % 97}.${i}${i % 3 === 0 ? `-rc.${i % 11}` : ''}`,
    );
    await store('crowded', versions);
    const url = '/_versionary/private-providers/crowded/versions';
    await get(url); // the first call compiles what it runs
    const started = performance.now();
    const res = await get(`${url}?limit=1000&offset=5000`);
    const ms = performance.now() - started;
    expect(res.statusCode).toBe(200);
    expect(res.json().count).toBe(20_000);
    expect(res.json().versions).toHaveLength(1000);
    expect(ms).toBeLessThan(500);
    const last = await get(`${url}?offset=19999&limit=1000`);
    expect(last.json().versions.map((v: { provider_version: string }) => v.provider_version)).toEqual(
      reference(versions).slice(19_999),
    );
    const past = await get(`${url}?offset=1000000&limit=1000`);
    expect(past.statusCode).toBe(200);
    expect(past.json()).toEqual({ count: 20_000, versions: [] });
  });

  it('stays consistent while versions come and go: every answer 200, in order, no 5xx', async () => {
    expect((await rfs(s, token).createProvider({ provider_name: 'churning' })).statusCode).toBe(201);
    await store('churning', someVersions(300, 11));
    const r = rfs(s, token);
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? r.createVersion('churning', { provider_version: `7.7.${i}`, function_graph_urn: URN })
        : r.deleteVersion('churning', `7.7.${i - 1}`),
    );
    const reads = Array.from({ length: 30 }, () => get('/_versionary/private-providers/churning/versions?limit=1000'));
    for (const res of await Promise.all([...writes, ...reads])) expect(res.statusCode).toBeLessThan(500);
    for (const res of await Promise.all(reads)) {
      expect(res.statusCode).toBe(200);
      const got = res.json().versions.map((v: { provider_version: string }) => v.provider_version);
      expect(got).toEqual(reference(got));
      expect(got.length).toBeLessThanOrEqual(res.json().count);
    }
  });

  it('answers odd provider names and app ids alike on every store: 400 naming the field', async () => {
    expect((await rfs(s, token).createProvider({ provider_name: 'named-one' })).statusCode).toBe(201);
    const unknown = await get('/_versionary/private-providers/nothing-here/versions');
    expect(unknown.statusCode).toBe(404);
    expect((await get('/_versionary/private-providers/named%2Done/versions')).statusCode).toBe(200);
    for (const name of [
      '%2F..%2Fnamed-one',
      '..%2F..',
      '%C3%A9t%C3%A9',
      'named-one%00',
      '%27%20OR%201%3D1--',
      '*',
      'Named-One',
      '-named',
      'a'.repeat(65),
    ]) {
      const res = await get(`/_versionary/private-providers/${name}/versions`);
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error_code, name).toBe('IAM.0001');
      expect(res.json().error_msg, name).toContain('provider_name');
    }
    for (const [q, field] of [
      ['edge_app_id=a%00b&version=1.0.0', 'edge_app_id'],
      ['edge_app_id=a%2Fb&version=1.0.0', 'edge_app_id'],
      ['edge_app_id=ab&version=1.0.0%00', 'version[0]'],
      ['edge_app_id=ab&version=1.0.0&version=%3Cscript%3E', 'version[1]'],
    ]) {
      const res = await get(`/_versionary/accelerators?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error_msg, q).toContain(field);
    }
    const malformed = await get('/_versionary/private-providers/%E0%A4%A/versions');
    expect(malformed.statusCode).toBe(400);
  });

  it("shows a user only the token project's apps and versions, and nothing of another domain", async () => {
    // An app with versions in the bootstrap project.
    const iot = iotedge(s, token);
    expect((await iot.createApp({ edge_app_id: 'secret-app' })).statusCode).toBe(201);
    expect((await iot.createVersion('secret-app', { ...VALID_VERSION, version: '1.0.0' })).statusCode).toBe(201);
    // A user of the same domain with a token of another project.
    await s.opened.iam.createProject({ name: 'cn-south-1' });
    await s.opened.iam.createUser({ name: 'plain', password: 'plain-password-1' });
    const plain = (
      await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({ user: 'plain', password: 'plain-password-1', project: 'cn-south-1' }),
      })
    ).headers['x-subject-token'] as string;
    const counts = await get('/_versionary/overview', plain);
    expect(counts.statusCode).toBe(200);
    expect(counts.json()).toMatchObject({ edge_apps: 0, versions: { DRAFT: 0, PUBLISHED: 0, OFF_SHELF: 0 } });
    const acc = await get('/_versionary/accelerators?edge_app_id=secret-app&version=1.0.0', plain);
    expect(acc.json()).toEqual({});
    expect((await get('/_versionary/accelerators?edge_app_id=secret-app&version=1.0.0')).json()).toEqual({
      '1.0.0': expect.any(String),
    });
    // Another domain's user: the providers of this domain answer as missing ones do, and no counts leak.
    await s.opened.iam.createDomain({ name: 'elsewhere' });
    await s.opened.iam.createProject({ name: 'cn-north-7', domain: 'elsewhere' });
    await s.opened.iam.createUser({ name: 'eve', password: 'eve-password-1', admin: true, domain: 'elsewhere' });
    const eve = (
      await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({ user: 'eve', password: 'eve-password-1', domain: 'elsewhere' }),
      })
    ).headers['x-subject-token'] as string;
    const theirs = await get('/_versionary/private-providers/named-one/versions', eve);
    const missing = await get('/_versionary/private-providers/no-such-provider/versions', eve);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error_code).toBe(missing.json().error_code);
    expect(theirs.json().error_msg.replace('named-one', 'X')).toBe(
      missing.json().error_msg.replace('no-such-provider', 'X'),
    );
    expect((await get('/_versionary/overview', eve)).json()).toEqual({
      edge_apps: 0,
      versions: { DRAFT: 0, PUBLISHED: 0, OFF_SHELF: 0 },
      providers: 0,
      provider_versions: 0,
    });
    // The token method gives eve none of this domain's projects.
    const traded = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: { auth: { identity: { methods: ['token'], token: { id: eve } }, scope: { domain: { id: DOMAIN_ID } } } },
    });
    expect(traded.statusCode).toBe(401);
  });
});
