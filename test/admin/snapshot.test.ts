import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, DOMAIN_ID, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, versionWith, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';

describe.each(BACKENDS)('admin snapshot API on %s', (kind) => {
  let s: TestServer;
  let token: string;
  let other: { id: string; name: string };
  const admin = (
    method: 'GET' | 'POST',
    url: string,
    payload?: string | Buffer,
    headers: Record<string, string> = {},
  ) =>
    s.app.inject({
      method,
      url,
      headers: {
        'x-auth-token': token,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      payload,
    });
  const exportJson = async (query = '') => {
    const res = await admin('GET', `/_versionary/export${query}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    return res.json();
  };
  const stored = async () => ({ ...(await iotedgeSnapshot(s)), ...(await rfsSnapshot(s)) });

  beforeAll(async () => {
    s = await startServer(kind, { flags: { importLimit: String(1024 * 1024) } });
    token = await adminToken(s);
    other = await s.opened.iam.createProject({ name: `snap-${kind}`, id: `snap-project-${kind}` });
    const otherToken = (
      await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody({ project: other.name }) })
    ).headers['x-subject-token'] as string;
    for (const [tok, project] of [
      [token, PROJECT_ID],
      [otherToken, other.id],
    ] as const) {
      const iot = iotedge(s, tok, project);
      expect(
        (await iot.createApp({ edge_app_id: 'snap-app', edge_app_name: '快照应用', delivered_app: true })).statusCode,
      ).toBe(201);
      expect((await iot.createVersion('snap-app', VALID_VERSION)).statusCode).toBe(201);
      expect((await iot.createVersion('snap-app', versionWith('version', '2.0.0'))).statusCode).toBe(201);
      expect((await iot.setState('snap-app', '1.0.0', 'PUBLISHED')).statusCode).toBe(200);
      // Providers belong to the domain: each project's credentials create one of the domain's two.
      const r = rfs(s, tok);
      const name = project === PROJECT_ID ? 'snap-provider' : 'other-provider';
      expect(
        (
          await r.createProvider({
            provider_name: name,
            provider_description: 'd',
            provider_version: '1.0.0',
            function_graph_urn: URN,
          })
        ).statusCode,
      ).toBe(201);
      expect(
        (await r.createVersion(name, { provider_version: '1.1.0-rc.1+b', function_graph_urn: URN })).statusCode,
      ).toBe(201);
    }
  });
  afterAll(async () => s.close());

  it('refuses callers that are not administrators (403)', async () => {
    await s.opened.iam.createUser({ name: 'plain', password: 'plain-password' });
    const plain = (
      await s.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody({ user: 'plain', password: 'plain-password' }),
      })
    ).headers['x-subject-token'] as string;
    for (const [method, url] of [
      ['GET', '/_versionary/export'],
      ['POST', '/_versionary/reset'],
      ['POST', '/_versionary/import'],
    ] as const) {
      const res = await s.app.inject({
        method,
        url,
        headers: { 'x-auth-token': plain, 'content-type': 'application/json' },
        payload: method === 'POST' ? '{}' : undefined,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error_code).toBe('APIGW.0302');
    }
    expect((await s.app.inject({ method: 'GET', url: '/_versionary/export' })).statusCode).toBe(401);
  });

  it("exports everything, or one project (which holds no RFS providers: they are the domain's)", async () => {
    const all = await exportJson();
    expect(all).toMatchObject({ format: 'versionary-snapshot', version: 1, project_id: null });
    expect(all.edge_apps).toHaveLength(2);
    expect(all.edge_app_versions).toHaveLength(4);
    expect(all.rfs_providers).toHaveLength(2);
    expect(all.rfs_providers.map((p: object) => Object.keys(p)[0])).toEqual(['domain_id', 'domain_id']);
    expect(all.rfs_providers.map((p: { domain_id: string }) => p.domain_id)).toEqual([DOMAIN_ID, DOMAIN_ID]);
    expect(all.rfs_providers.some((p: object) => 'project_id' in p)).toBe(false);
    expect(all.rfs_provider_versions).toHaveLength(4);
    expect(all.edge_app_versions[0].spec.container_settings).toEqual(VALID_VERSION.container_settings);
    const one = await exportJson(`?project_id=${other.id}`);
    expect(one.project_id).toBe(other.id);
    expect(one.edge_apps.map((a: { project_id: string }) => a.project_id)).toEqual([other.id]);
    expect(one.rfs_providers).toEqual([]);
    expect(one.rfs_provider_versions).toEqual([]);
  });

  it('restores exactly what was exported: export, reset, import', async () => {
    const before = await stored();
    const snapshot = await exportJson();
    const reset = await admin('POST', '/_versionary/reset');
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ deleted: { edge_apps: 2, rfs_providers: 2 } });
    expect(await stored()).toEqual({ apps: [], versions: [], providers: [] });
    expect((await s.opened.store.db.selectFrom('users').select('name').execute()).length).toBeGreaterThan(0);

    const res = await admin('POST', '/_versionary/import', JSON.stringify(snapshot));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      imported: { edge_apps: 2, edge_app_versions: 4, rfs_providers: 2, rfs_provider_versions: 4 },
    });
    expect(await stored()).toEqual(before);
    const again = await exportJson();
    expect({ ...again, exported_at: null }).toEqual({ ...snapshot, exported_at: null });
    const shown = await iotedge(s, token).showVersion('snap-app', '1.0.0');
    expect(shown.json().state).toBe('PUBLISHED');
  });

  it("loads a snapshot of an earlier release, whose providers name their project, into the project's domain", async () => {
    const snapshot = await exportJson();
    const earlier = (project: string) => ({
      ...snapshot,
      rfs_providers: snapshot.rfs_providers.map(({ domain_id: _d, ...p }: { domain_id: string }, i: number) => ({
        project_id: i === 0 ? PROJECT_ID : project,
        ...p,
      })),
    });
    const before = await stored();
    for (const project of [PROJECT_ID, other.id]) {
      expect((await admin('POST', '/_versionary/reset')).statusCode).toBe(200);
      const res = await admin('POST', '/_versionary/import', JSON.stringify(earlier(project)));
      expect(res.statusCode, res.body).toBe(200);
      expect(await stored()).toEqual(before);
      expect({ ...(await exportJson()), exported_at: null }).toEqual({ ...snapshot, exported_at: null });
    }
    // Of one project, as an earlier release exported it: its providers join the domain's.
    const ofProject = await exportJson(`?project_id=${PROJECT_ID}`);
    const mine = snapshot.rfs_providers.find((p: { provider_name: string }) => p.provider_name === 'snap-provider');
    const { domain_id: _d, ...old } = mine;
    const versions = snapshot.rfs_provider_versions.filter(
      (v: { provider_id: string }) => v.provider_id === mine.provider_id,
    );
    expect((await admin('POST', '/_versionary/reset')).statusCode).toBe(200);
    const loaded = await admin(
      'POST',
      '/_versionary/import',
      JSON.stringify({
        ...ofProject,
        rfs_providers: [{ ...old, project_id: PROJECT_ID }],
        rfs_provider_versions: versions,
      }),
    );
    expect(loaded.statusCode, loaded.body).toBe(200);
    expect((await exportJson()).rfs_providers).toEqual([mine]);
    const again = await admin(
      'POST',
      '/_versionary/import?mode=replace',
      JSON.stringify({
        ...ofProject,
        rfs_providers: [{ ...old, project_id: PROJECT_ID }],
        rfs_provider_versions: versions,
      }),
    );
    expect(again.statusCode).toBe(409);
    expect(again.json().error_msg).toContain(
      "rfs_providers[0..0]: a record already exists (the snapshot holds it twice, or another domain has this id; RFS providers belong to the domain, which a project's replace keeps: reset the domain first)",
    );
    expect((await admin('POST', '/_versionary/reset')).statusCode).toBe(200);
    expect((await admin('POST', '/_versionary/import', JSON.stringify(snapshot))).statusCode).toBe(200);
    expect(await stored()).toEqual(before);
  });

  it('refuses one name twice in a domain, as two projects of an earlier release could hold it, writing nothing', async () => {
    const snapshot = await exportJson();
    const [a, b] = snapshot.rfs_providers.map(({ domain_id: _d, ...p }: { domain_id: string }) => p);
    const before = await stored();
    const twice = {
      ...snapshot,
      rfs_providers: [
        { ...a, project_id: PROJECT_ID },
        { ...b, provider_name: a.provider_name, project_id: other.id },
      ],
    };
    const res = await admin('POST', '/_versionary/import?mode=replace', JSON.stringify(twice));
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error_msg).toContain(
      `rfs_providers[1].provider_name: provider ${a.provider_name} is also rfs_providers[0] in domain ${DOMAIN_ID}; provider names are unique per domain`,
    );
    const both = await admin(
      'POST',
      '/_versionary/import?mode=replace',
      JSON.stringify({
        ...snapshot,
        rfs_providers: [a, b].map((p) => ({ ...p, project_id: PROJECT_ID, domain_id: DOMAIN_ID })),
      }),
    );
    expect(both.statusCode).toBe(400);
    expect(both.json().error_msg).toContain(
      'rfs_providers[0]: a provider names its domain_id (or, in a snapshot of an earlier release, its project_id), not both',
    );
    expect(await stored()).toEqual(before);
  });

  it("resets one project only, keeping the domain's RFS providers", async () => {
    const providers = (await exportJson()).rfs_providers;
    const res = await admin('POST', `/_versionary/reset?project_id=${other.id}`);
    expect(res.json()).toEqual({ deleted: { edge_apps: 1, rfs_providers: 0 } });
    const after = await exportJson();
    expect(after.edge_apps.map((a: { project_id: string }) => a.project_id)).toEqual([PROJECT_ID]);
    expect(after.rfs_providers).toEqual(providers);
  });

  it('refuses records that already exist unless mode=replace, atomically', async () => {
    const snapshot = await exportJson(`?project_id=${PROJECT_ID}`);
    const before = await stored();
    const conflict = await admin('POST', '/_versionary/import', JSON.stringify(snapshot));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error_msg).toContain('edge_apps');
    expect(await stored()).toEqual(before);
    const replaced = await admin('POST', '/_versionary/import?mode=replace', JSON.stringify(snapshot));
    expect(replaced.statusCode).toBe(200);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['not JSON', '{"format":', 400, 'not valid JSON'],
    ['another format', JSON.stringify({ format: 'other', version: 1, edge_apps: [] }), 400, 'not a snapshot'],
    ['a bad record', null, 400, 'edge_app_versions[1]'],
    ['a bad version spec', null, 400, 'image_url'],
    ['a version of a missing app', null, 400, 'refers to an app or provider'],
  ])('refuses %s and writes nothing', async (what, body, status, mention) => {
    const base = await exportJson(`?project_id=${PROJECT_ID}`);
    await admin('POST', `/_versionary/reset`);
    let payload = body;
    if (what === 'a bad record')
      payload = JSON.stringify({
        ...base,
        edge_app_versions: [base.edge_app_versions[0], { ...base.edge_app_versions[1], state: 'GONE' }],
      });
    if (what === 'a bad version spec') {
      const bad = {
        ...base.edge_app_versions[1],
        spec: { ...base.edge_app_versions[1].spec, container_settings: { image_url: 42 } },
      };
      payload = JSON.stringify({ ...base, edge_app_versions: [base.edge_app_versions[0], bad] });
    }
    if (what === 'a version of a missing app')
      payload = JSON.stringify({ ...base, edge_apps: [], edge_app_versions: base.edge_app_versions });
    const res = await admin('POST', '/_versionary/import', payload!);
    expect(res.statusCode).toBe(status);
    expect(res.json().error_msg).toContain(mention);
    expect(await stored()).toEqual({ apps: [], versions: [], providers: [] });
    expect((await admin('POST', '/_versionary/import', JSON.stringify(base))).statusCode).toBe(200);
  });

  it('answers 413 for a snapshot over the import limit', async () => {
    const big = JSON.stringify({
      format: 'versionary-snapshot',
      version: 1,
      edge_apps: [],
      pad: 'x'.repeat(1024 * 1024 + 10),
    });
    const res = await admin('POST', '/_versionary/import', big);
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe('APIGW.0201');
  });
});
