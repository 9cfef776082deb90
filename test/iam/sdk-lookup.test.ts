import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { GlobalCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region.js';
import { AuthCache } from '@huaweicloud/huaweicloud-sdk-core/internal/services/authcache.js';
import { BACKENDS } from '../helpers/backends.js';
import { ACCESS_KEY, DOMAIN_ID, PROJECT_ID, SECRET_KEY, startServer, type TestServer } from '../helpers/server.js';
import { iotedgeClient, request, rfsClient, sdkSend } from '../helpers/sdk.js';

/**
 * Clients built with a region and no project id (or domain id) ask IAM for it first, through the
 * SDK core's own look-up (GET /v3/projects?name=<region>, GET /v3/auth/domains, GET /v3/regions,
 * POST /v3/projects), each a GET carrying the body `{}`.
 */

interface Recorded {
  method: string;
  url: string;
  body: string;
}

/** A pass-through proxy that records every request; the original Host goes through (it is signed). */
async function recordingProxy(target: string): Promise<{ url: string; seen: Recorded[]; close(): Promise<void> }> {
  const seen: Recorded[] = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, body: body.toString('utf8') });
      const out = http.request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (back) => {
          res.writeHead(back.statusCode!, back.headers);
          back.pipe(res);
        },
      );
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function regionClient(credential: ICredential | undefined, region: string, endpoint: string): HcClient {
  const builder = new ClientBuilder<HcClient>((hc) => hc).withRegion(new Region(region, endpoint));
  return (credential ? builder.withCredential(credential) : builder).build();
}

/** Access-log lines of the server: method, url, status. */
function requestsLogged(s: TestServer): { method: string; url: string; status: number }[] {
  return s.logs
    .join('')
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      const entry = JSON.parse(line) as { msg?: string; method?: string; url?: string; status?: number };
      return entry.msg === 'request' ? [{ method: entry.method!, url: entry.url!, status: entry.status! }] : [];
    });
}

const SDK_ENV = ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_IAM_ENDPOINT', 'HUAWEICLOUD_SDK_TYPE'];

describe.each(BACKENDS)('SDK clients built with a region look their ids up through IAM on %s', (kind) => {
  let s: TestServer;
  let url: string;
  beforeAll(async () => {
    s = await startServer(kind);
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => s.close());
  // The SDK remembers a looked-up id per process (AK + region): forget it, so every test looks up.
  beforeEach(() => {
    (AuthCache.instance() as unknown as { authMap: Map<string, string> }).authMap.clear();
    s.logs.length = 0;
  });
  const savedEnv = Object.fromEntries(SDK_ENV.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of SDK_ENV) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  it('BasicCredentials without a project id: the project is found by region name, then IoTEdge and RFS calls succeed', async () => {
    const iam = await recordingProxy(url);
    try {
      const credential = new BasicCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).withIamEndpoint(iam.url);
      const client = regionClient(credential, 'cn-north-7', url);

      const edge = iotedgeClient(client);
      const app = await edge.createEdgeApp({
        edge_app_id: 'region-app',
        edge_app_name: 'region',
        function_type: 'DATA_PROCESSING',
      });
      expect(app.httpStatusCode, JSON.stringify(app)).toBe(201);
      expect(credential.projectId).toBe(PROJECT_ID);
      expect((await edge.showEdgeApp('region-app')).edge_app_id).toBe('region-app');

      const providers = rfsClient(client, () => crypto.randomUUID());
      const created = await providers.createPrivateProvider({ provider_name: 'region-provider' });
      expect(created.httpStatusCode, JSON.stringify(created)).toBe(201);
      expect((await providers.showPrivateProviderMetadata('region-provider')).provider_name).toBe('region-provider');
      expect((await providers.deletePrivateProvider('region-provider')).httpStatusCode).toBe(204);
      expect((await edge.deleteEdgeApp('region-app')).httpStatusCode).toBe(204);

      // One look-up, a GET carrying the two bytes {}, answered 200; the id is then remembered.
      expect(iam.seen).toEqual([{ method: 'GET', url: '/v3/projects?name=cn-north-7', body: '{}' }]);
      expect(requestsLogged(s).filter((r) => r.url.startsWith('/v3/'))).toEqual([
        { method: 'GET', url: '/v3/projects?name=cn-north-7', status: 200 },
      ]);
    } finally {
      await iam.close();
    }
  });

  it('GlobalCredentials without a domain id: the domain is looked up, then RFS and the IAM project list work', async () => {
    const iam = await recordingProxy(url);
    try {
      const credential = new GlobalCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).withIamEndpoint(iam.url);
      const client = regionClient(credential, 'cn-north-7', url);

      const providers = rfsClient(client, () => crypto.randomUUID());
      const created = await providers.createPrivateProvider({ provider_name: 'global-provider' });
      expect(created.httpStatusCode, JSON.stringify(created)).toBe(201);
      expect(credential.domainId).toBe(DOMAIN_ID);
      expect(
        (await providers.listPrivateProviders()).providers.map((p: { provider_name: string }) => p.provider_name),
      ).toContain('global-provider');
      expect((await providers.deletePrivateProvider('global-provider')).httpStatusCode).toBe(204);

      const projects = await sdkSend(client, request('GET', '/v3/auth/projects'));
      expect(projects.httpStatusCode).toBe(200);
      expect(projects.projects.map((p: { id: string }) => p.id)).toContain(PROJECT_ID);

      expect(iam.seen).toEqual([{ method: 'GET', url: '/v3/auth/domains', body: '{}' }]);
    } finally {
      await iam.close();
    }
  });

  it('a domain without a project for the region: the SDK creates it (regions, domains, create) and uses it', async () => {
    await s.opened.iam.createDomain({ name: 'lookup-corp' });
    await s.opened.iam.createUser({ name: 'boss', admin: true, domain: 'lookup-corp' });
    const key = await s.opened.iam.createKey('boss', 'lookup-corp');
    const iam = await recordingProxy(url);
    try {
      const credential = new BasicCredentials().withAk(key.accessKey).withSk(key.secretKey).withIamEndpoint(iam.url);
      const edge = iotedgeClient(regionClient(credential, 'cn-north-7', url));
      const app = await edge.createEdgeApp({
        edge_app_id: 'corp-app',
        edge_app_name: 'corp',
        function_type: 'DATA_PROCESSING',
      });
      expect(app.httpStatusCode, JSON.stringify(app)).toBe(201);

      const domain = await s.opened.iam.resolveDomain('lookup-corp');
      const [project] = await s.opened.iam.listProjects(domain.id, 'cn-north-7');
      expect(credential.projectId).toBe(project!.id);
      expect(iam.seen.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
        'GET /v3/projects?name=cn-north-7 {}',
        'GET /v3/regions {}',
        'GET /v3/auth/domains {}',
        `POST /v3/projects {"project":{"name":"cn-north-7","domain_id":"${domain.id}"}}`,
      ]);
      expect(
        requestsLogged(s)
          .filter((r) => r.url.startsWith('/v3/'))
          .map((r) => r.status),
      ).toEqual([200, 200, 200, 201]);
      // The app lives in the new domain's project, not in the bootstrap one.
      const apps = await s.opened.store.db.selectFrom('edge_apps').select('project_id').execute();
      expect(apps.filter((a) => a.project_id === project!.id)).toHaveLength(1);
    } finally {
      await iam.close();
    }
  });

  it('a region named after another project of the domain acts in that project', async () => {
    const other = await s.opened.iam.createProject({ name: 'cn-south-1' });
    const credential = new BasicCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).withIamEndpoint(url);
    const edge = iotedgeClient(regionClient(credential, 'cn-south-1', url));
    expect(
      (await edge.createEdgeApp({ edge_app_id: 'south-app', edge_app_name: 'south', function_type: 'DATA_PROCESSING' }))
        .httpStatusCode,
    ).toBe(201);
    expect(credential.projectId).toBe(other.id);
    const listed = await edge.batchListEdgeApps();
    expect(listed.edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual(['south-app']);
    expect((await edge.deleteEdgeApp('south-app')).httpStatusCode).toBe(204);
  });

  it('a region with no project that IAM does not offer: the SDK gives up with its own error, every IAM answer a 200', async () => {
    const credential = new BasicCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).withIamEndpoint(url);
    const res = await sdkSend(
      regionClient(credential, 'ap-southeast-9', url),
      request('GET', '/v2/{project_id}/edge-apps'),
    );
    expect(String(res.message ?? res.errorMsg)).toContain('not supported');
    expect(requestsLogged(s).map((r) => `${r.url} ${r.status}`)).toEqual([
      '/v3/projects?name=ap-southeast-9 200',
      '/v3/regions 200',
    ]);
  });

  it('the environment form: HUAWEICLOUD_SDK_AK, _SK and _IAM_ENDPOINT, with credentials taken from the environment', async () => {
    Object.assign(process.env, {
      HUAWEICLOUD_SDK_AK: ACCESS_KEY,
      HUAWEICLOUD_SDK_SK: SECRET_KEY,
      HUAWEICLOUD_SDK_IAM_ENDPOINT: url,
    });
    const edge = iotedgeClient(regionClient(undefined, 'cn-north-7', url));
    const listed = await edge.batchListEdgeApps();
    expect(listed.httpStatusCode, JSON.stringify(listed)).toBe(200);
    expect(requestsLogged(s).map((r) => `${r.url} ${r.status}`)).toEqual([
      '/v3/projects?name=cn-north-7 200',
      `/v2/${PROJECT_ID}/edge-apps 200`,
    ]);

    process.env.HUAWEICLOUD_SDK_TYPE = 'GlobalCredentials';
    const providers = rfsClient(regionClient(undefined, 'cn-north-7', url), () => crypto.randomUUID());
    const list = await providers.listPrivateProviders();
    expect(list.httpStatusCode, JSON.stringify(list)).toBe(200);
    expect(requestsLogged(s).map((r) => r.url)).toContain('/v3/auth/domains');
  });

  it('the Node SDK reads HUAWEICLOUD_SDK_IAM_ENDPOINT only for credentials taken from the environment', () => {
    process.env.HUAWEICLOUD_SDK_IAM_ENDPOINT = url;
    // Credentials built in code keep the default IAM endpoint unless given withIamEndpoint().
    expect(new BasicCredentials().withAk(ACCESS_KEY).withSk(SECRET_KEY).getIamEndpoint()).toBeUndefined();
  });
});
