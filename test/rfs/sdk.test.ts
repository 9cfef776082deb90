import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { ACCESS_KEY, DOMAIN_ID, PROJECT_ID, SECRET_KEY, startServer, type TestServer } from '../helpers/server.js';
import { rfsClient, sdkClient } from '../helpers/sdk.js';
import { URN } from '../helpers/rfs.js';

describe.each(BACKENDS)('RFS through the official SDK signer on %s', (kind) => {
  let s: TestServer;
  let url: string;
  beforeAll(async () => {
    s = await startServer(kind);
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => s.close());

  it('runs all nine operations with AK/SK signatures (BasicCredentials)', async () => {
    const sdk = rfsClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }), () =>
      crypto.randomUUID(),
    );
    const created = await sdk.createPrivateProvider({
      provider_name: 'sdk-provider',
      provider_description: '华为 provider ✓ 😀 "quoted"',
    });
    expect(created.httpStatusCode).toBe(201);
    const id = created.provider_id as string;

    const version = await sdk.createPrivateProviderVersion('sdk-provider', {
      provider_id: id,
      provider_version: '1.0.0+build.7',
      function_graph_urn: URN,
    });
    expect(version.httpStatusCode).toBe(201);

    expect(
      (await sdk.listPrivateProviders({ sort_key: ['create_time'], sort_dir: ['asc'], limit: 10 })).providers[0]
        .provider_name,
    ).toBe('sdk-provider');
    expect((await sdk.showPrivateProviderMetadata('sdk-provider', { provider_id: id })).provider_description).toBe(
      '华为 provider ✓ 😀 "quoted"',
    );
    expect(
      (await sdk.updatePrivateProviderMetadata('sdk-provider', { provider_description: 'updated', provider_id: id }))
        .httpStatusCode,
    ).toBe(204);

    const versions = await sdk.listPrivateProviderVersions('sdk-provider', { limit: 10 });
    expect(versions.versions.map((v: { provider_version: string }) => v.provider_version)).toEqual(['1.0.0+build.7']);
    expect((await sdk.showPrivateProviderVersionMetadata('sdk-provider', '1.0.0+build.7')).function_graph_urn).toBe(
      URN,
    );

    const dup = await sdk.createPrivateProviderVersion('sdk-provider', {
      provider_version: '1.0.0+build.7',
      function_graph_urn: URN,
    });
    expect(dup.httpStatusCode).toBe(409);
    expect(dup.errorCode).toBe('RF.10015002');
    expect(dup.requestId).toMatch(/^[0-9a-f]{32}$/);

    expect(
      (await sdk.deletePrivateProviderVersion('sdk-provider', '1.0.0+build.7', { provider_id: id })).httpStatusCode,
    ).toBe(204);
    expect((await sdk.deletePrivateProvider('sdk-provider', { provider_id: id })).httpStatusCode).toBe(204);
    const gone = await sdk.showPrivateProviderMetadata('sdk-provider');
    expect(gone.httpStatusCode).toBe(404);
    expect(gone.errorCode).toBe('RF.10014001');
  });

  it('sees the same providers with GlobalCredentials of the same account', async () => {
    const basic = rfsClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }), () =>
      crypto.randomUUID(),
    );
    const global = rfsClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, domainId: DOMAIN_ID }), () =>
      crypto.randomUUID(),
    );
    expect((await basic.createPrivateProvider({ provider_name: 'shared-provider' })).httpStatusCode).toBe(201);
    expect((await global.showPrivateProviderMetadata('shared-provider')).provider_name).toBe('shared-provider');
  });

  it('reports a missing Client-Request-Id as the SDK sees it', async () => {
    const sdk = rfsClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }), () => '');
    const res = await sdk.listPrivateProviders();
    expect(res.httpStatusCode).toBe(400);
    expect(res.errorCode).toBe('RF.10011001');
  });
});

interface Vector {
  id: string;
  method: string;
  body: string | null;
  wire: { request_target: string; headers: Record<string, string> };
}

describe('the RFS signature vectors replayed against the server', () => {
  const vectors = (
    JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/aksk-vectors.json', import.meta.url)), 'utf8')) as {
      vectors: Vector[];
    }
  ).vectors;
  const replayable = vectors.filter(
    (v) => v.wire.request_target.startsWith('/v1/private-providers') && v.id !== 'rfs-security-token',
  );
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { clock: { now: () => Date.UTC(2026, 7, 6, 9, 0, 0) } });
  });
  afterAll(async () => s.close());

  it('covers the RFS vectors', () => expect(replayable.length).toBeGreaterThanOrEqual(12));

  for (const v of replayable) {
    it(`${v.id}: authenticated as signed, refused once the date changes`, async () => {
      const headers = { ...v.wire.headers };
      const ok = await s.app.inject({
        method: v.method as 'GET',
        url: v.wire.request_target,
        headers,
        payload: v.body ?? undefined,
      });
      expect(ok.statusCode, ok.body).not.toBe(401);
      expect(ok.statusCode).not.toBe(403);
      const late = await s.app.inject({
        method: v.method as 'GET',
        url: v.wire.request_target,
        headers: { ...headers, 'x-sdk-date': '20260806T090100Z' },
        payload: v.body ?? undefined,
      });
      expect(late.statusCode).toBe(401);
    });
  }

  it('refuses temporary credentials (security token) this server did not issue', async () => {
    const v = vectors.find((x) => x.id === 'rfs-security-token')!;
    const res = await s.app.inject({ method: 'GET', url: v.wire.request_target, headers: v.wire.headers });
    expect(res.statusCode).toBe(401);
  });
});
