import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshBackend, type Backend } from './helpers/backends.js';
import { URN } from './helpers/rfs.js';
import { BOOTSTRAP_ENV, PROJECT_ID, adminToken, passwordBody, startServer, type TestServer } from './helpers/server.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe.each(BACKENDS)('versionary admin domain on %s', (kind) => {
  let backend: Backend;
  let s: TestServer;
  const cli = (...args: string[]) => {
    const res = spawnSync(
      process.execPath,
      [CLI, 'admin', ...args, '--data-dir', backend.dataDir, '--database', backend.database],
      {
        encoding: 'utf8',
        env: { ...process.env, ...BOOTSTRAP_ENV },
        timeout: 30_000,
      },
    );
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, json: () => JSON.parse(res.stdout) };
  };
  const token = async (user: string, password: string, domain: string, project = 'cn-north-7') => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user, password, domain, project }),
    });
    return res.statusCode === 201 ? (res.headers['x-subject-token'] as string) : `refused ${res.statusCode}`;
  };
  const listApps = (t: string, project: string) =>
    s.app.inject({ method: 'GET', url: `/v2/${project}/edge-apps`, headers: { 'x-auth-token': t } });

  beforeAll(async () => {
    backend = await freshBackend(kind);
    expect(cli('show-bootstrap').code).toBe(0);
    s = await startServer(kind, { backend });
  });
  afterAll(async () => {
    await s.app.close();
    await s.opened.store.close();
    await backend.drop();
  });

  it('creates a domain, checks names and ids, and lists domains', () => {
    const created = cli('domain', 'create', 'acme', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'acme' });
    expect(cli('domain', 'create', 'beta', '--id', 'beta-id', '--json').json()).toEqual({
      id: 'beta-id',
      name: 'beta',
    });
    for (const [args, message] of [
      [['acme'], 'already exists'],
      [['gamma', '--id', 'beta-id'], 'already exists'],
      [['bad name!'], 'domain name must be 1-64 letters'],
      [['x'.repeat(65)], 'domain name must be 1-64 letters'],
      [['gamma', '--id', 'bad/id'], 'domain id must be 1-64 letters'],
    ] as const) {
      const res = cli('domain', 'create', ...args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
    }
    const listed = cli('domain', 'list', '--json').json();
    expect(listed).toEqual([
      expect.objectContaining({ name: 'acme', bootstrap: false, projects: 0, users: 0 }),
      { id: 'beta-id', name: 'beta', bootstrap: false, projects: 0, users: 0, created_at: expect.any(String) },
      expect.objectContaining({ name: 'default', bootstrap: true, projects: 1, users: 1 }),
    ]);
    expect(cli('domain', 'list').stdout).toMatch(/name=default {2}bootstrap=true/);
  });

  it('makes a new domain usable: its project, admin user, key and token', async () => {
    expect(cli('project', 'create', 'cn-north-7', '--domain', 'acme', '--id', 'acme-project', '--json').json()).toEqual(
      { id: 'acme-project', name: 'cn-north-7', domain: 'acme' },
    );
    const alice = cli(
      'user',
      'create',
      'alice',
      '--domain',
      'acme',
      '--admin',
      '--password',
      'alice-password-1',
      '--json',
    );
    expect(alice.json()).toMatchObject({ name: 'alice', domain: 'acme' });
    // The same name in another domain is another user.
    expect(cli('user', 'create', 'alice', '--password', 'default-alice-1').code).toBe(0);
    const key = cli('key', 'create', 'alice', '--domain', 'acme', '--json').json();
    expect(key).toMatchObject({ user: 'alice', domain: 'acme' });

    expect(cli('user', 'list', '--domain', 'acme', '--json').json()).toEqual([
      expect.objectContaining({ name: 'alice', domain: 'acme', admin: true }),
    ]);
    expect(
      cli('user', 'list', '--json')
        .json()
        .map((u: { name: string; domain: string }) => `${u.domain}/${u.name}`),
    ).toEqual(['acme/alice', 'default/admin', 'default/alice']);
    expect(cli('key', 'list', '--domain', 'acme', '--json').json()).toEqual([
      expect.objectContaining({ access_key: key.access_key, user: 'alice', domain: 'acme' }),
    ]);
    expect(
      cli('project', 'list', '--json')
        .json()
        .map((p: { name: string; domain: string }) => `${p.domain}/${p.name}`),
    ).toEqual(['acme/cn-north-7', 'default/cn-north-7']);
    expect(cli('project', 'list', '--domain', 'acme', '--json').json()).toEqual([
      expect.objectContaining({ id: 'acme-project', domain: 'acme' }),
    ]);
    expect(cli('user', 'list', '--domain', 'nowhere').stderr).toContain('domain nowhere does not exist');

    const t = await token('alice', 'alice-password-1', 'acme');
    expect(t).toMatch(/^vtk-/);
    const created = await s.app.inject({
      method: 'POST',
      url: '/v2/acme-project/edge-apps',
      headers: { 'x-auth-token': t },
      payload: { edge_app_id: 'acme-app' },
    });
    expect(created.statusCode).toBe(201);
    expect((await listApps(t, PROJECT_ID)).statusCode).toBe(403);
    expect(await token('alice', 'alice-password-1', 'default')).toBe('refused 401');
  });

  it('refuses to delete a domain without --yes, the bootstrap domain, and one whose projects hold data unless --force', async () => {
    const t = await token('alice', 'alice-password-1', 'acme');
    const noYes = cli('domain', 'delete', 'acme');
    expect(noYes.code).toBe(1);
    expect(noYes.stderr).toContain('add --yes');
    const withData = cli('domain', 'delete', 'acme', '--yes');
    expect(withData.code).toBe(1);
    expect(withData.stderr).toContain('domain acme holds API data (1 edge apps, 0 RFS providers)');
    expect(withData.stderr).toContain('--force');
    const bootstrap = cli('domain', 'delete', 'default', '--yes', '--force');
    expect(bootstrap.code).toBe(1);
    expect(bootstrap.stderr).toContain('bootstrap domain');
    expect(cli('domain', 'delete', 'nowhere', '--yes').stderr).toContain('domain nowhere does not exist');
    // Nothing changed.
    expect((await listApps(t, 'acme-project')).json().edge_apps).toHaveLength(1);
    expect(
      cli('domain', 'list', '--json')
        .json()
        .map((d: { name: string }) => d.name),
    ).toEqual(['acme', 'beta', 'default']);
  });

  it('deletes a domain with --force: its users, keys, tokens, projects and their data; other domains keep theirs', async () => {
    const t = await token('alice', 'alice-password-1', 'acme');
    const ak = cli('key', 'list', '--domain', 'acme', '--json').json()[0].access_key as string;
    expect(await s.opened.iam.principalForKey(ak)).not.toBeNull();
    const adminT = await adminToken(s);
    expect(
      (
        await s.app.inject({
          method: 'POST',
          url: `/v2/${PROJECT_ID}/edge-apps`,
          headers: { 'x-auth-token': adminT },
          payload: { edge_app_id: 'default-app' },
        })
      ).statusCode,
    ).toBe(201);

    const deleted = cli('domain', 'delete', 'acme', '--yes', '--force', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toEqual({ deleted: 'acme', projects: 1, users: 1, edge_apps: 1, rfs_providers: 0 });

    expect((await listApps(t, 'acme-project')).statusCode).toBe(401);
    expect(await s.opened.iam.principalForKey(ak)).toBeNull();
    expect(await token('alice', 'alice-password-1', 'acme')).toBe('refused 401');
    const db = s.opened.store.db;
    expect(await db.selectFrom('edge_apps').select('edge_app_id').execute()).toEqual([{ edge_app_id: 'default-app' }]);
    expect(await db.selectFrom('projects').select('id').where('id', '=', 'acme-project').execute()).toEqual([]);
    expect(await db.selectFrom('users').select('name').orderBy('name').execute()).toEqual([
      { name: 'admin' },
      { name: 'alice' },
    ]);
    expect((await listApps(adminT, PROJECT_ID)).statusCode).toBe(200);
    // An empty domain goes without --force.
    expect(cli('domain', 'delete', 'beta', '--yes').code).toBe(0);
    expect(
      cli('domain', 'list', '--json')
        .json()
        .map((d: { name: string }) => d.name),
    ).toEqual(['default']);
  });

  it('deletes a project of a domain, refusing while it holds data and for the bootstrap region project; RFS providers stay with the domain', async () => {
    expect(cli('domain', 'create', 'delta').code).toBe(0);
    expect(cli('project', 'create', 'cn-east-3', '--domain', 'delta', '--id', 'delta-east').code).toBe(0);
    expect(cli('user', 'create', 'dora', '--domain', 'delta', '--password', 'dora-password-1').code).toBe(0);
    const t = await token('dora', 'dora-password-1', 'delta', 'cn-east-3');
    const body = { provider_name: 'delta-provider', provider_version: '1.0.0', function_graph_urn: URN };
    const provider = await s.app.inject({
      method: 'POST',
      url: '/v1/private-providers',
      headers: { 'x-auth-token': t, 'client-request-id': crypto.randomUUID() },
      payload: body,
    });
    expect(provider.statusCode, provider.body).toBe(201);
    expect(
      (
        await s.app.inject({
          method: 'POST',
          url: '/v2/delta-east/edge-apps',
          headers: { 'x-auth-token': t },
          payload: { edge_app_id: 'delta-app' },
        })
      ).statusCode,
    ).toBe(201);

    const refused = cli('project', 'delete', 'cn-east-3', '--domain', 'delta');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('project cn-east-3 holds API data (1 edge apps, 0 RFS providers)');
    expect(cli('project', 'delete', 'cn-east-3').stderr).toContain(
      'project cn-east-3 does not exist in domain default',
    );
    expect(cli('project', 'delete', 'cn-north-7', '--force').stderr).toContain(
      'region project of the bootstrap domain',
    );
    expect(cli('project', 'delete', 'cn-east-3', '--domain', 'delta', '--force', '--json').json()).toEqual({
      deleted: 'cn-east-3',
      id: 'delta-east',
      domain: 'delta',
      edge_apps: 1,
      rfs_providers: 0,
    });
    expect(
      await s.opened.store.db
        .selectFrom('edge_apps')
        .select('edge_app_id')
        .where('project_id', '=', 'delta-east')
        .execute(),
    ).toEqual([]);
    expect(await s.opened.store.db.selectFrom('rfs_providers').select('provider_name').execute()).toEqual([
      { provider_name: 'delta-provider' },
    ]);
    expect(
      (await s.app.inject({ method: 'GET', url: '/v3/auth/domains', headers: { 'x-auth-token': t } })).statusCode,
    ).toBe(401);

    // The providers are the domain's: its deletion counts them and needs --force for them.
    const withProviders = cli('domain', 'delete', 'delta', '--yes');
    expect(withProviders.code).toBe(1);
    expect(withProviders.stderr).toContain('domain delta holds API data (0 edge apps, 1 RFS providers)');
    expect(cli('domain', 'delete', 'delta', '--yes', '--force', '--json').json()).toEqual({
      deleted: 'delta',
      projects: 0,
      users: 1,
      edge_apps: 0,
      rfs_providers: 1,
    });
    expect(await s.opened.store.db.selectFrom('rfs_providers').select('provider_name').execute()).toEqual([]);
    expect(await s.opened.store.db.selectFrom('rfs_provider_versions').select('provider_version').execute()).toEqual(
      [],
    );
  });
});
