import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, VALID_VERSION, versionWith } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';

/** The console's own reads: counts, accelerator types, provider versions in semver order, each in its scope. */
describe.each(BACKENDS)('the console reads on %s', (kind) => {
  let s: TestServer;
  let token: string;
  let other: string;
  const get = (url: string, t = token) => s.app.inject({ url, headers: { 'x-auth-token': t } });

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    const iot = iotedge(s, token);
    expect((await iot.createApp({ edge_app_id: 'counted-app' })).statusCode).toBe(201);
    const plain = versionWith(
      'container_settings.resources',
      undefined,
      versionWith('container_settings.npu_type', undefined),
    );
    const gpu = versionWith('container_settings.resources', { limits: { cpu: 1, memory: 512, gpu: 1 } }, plain);
    for (const [v, body] of [
      ['1.0.0', plain],
      ['1.1.0', gpu],
      ['1.2.0', VALID_VERSION],
    ] as const) {
      expect((await iot.createVersion('counted-app', { ...body, version: v })).statusCode).toBe(201);
    }
    expect((await iot.setState('counted-app', '1.0.0', 'PUBLISHED')).statusCode).toBe(200);
    expect((await iot.setState('counted-app', '1.0.0', 'OFF_SHELF')).statusCode).toBe(200);
    expect((await iot.setState('counted-app', '1.1.0', 'PUBLISHED')).statusCode).toBe(200);
    const r = rfs(s, token);
    expect((await r.createProvider({ provider_name: 'semver-provider' })).statusCode).toBe(201);
    for (const v of ['1.2.0', '1.10.0', '1.10.0-rc.1', '0.9.0', '1.10.0+build.7', '2.0.0-alpha', '2.0.0-alpha.1']) {
      expect(
        (await r.createVersion('semver-provider', { provider_version: v, function_graph_urn: URN })).statusCode,
      ).toBe(201);
    }

    // Another domain with its own project, app and provider of the same name.
    await s.opened.iam.createDomain({ name: 'other' });
    await s.opened.iam.createProject({ name: 'cn-east-3', domain: 'other' });
    await s.opened.iam.createUser({ name: 'other-admin', password: 'other-password-1', admin: true, domain: 'other' });
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({
        user: 'other-admin',
        password: 'other-password-1',
        domain: 'other',
        project: 'cn-east-3',
      }),
    });
    other = res.headers['x-subject-token'] as string;
  });
  afterAll(async () => s.close());

  it('counts the apps and versions by state of the token project, and the providers of its domain', async () => {
    const res = await get('/_versionary/overview');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      edge_apps: 1,
      versions: { DRAFT: 1, PUBLISHED: 1, OFF_SHELF: 1 },
      providers: 1,
      provider_versions: 7,
    });
    const foreign = await get('/_versionary/overview', other);
    expect(foreign.json()).toEqual({
      edge_apps: 0,
      versions: { DRAFT: 0, PUBLISHED: 0, OFF_SHELF: 0 },
      providers: 0,
      provider_versions: 0,
    });
  });

  it('gives no IoTEdge counts to a token scoped to a domain', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ scopeDomain: 'default' }),
    });
    const domainToken = res.headers['x-subject-token'] as string;
    const counts = await get('/_versionary/overview', domainToken);
    expect(counts.statusCode).toBe(200);
    expect(counts.json()).toMatchObject({ edge_apps: null, versions: null, providers: 1 });
  });

  it("answers the accelerator types of the project's versions only", async () => {
    const res = await get(
      '/_versionary/accelerators?edge_app_id=counted-app&version=1.0.0&version=1.1.0&version=9.9.9',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ '1.0.0': 'unEquipped', '1.1.0': 'GPU' });
    expect((await get('/_versionary/accelerators?edge_app_id=counted-app&version=1.0.0', other)).json()).toEqual({});
  });

  it('pages the versions of a provider newest semantic version first', async () => {
    const page = async (q: string) => (await get(`/_versionary/private-providers/semver-provider/versions${q}`)).json();
    const all = await page('');
    expect(all.count).toBe(7);
    expect(all.versions.map((v: { provider_version: string }) => v.provider_version)).toEqual([
      '2.0.0-alpha.1',
      '2.0.0-alpha',
      '1.10.0',
      '1.10.0+build.7',
      '1.10.0-rc.1',
      '1.2.0',
      '0.9.0',
    ]);
    expect(all.versions[0]).toMatchObject({ provider_name: 'semver-provider', function_graph_urn: URN });
    const second = await page('?offset=2&limit=2');
    expect(second.versions.map((v: { provider_version: string }) => v.provider_version)).toEqual([
      '1.10.0',
      '1.10.0+build.7',
    ]);
    expect((await page('?offset=7')).versions).toEqual([]);
  });

  it("answers another domain's provider as missing, and refuses bad paging and unknown parameters", async () => {
    const foreign = await get('/_versionary/private-providers/semver-provider/versions', other);
    expect(foreign.statusCode).toBe(404);
    for (const q of ['?limit=0', '?limit=1001', '?offset=-1', '?offset=x', '?project_id=abc']) {
      const res = await get(`/_versionary/private-providers/semver-provider/versions${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error_code, q).toBe('IAM.0001');
    }
    expect((await get('/_versionary/overview?x=1')).statusCode).toBe(400);
    expect((await get('/_versionary/accelerators')).statusCode).toBe(400);
    expect((await get('/_versionary/overview', 'vtk-' + 'A'.repeat(43))).statusCode).toBe(401);
  });
});

describe('the console page', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { flags: { region: 'cn-south-1' } });
  });
  afterAll(async () => s.close());

  it('is one page for every console path, with a policy that keeps its requests on the server', async () => {
    for (const url of ['/console', '/console/', '/console/projects/p/edge-apps/a/versions/1.0.0', '/console/nothing']) {
      const res = await s.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(res.body).toContain('data-region="cn-south-1"');
      expect(res.body).not.toMatch(/https?:\/\//);
    }
    const js = await s.app.inject({ url: '/console/assets/console.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect((await s.app.inject({ url: '/console/assets/console.css' })).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/console/assets/other.js' })).statusCode).toBe(404);
    expect((await s.app.inject({ url: '/console/assets/..%2Fpackage.json' })).statusCode).toBe(404);
  });
});
