import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { ACCESS_KEY, PROJECT_ID, SECRET_KEY, startServer, type TestServer } from '../helpers/server.js';
import { iotedgeClient, sdkClient } from '../helpers/sdk.js';
import { VALID_VERSION } from '../helpers/iotedge.js';

describe.each(BACKENDS)('IoTEdge through the official SDK signer on %s', (kind) => {
  let s: TestServer;
  let sdk: ReturnType<typeof iotedgeClient>;
  beforeAll(async () => {
    s = await startServer(kind);
    const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    sdk = iotedgeClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }));
  });
  afterAll(async () => s.close());

  it('runs all ten operations with AK/SK signatures', async () => {
    const app = await sdk.createEdgeApp({
      edge_app_id: 'sdk-app',
      edge_app_name: 'SDK应用',
      function_type: 'DATA_PROCESSING',
    });
    expect(app.httpStatusCode).toBe(201);
    expect(app.edge_app_id).toBe('sdk-app');

    const listed = await sdk.batchListEdgeApps({ edge_app_id: 'sdk', offset: 0, limit: 10, app_type: 'USER' });
    expect(listed.httpStatusCode).toBe(200);
    expect(listed.count).toBe(1);

    expect((await sdk.showEdgeApp('sdk-app')).edge_app_name).toBe('SDK应用');

    const created = await sdk.createEdgeApplicationVersion('sdk-app', VALID_VERSION);
    expect(created.httpStatusCode).toBe(201);
    expect(created.state).toBe('DRAFT');

    const updated = await sdk.updateEdgeApplicationVersion('sdk-app', '1.0.0', { description: '新的描述 updated' });
    expect(updated.httpStatusCode).toBe(200);
    expect(updated.description).toBe('新的描述 updated');

    const published = await sdk.updateEdgeApplicationVersionState('sdk-app', '1.0.0', { state: 'PUBLISHED' });
    expect(published.httpStatusCode).toBe(200);
    expect(published.state).toBe('PUBLISHED');

    const versions = await sdk.batchListEdgeAppVersions('sdk-app', { state: 'PUBLISHED', arch: 'x86_64', limit: 5 });
    expect(versions.count).toBe(1);
    expect((await sdk.showEdgeApplicationVersion('sdk-app', '1.0.0')).container_settings).toEqual(
      VALID_VERSION.container_settings,
    );

    const refused = await sdk.deleteEdgeApplicationVersion('sdk-app', '1.0.0');
    expect(refused.httpStatusCode).toBe(403);
    expect(refused.errorCode).toBe('IoTEdge.02100605');
    expect(refused.requestId).toMatch(/^[0-9a-f]{32}$/);

    await sdk.updateEdgeApplicationVersionState('sdk-app', '1.0.0', { state: 'OFF_SHELF' });
    expect((await sdk.deleteEdgeApplicationVersion('sdk-app', '1.0.0')).httpStatusCode).toBe(204);
    expect((await sdk.deleteEdgeApp('sdk-app')).httpStatusCode).toBe(204);
    const gone = await sdk.showEdgeApp('sdk-app');
    expect(gone.httpStatusCode).toBe(404);
    expect(gone.errorCode).toBe('IoTEdge.02100602');
  });

  it('reports a validation failure to the SDK as a ClientRequestException with the field', async () => {
    const res = await sdk.createEdgeApp({ edge_app_id: 'x' });
    expect(res.httpStatusCode).toBe(400);
    expect(res.errorCode).toBe('IoTEdge.00000005');
    expect(res.errorMsg).toContain('edge_app_id');
  });
});

interface Vector {
  id: string;
  method: string;
  body: string | null;
  wire: { request_target: string; headers: Record<string, string> };
}

describe('the signature vectors replayed against the server', () => {
  const vectors = (
    JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/aksk-vectors.json', import.meta.url)), 'utf8')) as {
      vectors: Vector[];
    }
  ).vectors;
  const replayable = vectors.filter((v) => v.wire.request_target.startsWith('/v2/'));
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { clock: { now: () => Date.UTC(2026, 7, 6, 9, 0, 0) } });
  });
  afterAll(async () => s.close());

  const send = (
    v: Vector,
    change: (r: { method: string; url: string; headers: Record<string, string>; payload?: string }) => void = () => {},
  ) => {
    const r = {
      method: v.method,
      url: v.wire.request_target,
      headers: { ...v.wire.headers },
      payload: v.body ?? undefined,
    };
    change(r);
    return s.app.inject({ method: r.method as 'GET', url: r.url, headers: r.headers, payload: r.payload });
  };
  const OTHER_METHOD: Record<string, string> = { GET: 'DELETE', DELETE: 'GET', POST: 'GET', PUT: 'DELETE' };

  it('covers every IoTEdge vector', () => expect(replayable.length).toBeGreaterThanOrEqual(9));

  for (const v of replayable) {
    it(`${v.id}: authenticated as signed, refused once altered`, async () => {
      const ok = await send(v);
      expect(ok.statusCode, ok.body).not.toBe(401);
      expect(ok.statusCode).not.toBe(403);
      const tampered = await send(v, (r) => (r.headers['x-sdk-date'] = '20260806T090100Z'));
      expect(tampered.statusCode).toBe(401);
      for (const change of [
        (r: { url: string }) => (r.url = r.url.replace('/edge-apps', '/edge-apps/other-app/versions')),
        (r: { method: string }) => (r.method = OTHER_METHOD[r.method]!),
        ...(v.body === null
          ? []
          : [
              (r: { payload?: string; headers: Record<string, string> }) => {
                r.payload = r.payload!.replace('}', ' }');
                delete r.headers['content-length'];
              },
            ]),
      ]) {
        const res = await send(v, change);
        if (res.statusCode === 404 && res.json().error_code === 'APIGW.0101') continue;
        expect(res.statusCode, `${change} ${res.body}`).toBe(401);
      }
    });
  }

  it('refuses the vectors outside the 15-minute window when the real clock is used', async () => {
    const real = await startServer('sqlite');
    const v = replayable[0]!;
    const res = await real.app.inject({
      method: v.method as 'GET',
      url: v.wire.request_target,
      headers: v.wire.headers,
    });
    expect(res.statusCode).toBe(401);
    await real.close();
  });
});
