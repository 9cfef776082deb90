import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, DOMAIN_ID, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';

/** The admin API of one domain's administrator never reads, deletes or writes another domain's data. */
describe.each(BACKENDS)('admin API walls between domains on %s', (kind) => {
  let s: TestServer;
  let tokenA: string;
  let tokenB: string;
  let domainB: { id: string; name: string };
  const PROJECT_B = 'acme-project-0001';
  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: string) =>
    s.app.inject({
      method,
      url,
      headers: { 'x-auth-token': token, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      payload,
    });
  const stored = async () => ({ iot: await iotedgeSnapshot(s), rfs: await rfsSnapshot(s) });
  const exportOf = async (token: string, query = '') => {
    const res = await call(token, 'GET', `/_versionary/export${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    s = await startServer(kind);
    tokenA = await adminToken(s);
    domainB = await s.opened.iam.createDomain({ name: 'acme' });
    await s.opened.iam.createProject({ name: 'acme-east', id: PROJECT_B, domain: 'acme' });
    await s.opened.iam.createUser({ name: 'boss', password: 'boss-password-1', admin: true, domain: 'acme' });
    const res = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user: 'boss', password: 'boss-password-1', domain: 'acme', project: 'acme-east' }),
    });
    expect(res.statusCode, res.body).toBe(201);
    tokenB = res.headers['x-subject-token'] as string;
    for (const [token, project, app] of [
      [tokenA, PROJECT_ID, 'a-app'],
      [tokenB, PROJECT_B, 'b-app'],
    ] as const) {
      expect((await iotedge(s, token, project).createApp({ edge_app_id: app })).statusCode).toBe(201);
      expect((await iotedge(s, token, project).createVersion(app, VALID_VERSION)).statusCode).toBe(201);
      expect(
        (
          await rfs(s, token).createProvider({
            provider_name: `${app}-provider`,
            provider_version: '1.0.0',
            function_graph_urn: URN,
          })
        ).statusCode,
      ).toBe(201);
    }
  });
  afterAll(async () => s.close());

  it("exports only the caller's domain, and answers another domain's project as a missing one", async () => {
    const mine = await exportOf(tokenB);
    expect(mine.domain_id).toBe(domainB.id);
    expect(mine.edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual(['b-app']);
    expect(mine.edge_app_versions.map((v: { project_id: string }) => v.project_id)).toEqual([PROJECT_B]);
    expect(mine.rfs_providers.map((p: { provider_name: string }) => p.provider_name)).toEqual(['b-app-provider']);
    expect(mine.rfs_provider_versions).toHaveLength(1);
    for (const project of [PROJECT_ID, 'no-such-project']) {
      const res = await call(tokenB, 'GET', `/_versionary/export?project_id=${project}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error_code: 'IAM.0003',
        error_msg: `The resource could not be found. project ${project} does not exist in your domain`,
      });
    }
    expect((await exportOf(tokenA)).edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual(['a-app']);
  });

  it("cannot reset another domain's project, and a reset without one empties only its own domain", async () => {
    const before = await stored();
    const res = await call(tokenB, 'POST', `/_versionary/reset?project_id=${PROJECT_ID}`);
    expect(res.statusCode).toBe(404);
    expect(await stored()).toEqual(before);
    const snapshotB = await exportOf(tokenB);
    const reset = await call(tokenB, 'POST', '/_versionary/reset');
    expect(reset.json()).toEqual({ deleted: { edge_apps: 1, rfs_providers: 1 } });
    const after = await stored();
    expect(after.iot.apps.map((a) => a.edge_app_id)).toEqual(['a-app']);
    expect(after.rfs.providers.map((p) => p.provider_name)).toEqual(['a-app-provider']);
    expect((await call(tokenB, 'POST', '/_versionary/import', JSON.stringify(snapshotB))).statusCode).toBe(200);
    expect(await stored()).toEqual(before);
  });

  it("refuses a snapshot that names another domain, another domain's project, or one that does not exist, whole", async () => {
    const snapshotA = await exportOf(tokenA);
    const snapshotB = await exportOf(tokenB);
    const before = await stored();
    // A provider record of an earlier release names its project instead of its domain.
    const { domain_id: _d, ...providerB } = snapshotB.rfs_providers[0];
    const cases = [
      { body: snapshotA, mode: 'add', says: 'edge_apps[0].project_id: project ' },
      { body: snapshotA, mode: 'replace', says: 'edge_apps[0].project_id: project ' },
      { body: { ...snapshotB, project_id: PROJECT_ID }, mode: 'replace', says: 'project_id: project ' },
      {
        body: { ...snapshotB, rfs_providers: [{ ...providerB, project_id: 'no-such-project' }] },
        mode: 'replace',
        says: 'rfs_providers[0].project_id: project ',
      },
      {
        body: { ...snapshotB, rfs_providers: [{ ...providerB, project_id: PROJECT_ID }] },
        mode: 'add',
        says: 'rfs_providers[0].project_id: project ',
      },
      {
        body: { ...snapshotB, edge_apps: [...snapshotB.edge_apps, { ...snapshotA.edge_apps[0] }] },
        mode: 'replace',
        says: 'edge_apps[1].project_id: project ',
      },
      {
        body: { ...snapshotB, rfs_providers: [{ ...providerB, domain_id: DOMAIN_ID }] },
        mode: 'add',
        says: `rfs_providers[0].domain_id: domain ${DOMAIN_ID} is not the domain ${domainB.id}`,
      },
      {
        body: { ...snapshotB, rfs_providers: [{ ...providerB, domain_id: 'no-such-domain' }] },
        mode: 'replace',
        says: `rfs_providers[0].domain_id: domain no-such-domain is not the domain ${domainB.id}`,
      },
      {
        body: { ...snapshotB, rfs_providers: [...snapshotB.rfs_providers, { ...snapshotA.rfs_providers[0] }] },
        mode: 'replace',
        says: `rfs_providers[1].domain_id: domain ${DOMAIN_ID} is not`,
      },
    ];
    for (const { body, mode, says } of cases) {
      const res = await call(tokenB, 'POST', `/_versionary/import?mode=${mode}`, JSON.stringify(body));
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain(says);
      expect(await stored()).toEqual(before);
    }
  });

  it('refuses parameters it does not know, changing nothing', async () => {
    const before = await stored();
    for (const [method, url] of [
      ['POST', `/_versionary/reset?projectid=${PROJECT_B}`],
      ['POST', `/_versionary/reset?PROJECT_ID=${PROJECT_B}`],
      ['POST', `/_versionary/reset?project_id[]=${PROJECT_B}`],
      ['GET', `/_versionary/export?projectId=${PROJECT_B}`],
      ['POST', `/_versionary/import?mode=replace&project_id=${PROJECT_B}`],
    ] as const) {
      const res = await call(
        tokenB,
        method,
        url,
        method === 'POST' && url.includes('import') ? JSON.stringify(await exportOf(tokenB)) : undefined,
      );
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error_msg).toContain('is not a known parameter');
    }
    expect(await stored()).toEqual(before);
  });

  it("refuses versions added to another domain's provider", async () => {
    const a = await exportOf(tokenA);
    const b = await exportOf(tokenB);
    const before = await stored();
    const intruder = { ...a.rfs_provider_versions[0], provider_version: '6.6.6' };
    const res = await call(
      tokenB,
      'POST',
      '/_versionary/import',
      JSON.stringify({
        ...b,
        edge_apps: [],
        edge_app_versions: [],
        rfs_providers: [],
        rfs_provider_versions: [intruder],
      }),
    );
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error_msg).toContain(
      `rfs_provider_versions[0].provider_id: provider ${intruder.provider_id} is neither in the snapshot nor in the store`,
    );
    expect(await stored()).toEqual(before);
  });

  it('runs replace imports sent at once one after another: each succeeds, the data is the snapshot', async () => {
    const b = await exportOf(tokenB);
    const before = await stored();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => call(tokenB, 'POST', '/_versionary/import?mode=replace', JSON.stringify(b))),
    );
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(await stored()).toEqual(before);
  });

  it("replace deletes only the caller's domain, whatever scope the snapshot claims", async () => {
    const b = await exportOf(tokenB);
    const before = await stored();
    for (const header of [
      { domain_id: null, project_id: null },
      { domain_id: 'some-other-domain', project_id: null },
    ]) {
      const res = await call(tokenB, 'POST', '/_versionary/import?mode=replace', JSON.stringify({ ...b, ...header }));
      expect(res.statusCode, res.body).toBe(200);
      expect(await stored()).toEqual(before);
    }
    const emptied = await call(
      tokenB,
      'POST',
      '/_versionary/import?mode=replace',
      JSON.stringify({ ...b, edge_apps: [], edge_app_versions: [], rfs_providers: [], rfs_provider_versions: [] }),
    );
    expect(emptied.statusCode).toBe(200);
    const after = await stored();
    expect(after.iot.apps.map((x) => x.edge_app_id)).toEqual(['a-app']);
    expect(after.iot.versions).toEqual(before.iot.versions.filter((v) => v.project_id === PROJECT_ID));
    expect(after.rfs.providers).toEqual(before.rfs.providers.filter((p) => p.domain_id === DOMAIN_ID));
    expect(after.rfs.versions).toEqual(
      before.rfs.versions.filter((v) => v.provider_id === after.rfs.providers[0]!.provider_id),
    );
    expect((await call(tokenB, 'POST', '/_versionary/import', JSON.stringify(b))).statusCode).toBe(200);
  });
});
