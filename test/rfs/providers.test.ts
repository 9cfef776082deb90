import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, DOMAIN_ID, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';

const R = 'RF.10011003';
const M = 'RF.10011001';
const U = 'RF.10011002';
const x = (n: number, c = 'a') => c.repeat(n);

describe.each(BACKENDS)('RFS private providers on %s', (kind) => {
  let s: TestServer;
  let api: ReturnType<typeof rfs>;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    api = rfs(s, token);
  });
  afterAll(async () => s.close());

  it('creates a provider: 201 with a new UUID and its source; show answers the summary', async () => {
    const res = await api.createProvider({
      provider_name: 'my-hello-world-provider-name',
      provider_description: 'my first private provider',
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    const created = res.json();
    expect(created).toEqual({
      provider_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      provider_source: 'huawei.com/private-provider/my-hello-world-provider-name',
    });
    const shown = await api.showProvider('my-hello-world-provider-name');
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({
      provider_id: created.provider_id,
      provider_name: 'my-hello-world-provider-name',
      provider_description: 'my first private provider',
      provider_source: 'huawei.com/private-provider/my-hello-world-provider-name',
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      update_time: shown.json().create_time,
    });
    const alias = await api.raw('GET', '/v1/private-providers/my-hello-world-provider-name');
    expect(alias.json()).toEqual(shown.json());
  });

  it('creates the first version in the same call when version and URN come together', async () => {
    const res = await api.createProvider({
      provider_name: 'with-version',
      provider_version: '0.0.1',
      function_graph_urn: URN,
      version_description: 'my first private provider version',
    });
    expect(res.statusCode).toBe(201);
    const list = (await api.listVersions('with-version')).json();
    expect(list.versions).toEqual([
      {
        provider_id: res.json().provider_id,
        provider_name: 'with-version',
        provider_version: '0.0.1',
        version_description: 'my first private provider version',
        function_graph_urn: URN,
        create_time: (await api.showProvider('with-version')).json().create_time,
      },
    ]);
  });

  it('echoes an agency only when set, and omits an unset description', async () => {
    await api.createProvider({
      provider_name: 'agency-p',
      provider_agency_name: 'rf_admin_trust',
      provider_agency_urn: '',
    });
    const p = (await api.showProvider('agency-p')).json();
    expect(p.provider_agency_name).toBe('rf_admin_trust');
    expect(p).not.toHaveProperty('provider_agency_urn');
    expect(p).not.toHaveProperty('provider_description');
    await api.createProvider({
      provider_name: 'agency-u',
      provider_agency_urn: 'iam::0123456789abcdef:agency:rf_admin_trust',
      provider_agency_name: null,
    });
    expect((await api.showProvider('agency-u')).json().provider_agency_urn).toBe(
      'iam::0123456789abcdef:agency:rf_admin_trust',
    );
  });

  it('refuses a second provider of the same name (409 RF.10015001), also when racing', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.createProvider({ provider_name: 'race-provider' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().error_code).toBe('RF.10015001');
    }
  });

  it.each([
    ['provider_name missing', {}, M, 'provider_name is required'],
    ['provider_name null', { provider_name: null }, M, 'provider_name is required'],
    ['provider_name empty', { provider_name: '' }, R, 'provider_name'],
    ['provider_name too long', { provider_name: x(65) }, R, 'provider_name must NOT have more than 64'],
    ['provider_name with capitals', { provider_name: 'MyProvider' }, R, 'provider_name must be lower-case letters'],
    ['provider_name ending with -', { provider_name: 'abc-' }, R, 'provider_name must be lower-case letters'],
    ['provider_name starting with -', { provider_name: '-abc' }, R, 'provider_name'],
    ['provider_name a number', { provider_name: 42 }, R, 'provider_name must be string'],
    [
      'provider_description too long',
      { provider_name: 'p-desc', provider_description: x(1025) },
      R,
      'provider_description must NOT have more than 1024',
    ],
    [
      'provider_version alone',
      { provider_name: 'p-ver', provider_version: '1.0.0' },
      R,
      'provider_version and function_graph_urn must be given together',
    ],
    [
      'function_graph_urn alone',
      { provider_name: 'p-urn', function_graph_urn: URN },
      R,
      'provider_version and function_graph_urn must be given together',
    ],
    [
      'an invalid provider_version',
      { provider_name: 'p-semver', provider_version: '1.0', function_graph_urn: URN },
      R,
      'provider_version must NOT have fewer than 5',
    ],
    [
      'a URN of another region',
      {
        provider_name: 'p-region',
        provider_version: '1.0.0',
        function_graph_urn: URN.replace('cn-north-7', 'cn-north-4'),
      },
      R,
      'function_graph_urn must be in region cn-north-7',
    ],
    [
      'both agency fields',
      { provider_name: 'p-agency', provider_agency_name: 'a', provider_agency_urn: 'iam::d:agency:a' },
      R,
      'cannot both be set',
    ],
    [
      'a bad agency urn',
      { provider_name: 'p-agency2', provider_agency_urn: 'urn:agency' },
      R,
      'provider_agency_urn must be an agency URN',
    ],
    ['agency name too long', { provider_name: 'p-agency3', provider_agency_name: x(65) }, R, 'provider_agency_name'],
    [
      'an unknown field',
      { provider_name: 'p-unknown', provider_color: 'blue' },
      U,
      'provider_color is not a known parameter',
    ],
    ['a list body', [], R, 'must be object'],
  ])('rejects %s and stores nothing', async (_what, body, code, mention) => {
    const before = await rfsSnapshot(s);
    const res = await api.createProvider(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe(code);
    expect(res.json().error_code).toHaveLength(11);
    expect(res.json().error_msg).toContain(mention);
    expect(await rfsSnapshot(s)).toEqual(before);
  });

  it('accepts names of 1 and 64 characters and descriptions of 0 and 1024', async () => {
    for (const body of [
      { provider_name: 'a' },
      { provider_name: x(64, 'z') },
      { provider_name: 'n-0', provider_description: '' },
      { provider_name: 'n-1024', provider_description: x(1024) },
    ]) {
      const res = await api.createProvider(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(201);
    }
    expect((await api.showProvider('n-0')).json().provider_description).toBe('');
  });

  describe('Client-Request-Id', () => {
    it('is required on every operation (400 RF.10011001)', async () => {
      for (const [method, url] of [
        ['POST', '/v1/private-providers'],
        ['GET', '/v1/private-providers'],
        ['GET', '/v1/private-providers/a/metadata'],
        ['PATCH', '/v1/private-providers/a/metadata'],
        ['DELETE', '/v1/private-providers/a'],
        ['POST', '/v1/private-providers/a/versions'],
        ['GET', '/v1/private-providers/a/versions'],
        ['GET', '/v1/private-providers/a/versions/1.0.0/metadata'],
        ['DELETE', '/v1/private-providers/a/versions/1.0.0'],
      ] as const) {
        const res = await s.app.inject({
          method,
          url,
          headers: { 'x-auth-token': token },
          ...(method === 'POST' || method === 'PATCH' ? { payload: {} } : {}),
        });
        expect(res.statusCode, `${method} ${url}`).toBe(400);
        expect(res.json()).toEqual({
          error_code: 'RF.10011001',
          error_msg: 'Missing required parameter(s). Client-Request-Id header is required',
        });
      }
    });

    it.each([x(35, '1'), x(129, '1'), '-' + x(40, 'a'), 'a'.repeat(36) + '_', 'a'.repeat(35) + ' '])(
      'refuses the malformed value %j (400 RF.10011003)',
      async (id) => {
        const res = await s.app.inject({
          method: 'GET',
          url: '/v1/private-providers',
          headers: { 'x-auth-token': token, 'client-request-id': id },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error_code).toBe('RF.10011003');
        expect(res.json().error_msg).toContain('Client-Request-Id');
      },
    );

    it('accepts 36 and 128 characters', async () => {
      for (const id of [x(36, 'A'), x(128, '9'), 'a' + x(40, '-')]) {
        const res = await s.app.inject({
          method: 'GET',
          url: '/v1/private-providers',
          headers: { 'x-auth-token': token, 'client-request-id': id },
        });
        expect(res.statusCode).toBe(200);
      }
    });

    it('is checked after authentication', async () => {
      const res = await s.app.inject({ method: 'GET', url: '/v1/private-providers' });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('update', () => {
    it('changes only the description, refreshes update_time, answers 204 with no body', async () => {
      await api.createProvider({ provider_name: 'upd-p', provider_description: 'old' });
      const before = (await api.showProvider('upd-p')).json();
      await new Promise((r) => setTimeout(r, 5));
      const res = await api.updateProvider('upd-p', { provider_description: 'new' });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const after = (await api.showProvider('upd-p')).json();
      expect(after).toEqual({ ...before, provider_description: 'new', update_time: after.update_time });
      expect(after.update_time > before.update_time).toBe(true);
      expect(
        (await api.updateProvider('upd-p', { provider_description: '', provider_id: before.provider_id })).statusCode,
      ).toBe(204);
      expect((await api.showProvider('upd-p')).json().provider_description).toBe('');
    });

    it.each([
      [{}, R, 'provider_description'],
      [{ provider_id: '00000000-0000-4000-8000-000000000000' }, R, 'provider_description'],
      [{ provider_description: x(1025) }, R, 'provider_description must NOT have more than 1024'],
      [{ provider_description: 'x', provider_name: 'renamed' }, U, 'provider_name is not a known parameter'],
      [{ provider_description: 'x', provider_id: 'short' }, R, 'provider_id'],
    ])('refuses %j', async (body, code, mention) => {
      await api.createProvider({ provider_name: 'upd-bad' });
      const before = await rfsSnapshot(s);
      const res = await api.updateProvider('upd-bad', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe(code);
      expect(res.json().error_msg).toContain(mention);
      expect(await rfsSnapshot(s)).toEqual(before);
    });
  });

  describe('provider_id match rule', () => {
    it('answers 404 for a missing provider first, then 400 for a wrong id, on every operation that takes it', async () => {
      const id = (await api.createProvider({ provider_name: 'id-check' })).json().provider_id as string;
      const wrong = '00000000-0000-4000-8000-000000000000';
      const calls = (name: string, pid: string) => [
        api.showProvider(name, `provider_id=${pid}`),
        api.updateProvider(name, { provider_description: 'x', provider_id: pid }),
        api.listVersions(name, `provider_id=${pid}`),
        api.createVersion(name, { provider_id: pid, provider_version: '1.0.0', function_graph_urn: URN }),
        api.showVersion(name, '1.0.0', `provider_id=${pid}`),
        api.deleteVersion(name, '1.0.0', `provider_id=${pid}`),
        api.deleteProvider(name, `provider_id=${pid}`),
      ];
      for (const res of await Promise.all(calls('no-such-provider', wrong))) {
        expect(res.statusCode).toBe(404);
        expect(res.json().error_code).toBe('RF.10014001');
      }
      const before = await rfsSnapshot(s);
      for (const res of await Promise.all(calls('id-check', wrong))) {
        expect(res.statusCode).toBe(400);
        expect(res.json().error_code).toBe('RF.10011003');
        expect(res.json().error_msg).toContain('provider_id');
      }
      expect(await rfsSnapshot(s)).toEqual(before);
      expect((await api.showProvider('id-check', `provider_id=${id}`)).statusCode).toBe(200);
    });
  });

  describe('delete', () => {
    it('deletes the provider with its versions; a re-created one has a new id and no versions', async () => {
      const first = (
        await api.createProvider({ provider_name: 'cascade-p', provider_version: '1.0.0', function_graph_urn: URN })
      ).json().provider_id;
      await api.createVersion('cascade-p', { provider_version: '1.1.0', function_graph_urn: URN });
      const res = await api.deleteProvider('cascade-p');
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const orphans = await s.opened.store.db
        .selectFrom('rfs_provider_versions')
        .select('provider_version')
        .where('provider_id', '=', first)
        .execute();
      expect(orphans).toEqual([]);
      const second = (await api.createProvider({ provider_name: 'cascade-p' })).json().provider_id;
      expect(second).not.toBe(first);
      expect((await api.listVersions('cascade-p')).json().versions).toEqual([]);
      const stale = await api.createVersion('cascade-p', {
        provider_id: first,
        provider_version: '1.0.0',
        function_graph_urn: URN,
      });
      expect(stale.statusCode).toBe(400);
      expect((await api.deleteProvider('cascade-p')).statusCode).toBe(204);
      expect((await api.deleteProvider('cascade-p')).statusCode).toBe(404);
    });
  });

  describe('tenancy: the namespace is the domain (docs/api/rfs.md §1.3)', () => {
    it('lets every project of a domain, and its domain-scoped credentials, see and change the same providers', async () => {
      const other = await s.opened.iam.createProject({ name: `rfs-${kind}`, id: `rfs-other-${kind}` });
      const otherToken = (
        await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody({ project: other.name }) })
      ).headers['x-subject-token'] as string;
      const otherApi = rfs(s, otherToken);
      const taken = await otherApi.createProvider({
        provider_name: 'my-hello-world-provider-name',
        provider_description: 'other project',
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error_code).toBe('RF.10015001');
      expect((await otherApi.showProvider('my-hello-world-provider-name')).json().provider_description).toBe(
        'my first private provider',
      );
      expect(
        (
          await otherApi.createProvider({
            provider_name: 'made-by-other',
            provider_version: '1.0.0',
            function_graph_urn: URN,
          })
        ).statusCode,
      ).toBe(201);
      expect((await api.showProvider('made-by-other')).statusCode).toBe(200);
      expect(
        (await api.createVersion('made-by-other', { provider_version: '1.0.1', function_graph_urn: URN })).statusCode,
      ).toBe(201);
      expect(
        (await otherApi.listVersions('made-by-other'))
          .json()
          .versions.map((v: { provider_version: string }) => v.provider_version)
          .sort(),
      ).toEqual(['1.0.0', '1.0.1']);
      const names = async (a: ReturnType<typeof rfs>) =>
        (await a.listProviders()).json().providers.map((p: { provider_name: string }) => p.provider_name);
      expect(await names(otherApi)).toEqual(await names(api));

      // A domain-scoped token names no project; with X-Project-Id of any project of the domain it is the same.
      const domainToken = (
        await s.app.inject({
          method: 'POST',
          url: '/v3/auth/tokens',
          payload: passwordBody({ scopeDomain: 'default' }),
        })
      ).headers['x-subject-token'] as string;
      for (const headers of [
        {},
        { 'x-project-id': other.id },
        { 'x-project-id': PROJECT_ID },
        { 'x-domain-id': DOMAIN_ID },
      ] as Record<string, string>[]) {
        const domainApi = rfs(s, domainToken, headers);
        expect((await domainApi.showProvider('made-by-other')).statusCode, JSON.stringify(headers)).toBe(200);
        expect(await names(domainApi)).toEqual(await names(api));
      }
      expect((await rfs(s, domainToken).deleteProvider('made-by-other')).statusCode).toBe(204);
      expect((await otherApi.showProvider('made-by-other')).statusCode).toBe(404);
    });

    it('keeps domains apart, and serves a domain that has no project at all', async () => {
      const solo = await s.opened.iam.createDomain({ name: `solo-${kind}` });
      await s.opened.iam.createUser({ name: 'solo-user', password: 'solo-password-1', domain: solo.name });
      const res = await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({
          user: 'solo-user',
          password: 'solo-password-1',
          domain: solo.name,
          scopeDomain: solo.name,
        }),
      });
      expect(res.statusCode, res.body).toBe(201);
      const soloApi = rfs(s, res.headers['x-subject-token'] as string);
      expect((await soloApi.listProviders()).json()).toEqual({
        providers: [],
        page_info: { next_marker: null, previous_marker: null, current_count: 0 },
      });
      expect((await soloApi.showProvider('my-hello-world-provider-name')).statusCode).toBe(404);
      const created = await soloApi.createProvider({
        provider_name: 'my-hello-world-provider-name',
        provider_description: 'solo',
      });
      expect(created.statusCode).toBe(201);
      expect((await soloApi.showProvider('my-hello-world-provider-name')).json().provider_description).toBe('solo');
      expect((await api.showProvider('my-hello-world-provider-name')).json().provider_description).toBe(
        'my first private provider',
      );
      expect((await api.showProvider('my-hello-world-provider-name')).json().provider_id).not.toBe(
        created.json().provider_id,
      );
      // A project or domain of another account in the headers is refused before RFS is reached.
      for (const headers of [{ 'x-project-id': PROJECT_ID }, { 'x-domain-id': DOMAIN_ID }] as Record<
        string,
        string
      >[]) {
        const refused = await rfs(s, res.headers['x-subject-token'] as string, headers).listProviders();
        expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
      }
      expect((await soloApi.deleteProvider('my-hello-world-provider-name')).statusCode).toBe(204);
      expect((await api.showProvider('my-hello-world-provider-name')).statusCode).toBe(200);
    });
  });
});

describe('RFS quotas', () => {
  it('answers 403 RF.10013001 past the configured provider and version quotas', async () => {
    const s = await startServer('sqlite', { flags: { rfsProviderQuota: '2', rfsVersionQuota: '1' } });
    const api = rfs(s, await adminToken(s));
    expect(
      (await api.createProvider({ provider_name: 'q1', provider_version: '1.0.0', function_graph_urn: URN }))
        .statusCode,
    ).toBe(201);
    expect((await api.createProvider({ provider_name: 'q2' })).statusCode).toBe(201);
    const third = await api.createProvider({ provider_name: 'q3' });
    expect(third.statusCode).toBe(403);
    expect(third.json().error_code).toBe('RF.10013001');
    const version = await api.createVersion('q1', { provider_version: '1.0.1', function_graph_urn: URN });
    expect(version.statusCode).toBe(403);
    expect(version.json().error_code).toBe('RF.10013001');
    expect((await api.createVersion('q2', { provider_version: '1.0.0', function_graph_urn: URN })).statusCode).toBe(
      201,
    );
    await s.close();
  });
});
