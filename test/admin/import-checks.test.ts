import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';

/** An import is checked exactly as the API checks what it creates; a refused one writes nothing. */
describe.each(BACKENDS)('snapshot import checks on %s', (kind) => {
  let s: TestServer;
  let token: string;
  let base: any;
  const call = (method: 'GET' | 'POST', url: string, payload?: string) =>
    s.app.inject({
      method,
      url,
      headers: { 'x-auth-token': token, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      payload,
    });
  const stored = async () => ({ iot: await iotedgeSnapshot(s), rfs: await rfsSnapshot(s) });
  const importing = (snapshot: unknown, mode = 'replace') =>
    call(
      'POST',
      `/_versionary/import?mode=${mode}`,
      typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot),
    );

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    const iot = iotedge(s, token);
    expect((await iot.createApp({ edge_app_id: 'checked-app', edge_app_name: '检查应用' })).statusCode).toBe(201);
    expect((await iot.createVersion('checked-app', VALID_VERSION)).statusCode).toBe(201);
    expect((await iot.setState('checked-app', '1.0.0', 'PUBLISHED')).statusCode).toBe(200);
    expect(
      (
        await rfs(s, token).createProvider({
          provider_name: 'checked-provider',
          provider_version: '1.0.0',
          function_graph_urn: URN,
        })
      ).statusCode,
    ).toBe(201);
    base = (await call('GET', '/_versionary/export')).json();
  });
  afterAll(async () => s.close());

  const withRecord = (table: string, change: Record<string, unknown>) => ({
    ...base,
    [table]: [{ ...base[table][0], ...change }, ...base[table].slice(1)],
  });
  const withSpec = (change: Record<string, unknown>) =>
    withRecord('edge_app_versions', { spec: { ...base.edge_app_versions[0].spec, ...change } });

  it.each([
    [
      'a provider name the API refuses',
      () => withRecord('rfs_providers', { provider_name: 'Bad Name!' }),
      'rfs_providers[0]: provider_name must be lower-case letters',
    ],
    [
      'a version that is not semver',
      () => withRecord('rfs_provider_versions', { provider_version: 'not-semver' }),
      'rfs_provider_versions[0]: provider_version must be a Semantic Version',
    ],
    [
      'a script for a URN',
      () => withRecord('rfs_provider_versions', { function_graph_urn: 'javascript:alert(1)' }),
      'rfs_provider_versions[0]: function_graph_urn must',
    ],
    [
      'a URN of another region',
      () => withRecord('rfs_provider_versions', { function_graph_urn: URN.replace('cn-north-7', 'cn-east-3') }),
      'rfs_provider_versions[0]: function_graph_urn must be in region cn-north-7',
    ],
    [
      'both agency name and URN',
      () => withRecord('rfs_providers', { provider_agency_name: 'a', provider_agency_urn: 'iam::abc:agency:x' }),
      'rfs_providers[0]: provider_agency_name and provider_agency_urn cannot both be set',
    ],
    [
      'a time that is not a time',
      () => withRecord('edge_apps', { create_time: 'garbage' }),
      'edge_apps[0]: create_time must be a UTC time',
    ],
    [
      'an impossible date',
      () => withRecord('rfs_provider_versions', { create_time: '2024-02-30T00:00:00.000Z' }),
      'rfs_provider_versions[0]: create_time must be a UTC time',
    ],
    [
      'an app id with a NUL',
      () => withRecord('edge_apps', { edge_app_id: 'a\u0000pp1' }),
      'edge_apps[0].edge_app_id holds a NUL character',
    ],
    [
      'a project id with a slash',
      () => withRecord('edge_apps', { project_id: 'a/b' }),
      'edge_apps[0]: project_id must be letters, digits',
    ],
    [
      'an unknown state',
      () => withRecord('edge_app_versions', { state: 'GONE' }),
      'edge_app_versions[0]: state must be one of DRAFT, PUBLISHED, OFF_SHELF',
    ],
    [
      'a published version never published',
      () => withRecord('edge_app_versions', { publish_time: null }),
      'edge_app_versions[0]: publish_time is required for a PUBLISHED version',
    ],
    [
      'a draft with a publish time',
      () => withRecord('edge_app_versions', { state: 'DRAFT' }),
      'edge_app_versions[0]: a DRAFT version has no publish_time',
    ],
    [
      'a version without container settings',
      () => withSpec({ container_settings: undefined }),
      'edge_app_versions[0]: spec.container_settings is required',
    ],
    [
      'a restart policy the API refuses',
      () =>
        withSpec({
          container_settings: {
            ...base.edge_app_versions[0].spec.container_settings,
            configs: { restart_policy: 'Sometimes' },
          },
        }),
      'spec.container_settings.configs.restart_policy must be Always, OnFailure or Never',
    ],
    [
      'an empty arch list',
      () => withRecord('edge_app_versions', { arch: [] }),
      'edge_app_versions[0]: arch must NOT have fewer than 1 items',
    ],
    [
      'an unknown record field',
      () => withRecord('edge_apps', { owner: 'x' }),
      'edge_apps[0]: owner is not a known parameter',
    ],
    [
      'text with a lone surrogate',
      () => withRecord('rfs_providers', { provider_description: 'A\ud800B' }),
      'rfs_providers[0].provider_description holds a lone surrogate',
    ],
    [
      'an env key with a lone surrogate',
      () =>
        withSpec({
          container_settings: { ...base.edge_app_versions[0].spec.container_settings, envs: { ['K\udc00']: 'v' } },
        }),
      'edge_app_versions[0].spec.container_settings.envs',
    ],
    ['a record of the wrong type', () => ({ ...base, edge_apps: ['x'] }), 'edge_apps[0]'],
  ] as [string, () => unknown, string][])(
    'refuses %s with 400 naming the record and field, writing nothing',
    async (_what, snapshot, message) => {
      const before = await stored();
      const res = await importing(snapshot());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain(message);
      expect(await stored()).toEqual(before);
    },
  );

  it('needs "format" first and "version" before the first record', async () => {
    const { format, version, ...rest } = base;
    for (const text of [
      JSON.stringify({ ...rest, format, version }),
      JSON.stringify({ edge_apps: base.edge_apps, format, version }),
      JSON.stringify({ version, format, ...rest }),
    ]) {
      const res = await importing(text);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_msg).toContain('not a snapshot: it must begin with "format": "versionary-snapshot"');
    }
    const late = await importing(JSON.stringify({ format, edge_apps: base.edge_apps, version }));
    expect(late.statusCode).toBe(400);
    expect(late.json().error_msg).toContain(
      '"format": "versionary-snapshot" and "version": 1 must come before the first record',
    );
    const empty = await importing(
      JSON.stringify({
        format,
        version,
        project_id: PROJECT_ID,
        edge_apps: [],
        edge_app_versions: [],
        rfs_providers: [],
        rfs_provider_versions: [],
      }),
      'add',
    );
    expect(empty.statusCode).toBe(200);
    expect(empty.json().imported).toEqual({
      edge_apps: 0,
      edge_app_versions: 0,
      rfs_providers: 0,
      rfs_provider_versions: 0,
    });
  });

  it.each([
    [
      'a misspelled table',
      () => ({ ...base, rfs_provider: base.rfs_providers }),
      '"rfs_provider" is not a field of a snapshot',
    ],
    [
      'a table that is an object',
      () => ({ format: base.format, version: 1, edge_apps: { a: base.edge_apps[0] } }),
      'edge_apps must be an array of records',
    ],
    [
      'a table that is null',
      () => ({ format: base.format, version: 1, rfs_providers: null }),
      'rfs_providers must be an array of records',
    ],
    [
      'a header that is an object',
      () => ({ format: base.format, version: 1, project_id: {} }),
      'project_id must be a string, a number or null',
    ],
    [
      'a key twice',
      () => `{"format":"versionary-snapshot","version":1,"edge_apps":[],"edge_apps":[]}`,
      '"edge_apps" appears twice',
    ],
    [
      'deep nesting in an unknown field',
      () => `{"format":"versionary-snapshot","version":1,"junk":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      '"junk" is not a field of a snapshot',
    ],
    [
      'deep nesting in a record',
      () =>
        `{"format":"versionary-snapshot","version":1,"edge_apps":[{"x":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}]}`,
      'nest deeper than 16 levels',
    ],
    [
      'a record larger than any record can be',
      () => `{"format":"versionary-snapshot","version":1,"edge_apps":[{"x":[${'{},'.repeat(3_000_000)}{}]}]}`,
      'a record is larger than 4194304 bytes',
    ],
    [
      'a NUL in a text',
      () => withRecord('rfs_provider_versions', { version_description: 'a\u0000b' }),
      'rfs_provider_versions[0].version_description holds a NUL character',
    ],
  ] as [string, () => unknown, string][])(
    'refuses %s whole with 400, quickly, deleting nothing even with replace',
    async (_what, snapshot, message) => {
      const before = await stored();
      const res = await importing(snapshot());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain(message);
      expect(await stored()).toEqual(before);
    },
  );

  it('computes what is derived instead of trusting the snapshot', async () => {
    const lying = {
      ...base,
      edge_apps: [{ ...base.edge_apps[0], version_count: 99, last_published_version: '9.9.9', deploy_type: 'process' }],
      edge_app_versions: [{ ...base.edge_app_versions[0], ai_card_type: 'GPU', description: 'not what the spec says' }],
    };
    const res = await importing(lying);
    expect(res.statusCode, res.body).toBe(200);
    const app = (await iotedge(s, token).showApp('checked-app')).json();
    expect(app).toMatchObject({ last_published_version: '1.0.0', deploy_type: 'docker' });
    const listed = (await iotedge(s, token).listVersions('checked-app', '?ai_card_type=NPU')).json();
    expect(listed.count).toBe(1);
    expect(listed.versions[0].description).toBe(VALID_VERSION.description);
    expect((await call('GET', '/_versionary/export')).json().edge_apps[0].version_count).toBe(1);
  });

  it('refuses the same record twice with 409, writing nothing', async () => {
    const before = await stored();
    const res = await importing({
      ...base,
      rfs_provider_versions: [...base.rfs_provider_versions, ...base.rfs_provider_versions],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error_msg).toContain(
      'rfs_provider_versions[0..1]: a record already exists (the snapshot holds it twice',
    );
    expect(await stored()).toEqual(before);
  });
});

describe('a snapshot naming very many projects', () => {
  it('is refused with 400 naming the first unknown one, not a database error', async () => {
    const s = await startServer('sqlite');
    try {
      const token = await adminToken(s);
      const apps = Array.from({ length: 40_000 }, (_, i) => ({
        project_id: `p${i}`,
        edge_app_id: 'many-app',
        app_type: 'USER',
        create_time: '2024-05-01T08:30:00.000Z',
        update_time: '2024-05-01T08:30:00.000Z',
      }));
      const res = await s.app.inject({
        method: 'POST',
        url: '/_versionary/import',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        payload: JSON.stringify({ format: 'versionary-snapshot', version: 1, edge_apps: apps }),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain('edge_apps[0].project_id: project p0 does not exist');
    } finally {
      await s.close();
    }
  });
});
