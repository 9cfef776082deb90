import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { adminToken, startServer, PROJECT_ID, type TestServer } from '../helpers/server.js';

describe('the OpenAPI document', () => {
  let s: TestServer;
  let doc: any;
  beforeAll(async () => {
    s = await startServer('sqlite');
    const res = await s.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => s.close());

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every IoTEdge, RFS and IAM operation with both security schemes and the error envelope', () => {
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    for (const id of [
      'BatchListEdgeApps',
      'CreateEdgeApp',
      'ShowEdgeApp',
      'DeleteEdgeApp',
      'BatchListEdgeAppVersions',
      'CreateEdgeApplicationVersion',
      'ShowEdgeApplicationVersion',
      'UpdateEdgeApplicationVersion',
      'DeleteEdgeApplicationVersion',
      'UpdateEdgeApplicationVersionState',
      'CreatePrivateProvider',
      'ListPrivateProviders',
      'ShowPrivateProviderMetadata',
      'UpdatePrivateProviderMetadata',
      'DeletePrivateProvider',
      'CreatePrivateProviderVersion',
      'ListPrivateProviderVersions',
      'ShowPrivateProviderVersionMetadata',
      'DeletePrivateProviderVersion',
      'KeystoneCreateUserTokenByPassword',
      'KeystoneValidateToken',
      'KeystoneListProjects',
      'KeystoneListAuthProjects',
      'KeystoneListAuthDomains',
      'KeystoneListRegions',
    ]) {
      expect(ops).toContain(id);
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['iamToken', 'akskSignature']);
    const create = doc.paths['/v2/{project_id}/edge-apps/{edge_app_id}/versions'].post;
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['400'].content['application/json'].schema.required).toEqual(['error_code', 'error_msg']);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['version', 'container_settings', 'arch']),
    );
    expect(doc.paths['/v3/auth/tokens'].post.security).toEqual([]);
    const rfsHeaders = doc.paths['/v1/private-providers'].post.parameters.filter(
      (p: { in: string }) => p.in === 'header',
    );
    expect(rfsHeaders.map((p: { name: string }) => p.name)).toEqual(['client-request-id']);
  });

  it('describes every tag an operation uses', () => {
    const declared = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    const used = new Set(
      Object.values(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap((ops) =>
        Object.values(ops).flatMap((op) => op.tags ?? []),
      ),
    );
    expect([...used].filter((t) => !declared.has(t))).toEqual([]);
    expect(used.has('Activity')).toBe(true);
  });

  it('lists 409 only on the authenticated creates of a family that answers it', () => {
    const with409 = Object.entries(doc.paths as Record<string, Record<string, { responses?: object }>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.responses && '409' in op.responses)
          .map(([method]) => `${method} ${path}`),
    );
    expect(with409.sort()).toEqual([
      'post /_versionary/faults',
      'post /_versionary/import',
      'post /_versionary/reset',
      'post /v1/private-providers',
      'post /v1/private-providers/{provider_name}/versions',
      'post /v3/projects',
    ]);
  });

  it('names every operation by a summary and marks required only the parameters a request must send', () => {
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, op })),
    );
    expect(ops.length).toBeGreaterThan(25);
    for (const { at, op } of ops) {
      expect(op.summary, at).toMatch(/\S/);
      for (const p of op.parameters ?? []) {
        const what = `${p.in} ${p.name} of ${at}`;
        if (p.in === 'path') expect(p.required, what).toBe(true);
        // A parameter with a default may be left out: the server fills the default in.
        if (p.schema?.default !== undefined) expect(p.required, what).toBe(false);
        // An optional enum carries no example of its own that would fill it in.
        if (p.schema?.enum && !p.required)
          expect([p.example, p.examples, p.schema.examples], what).toEqual([undefined, undefined, undefined]);
      }
    }
    expect(doc.paths['/v1/private-providers/{provider_name}/metadata'].get.summary).toBe('Show a private provider');
    const list = Object.fromEntries(
      doc.paths['/v2/{project_id}/edge-apps'].get.parameters.map((p: any) => [p.name, p]),
    );
    expect([list.offset.required, list.offset.schema.default, list.limit.required, list.limit.schema.default]).toEqual([
      false,
      0,
      false,
      10,
    ]);
    for (const name of ['app_type', 'function_type'])
      expect([list[name].required, list[name].schema.default, list[name].example]).toEqual([
        false,
        undefined,
        undefined,
      ]);
  });

  it('leaves out a parameter with a default and still gets the default', async () => {
    const res = await s.app.inject({
      method: 'GET',
      url: `/v2/${PROJECT_ID}/edge-apps`,
      headers: { 'x-auth-token': await adminToken(s) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().page_info).toEqual({ offset: 0, limit: 10 });
  });

  it('has request examples that succeed as written', async () => {
    const token = await adminToken(s);
    const example = (path: string, method: string) =>
      doc.paths[path][method].requestBody.content['application/json'].example;
    const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object, extra: Record<string, string> = {}) =>
      s.app.inject({ method, url, headers: { 'x-auth-token': token, ...extra }, payload });
    const base = `/v2/${PROJECT_ID}/edge-apps`;
    expect((await send('POST', base, example('/v2/{project_id}/edge-apps', 'post'))).statusCode).toBe(201);
    expect(
      (
        await send(
          'POST',
          `${base}/my-edge-app/versions`,
          example('/v2/{project_id}/edge-apps/{edge_app_id}/versions', 'post'),
        )
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await send(
          'PUT',
          `${base}/my-edge-app/versions/1.0.0`,
          example('/v2/{project_id}/edge-apps/{edge_app_id}/versions/{version}', 'put'),
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await send(
          'PUT',
          `${base}/my-edge-app/versions/1.0.0/state`,
          example('/v2/{project_id}/edge-apps/{edge_app_id}/versions/{version}/state', 'put'),
        )
      ).statusCode,
    ).toBe(200);
    const header = doc.paths['/v1/private-providers'].post.parameters.find((p: { in: string }) => p.in === 'header');
    const rid = { 'client-request-id': header.example ?? header.schema.examples[0] };
    expect(
      (await send('POST', '/v1/private-providers', example('/v1/private-providers', 'post'), rid)).statusCode,
    ).toBe(201);
    expect(
      (
        await send(
          'POST',
          '/v1/private-providers/my-hello-world-provider-name/versions',
          example('/v1/private-providers/{provider_name}/versions', 'post'),
          rid,
        )
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await send(
          'PATCH',
          '/v1/private-providers/my-hello-world-provider-name/metadata',
          example('/v1/private-providers/{provider_name}/metadata', 'patch'),
          rid,
        )
      ).statusCode,
    ).toBe(204);
    expect((await send('POST', '/v3/projects', example('/v3/projects', 'post'))).statusCode).toBe(201);
    const tokenExample = JSON.parse(
      JSON.stringify(example('/v3/auth/tokens', 'post')).replace('your-password', 'admin-password-1'),
    );
    expect((await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: tokenExample })).statusCode).toBe(
      201,
    );
  });
});
