import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { rfs, URN } from '../helpers/rfs.js';

const feff = '\ufeff';

describe('a snapshot with U+FEFF in its strings', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer('sqlite');
    token = await adminToken(s);
  });
  afterAll(async () => s?.close());

  it('comes back from export, reset and import with every U+FEFF in place', async () => {
    const r = rfs(s, token);
    const description = `${feff}starts, ends and sits${feff} in a run: é${feff}中${feff}`;
    expect(
      (await r.createProvider({ provider_name: 'bom-provider', provider_description: description })).statusCode,
    ).toBe(201);
    const v = await r.createVersion('bom-provider', {
      provider_version: '1.0.0',
      function_graph_urn: URN,
      version_description: `${feff}${feff}`,
    });
    expect(v.statusCode).toBe(201);
    const admin = (method: 'GET' | 'POST', url: string, payload?: string) =>
      s.app.inject({ method, url, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, payload });
    const exported = await admin('GET', '/_versionary/export');
    expect(exported.statusCode).toBe(200);
    expect((await admin('POST', '/_versionary/reset', '{}')).statusCode).toBe(200);
    const imported = await admin('POST', '/_versionary/import', exported.body);
    expect(imported.statusCode, imported.body).toBe(200);
    expect((await r.showProvider('bom-provider')).json().provider_description).toBe(description);
    expect((await r.showVersion('bom-provider', '1.0.0')).json().version_description).toBe(`${feff}${feff}`);
    const tables = (body: string) => {
      const { exported_at: _at, ...rest } = JSON.parse(body) as Record<string, unknown>;
      return rest;
    };
    expect(tables((await admin('GET', '/_versionary/export')).body)).toEqual(tables(exported.body));
  });
});
