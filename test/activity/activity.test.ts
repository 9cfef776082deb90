import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import {
  ACCESS_KEY,
  BOOTSTRAP_ENV,
  PROJECT_ID,
  SECRET_KEY,
  adminToken,
  passwordBody,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { iotedge, VALID_VERSION } from '../helpers/iotedge.js';
import { rfs, URN } from '../helpers/rfs.js';
import { iotedgeClient, sdkClient } from '../helpers/sdk.js';
import { insertActivity } from '../../src/store/db.js';
import type { NewActivity } from '../../src/store/types.js';
import { ActivityRepo } from '../../src/activity/repo.js';
import { ActivityService, PRUNE_BATCH } from '../../src/activity/service.js';
import { startRetention } from '../../src/activity/retention.js';
import type { Logger } from 'pino';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const PROJECT_B = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

interface Item {
  time: string;
  request_id: string;
  domain_id: string;
  project_id: string | null;
  user_id: string;
  user_name: string;
  access_key: string | null;
  operation: string;
  method: string;
  resource: string;
  status: number;
  error_code: string | null;
  outcome: 'success' | 'failure';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)('the activity trail on %s', (kind) => {
  let s: TestServer;
  let token: string;
  let adminId: string;

  const tokenOf = async (body: object) => {
    const res = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.headers['x-subject-token'] as string;
  };
  const trail = (query = '', t = token) =>
    s.app.inject({ method: 'GET', url: `/_versionary/activity${query}`, headers: { 'x-auth-token': t } });
  const all = async (query = ''): Promise<Item[]> => {
    const res = await trail(`?limit=500${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().activity;
  };
  /** The rows of these requests (a failure is recorded just after its answer). */
  const rowsOf = async (...responses: LightMyRequestResponse[]): Promise<Item[]> => {
    const ids = responses.map((r) => r.headers['x-request-id'] as string);
    for (let i = 0; ; i++) {
      const rows = (await all()).filter((r) => ids.includes(r.request_id));
      if (rows.length >= ids.length || i === 50) return ids.flatMap((id) => rows.filter((r) => r.request_id === id));
      await sleep(20);
    }
  };
  /** None of these requests has a row, a moment after its answer. */
  const expectNoRows = async (...responses: LightMyRequestResponse[]) => {
    await sleep(100);
    const ids = responses.map((r) => r.headers['x-request-id'] as string);
    expect((await all()).filter((r) => ids.includes(r.request_id))).toEqual([]);
  };
  const rowOf = async (res: LightMyRequestResponse): Promise<Item> => {
    const rows = await rowsOf(res);
    expect(rows, `one row for ${res.headers['x-request-id']}`).toHaveLength(1);
    return rows[0]!;
  };

  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    adminId = (await s.opened.iam.listUsers()).find((u) => u.name === 'admin')!.id;
  });
  afterAll(async () => s.close());

  it('records every IoTEdge change with its caller, operation, resource and status', async () => {
    const api = iotedge(s, token);
    const app = `${api.base}/trail-app`;
    const version = `${app}/versions/1.0.0`;
    const calls: [LightMyRequestResponse, string, string, number][] = [];
    const expectCall = async (res: Promise<LightMyRequestResponse>, op: string, path: string, status: number) => {
      const r = await res;
      expect(r.statusCode, r.body).toBe(status);
      calls.push([r, op, path, status]);
    };
    await expectCall(api.createApp({ edge_app_id: 'trail-app' }), 'CreateEdgeApp', api.base, 201);
    await expectCall(
      api.createVersion('trail-app', VALID_VERSION),
      'CreateEdgeApplicationVersion',
      `${app}/versions`,
      201,
    );
    await expectCall(
      api.updateVersion('trail-app', '1.0.0', { description: 'x' }),
      'UpdateEdgeApplicationVersion',
      version,
      200,
    );
    await expectCall(
      api.setState('trail-app', '1.0.0', 'PUBLISHED'),
      'UpdateEdgeApplicationVersionState',
      `${version}/state`,
      200,
    );
    await expectCall(api.deleteVersion('trail-app', '1.0.0'), 'DeleteEdgeApplicationVersion', version, 403);
    await expectCall(
      api.setState('trail-app', '1.0.0', 'OFF_SHELF'),
      'UpdateEdgeApplicationVersionState',
      `${version}/state`,
      200,
    );
    await expectCall(api.deleteVersion('trail-app', '1.0.0'), 'DeleteEdgeApplicationVersion', version, 204);
    await expectCall(api.createApp({ edge_app_id: 'bad id!' }), 'CreateEdgeApp', api.base, 400);
    await expectCall(api.deleteApp('trail-app'), 'DeleteEdgeApp', app, 204);
    // Reads are not recorded.
    const read = await api.listApps();
    await expectNoRows(read);

    for (const [res, operation, resource, status] of calls) {
      const row = await rowOf(res);
      const failed = status >= 400;
      expect(row).toEqual({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        request_id: res.headers['x-request-id'],
        domain_id: s.opened.bootstrap!.domain.id,
        project_id: PROJECT_ID,
        user_id: adminId,
        user_name: 'admin',
        access_key: null,
        operation,
        method: res.raw.req.method,
        resource,
        status,
        error_code: failed ? res.json().error_code : null,
        outcome: failed ? 'failure' : 'success',
      });
    }
    const refused = calls.find(([, , , status]) => status === 403)![0];
    expect((await rowOf(refused)).error_code).toBe('IoTEdge.02100605');
    expect((await rowOf(calls.find(([, , , st]) => st === 400)![0])).error_code).toMatch(/^IoTEdge\./);
  });

  it('records every RFS change on the domain, and its refusals', async () => {
    const api = rfs(s, token);
    const base = '/v1/private-providers';
    const body = { provider_name: 'trail', provider_version: '1.0.0', function_graph_urn: URN };
    const created = await api.createProvider(body);
    const twice = await api.createProvider(body);
    const updated = await api.updateProvider('trail', { provider_description: 'd' });
    const version = await api.createVersion('trail', { provider_version: '1.1.0', function_graph_urn: URN });
    const badVersion = await api.createVersion('trail', { provider_version: 'not semver', function_graph_urn: URN });
    const versionGone = await api.deleteVersion('trail', '1.1.0');
    const deleted = await api.deleteProvider('trail');
    const noHeader = await api.raw('DELETE', `${base}/trail`, undefined, { 'client-request-id': '' });
    expect(
      [created, twice, updated, version, badVersion, versionGone, deleted, noHeader].map((r) => r.statusCode),
    ).toEqual([201, 409, 204, 201, 400, 204, 204, 400]);
    const rows = await rowsOf(created, twice, updated, version, badVersion, versionGone, deleted, noHeader);
    expect(rows.map((r) => [r.operation, r.method, r.resource, r.status, r.error_code, r.project_id])).toEqual([
      ['CreatePrivateProvider', 'POST', base, 201, null, null],
      ['CreatePrivateProvider', 'POST', base, 409, 'RF.10015001', null],
      ['UpdatePrivateProviderMetadata', 'PATCH', `${base}/trail/metadata`, 204, null, null],
      ['CreatePrivateProviderVersion', 'POST', `${base}/trail/versions`, 201, null, null],
      ['CreatePrivateProviderVersion', 'POST', `${base}/trail/versions`, 400, badVersion.json().error_code, null],
      ['DeletePrivateProviderVersion', 'DELETE', `${base}/trail/versions/1.1.0`, 204, null, null],
      ['DeletePrivateProvider', 'DELETE', `${base}/trail`, 204, null, null],
      ['DeletePrivateProvider', 'DELETE', `${base}/trail`, 400, noHeader.json().error_code, null],
    ]);
    expect(badVersion.json().error_code).toMatch(/^RF\./);
  });

  it('records project creation and admin import and reset, but no token issue', async () => {
    const project = await s.app.inject({
      method: 'POST',
      url: '/v3/projects',
      headers: { 'x-auth-token': token },
      payload: { project: { name: 'cn-trail-1' } },
    });
    expect(project.statusCode, project.body).toBe(201);
    const issued = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody() });
    const badLogin = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ password: 'wrong-password-1' }),
    });
    const admin = (method: 'POST', url: string, payload?: string) =>
      s.app.inject({
        method,
        url,
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        ...(payload ? { payload } : {}),
      });
    const snapshot = {
      format: 'versionary-snapshot',
      version: 1,
      edge_apps: [],
      edge_app_versions: [],
      rfs_providers: [],
      rfs_provider_versions: [],
    };
    const imported = await admin('POST', '/_versionary/import?mode=add', JSON.stringify(snapshot));
    const refused = await admin('POST', '/_versionary/import', JSON.stringify({ ...snapshot, activity: [] }));
    const reset = await admin('POST', `/_versionary/reset?project_id=${PROJECT_ID}`);
    expect([imported.statusCode, refused.statusCode, reset.statusCode]).toEqual([200, 400, 200]);
    const rows = await rowsOf(project, imported, refused, reset);
    expect(rows.map((r) => [r.operation, r.resource, r.status, r.error_code, r.project_id])).toEqual([
      ['KeystoneCreateProject', '/v3/projects', 201, null, null],
      ['ImportSnapshot', '/_versionary/import', 200, null, null],
      ['ImportSnapshot', '/_versionary/import', 400, refused.json().error_code, null],
      ['ResetData', '/_versionary/reset', 200, null, null],
    ]);
    await expectNoRows(issued, badLogin);
    expect(await all('&operation=KeystoneCreateUserTokenByPassword')).toEqual([]);
  });

  it('records an AK/SK caller with its access key id', async () => {
    const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    {
      const sdk = iotedgeClient(sdkClient(url, { ak: ACCESS_KEY, sk: SECRET_KEY, projectId: PROJECT_ID }));
      const created = await sdk.createEdgeApp({ edge_app_id: 'signed-app' });
      expect(created.httpStatusCode).toBe(201);
      const deleted = await sdk.deleteEdgeApp('signed-app');
      expect(deleted.httpStatusCode).toBe(204);
      const rows = await all('&operation=DeleteEdgeApp');
      expect(rows.find((r) => r.resource.endsWith('/signed-app'))).toMatchObject({
        user_name: 'admin',
        user_id: adminId,
        access_key: ACCESS_KEY,
        project_id: PROJECT_ID,
        status: 204,
      });
    }
  });

  it('stores no success for a change that rolled back', async () => {
    const api = iotedge(s, token);
    // The same app created five times at once: one insert wins, the others fail on the unique key.
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => api.createApp({ edge_app_id: 'raced-app' })));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses.filter((st) => st === 201)).toHaveLength(1);
    const rows = await rowsOf(...answers);
    expect(rows.map((r) => r.status).sort()).toEqual(statuses);
    for (const [n, r] of rows.entries()) {
      expect(r.error_code).toBe(answers[n]!.statusCode === 201 ? null : answers[n]!.json().error_code);
      if (r.status !== 201) expect(r.error_code).toMatch(/^IoTEdge\./);
    }

    const entry = (request_id: string): NewActivity => ({
      at: new Date().toISOString(),
      request_id,
      domain_id: s.opened.bootstrap!.domain.id,
      project_id: null,
      user_id: adminId,
      user_name: 'admin',
      access_key: null,
      operation: 'Test',
      method: 'POST',
      resource: '/test',
      status: 200,
      error_code: null,
    });
    const store = s.opened.store;
    await expect(
      store.transact(async (trx) => {
        await insertActivity(trx, entry('inside-rolled-back'));
        throw new Error('refused');
      }, entry('rolled-back')),
    ).rejects.toThrow('refused');
    // A transaction PostgreSQL aborts for a conflict runs again: its row is stored once.
    let attempts = 0;
    const retried = store.transact(async () => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('conflict'), { code: '40001' });
    }, entry('retried'));
    if (kind === 'postgres') await retried;
    else await expect(retried).rejects.toThrow('conflict');
    const stored = await store.db
      .selectFrom('activity')
      .select('request_id')
      .where('request_id', 'in', ['inside-rolled-back', 'rolled-back', 'retried'])
      .execute();
    expect(stored.map((r) => r.request_id)).toEqual(kind === 'postgres' ? ['retried'] : []);
    expect(attempts).toBe(kind === 'postgres' ? 2 : 1);
  });

  it('shows an administrator its domain, any other user its project, and refuses bad queries', async () => {
    await s.opened.iam.createDomain({ name: 'acme' });
    await s.opened.iam.createProject({ name: 'acme-east', id: PROJECT_B, domain: 'acme' });
    await s.opened.iam.createUser({ name: 'boss', password: 'boss-password-1', admin: true, domain: 'acme' });
    await s.opened.iam.createUser({ name: 'plain', password: 'plain-password-1' });
    const boss = await tokenOf(
      passwordBody({ user: 'boss', password: 'boss-password-1', domain: 'acme', project: 'acme-east' }),
    );
    const plain = await tokenOf(passwordBody({ user: 'plain', password: 'plain-password-1' }));
    const plainDomain = await tokenOf(
      passwordBody({ user: 'plain', password: 'plain-password-1', scopeDomain: 'default' }),
    );

    const mine = await iotedge(s, boss, PROJECT_B).createApp({ edge_app_id: 'acme-app' });
    expect(mine.statusCode).toBe(201);
    const theirs = await iotedge(s, boss, PROJECT_ID).createApp({ edge_app_id: 'sneaky' });
    expect(theirs.statusCode).toBe(403);
    for (let i = 0; i < 50 && (await trail('', boss)).json().activity.length < 2; i++) await sleep(20);

    const bossRows: Item[] = (await trail('?limit=500', boss)).json().activity;
    expect(bossRows.map((r) => [r.user_name, r.status])).toEqual([
      ['boss', 403],
      ['boss', 201],
    ]);
    expect(bossRows[0]!.error_code).toBe('APIGW.0302');
    expect((await all()).some((r) => r.user_name === 'boss')).toBe(false);
    // The refusal is recorded in the project the credential acts in, not the one it named.
    expect(bossRows.map((r) => r.project_id)).toEqual([PROJECT_B, PROJECT_B]);
    expect((await trail(`?project_id=${PROJECT_B}&outcome=success`, boss)).json().activity).toHaveLength(1);

    for (const [res, status, code] of [
      [await trail(`?project_id=${PROJECT_ID}`, boss), 404, 'IAM.0003'],
      [await trail(`?project_id=${PROJECT_B}`), 404, 'IAM.0003'],
      [await trail(`?project_id=${PROJECT_B}`, plain), 403, 'APIGW.0302'],
      [await trail('', plainDomain), 403, 'APIGW.0302'],
      [await trail('?limit=0'), 400, 'IAM.0001'],
      [await trail('?limit=501'), 400, 'IAM.0001'],
      [await trail('?outcome=maybe'), 400, 'IAM.0001'],
      [await trail('?projectid=x'), 400, 'IAM.0001'],
      [await trail('?marker=bm90IGEgbWFya2Vy'), 400, 'IAM.0001'],
      [await trail('', 'not-a-token'), 401, 'APIGW.0301'],
    ] as const) {
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error_code).toBe(code);
    }

    await iotedge(s, plain).createApp({ edge_app_id: 'plain-app' });
    const plainRows: Item[] = (await trail('?limit=500', plain)).json().activity;
    expect(plainRows.length).toBeGreaterThan(0);
    expect(plainRows.every((r) => r.project_id === PROJECT_ID && r.domain_id === s.opened.bootstrap!.domain.id)).toBe(
      true,
    );
    expect(plainRows.map((r) => r.user_name)).toContain('plain');
    expect((await trail(`?project_id=${PROJECT_ID}&user=plain`, plain)).json().activity).toHaveLength(1);

    // Filters.
    const failures = await all('&outcome=failure');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((r) => r.status >= 400 && r.outcome === 'failure')).toBe(true);
    expect((await all('&outcome=success')).every((r) => r.status < 400)).toBe(true);
    // A failure is stored after its answer, so it may follow the next call's success: compare as sets.
    expect((await all('&resource=/v1/private-providers/trail/versions')).map((r) => r.status).sort()).toEqual([
      201, 204, 400,
    ]);
    expect((await all(`&user=${adminId}&operation=CreatePrivateProvider`)).map((r) => r.status).sort()).toEqual([
      201, 409,
    ]);
  });

  it('walks every row once, newest first, page by page', async () => {
    const everything = await all();
    expect(everything.length).toBeGreaterThan(20);
    const walked: Item[] = [];
    let marker: string | null = null;
    do {
      const res = await trail(`?limit=7${marker ? `&marker=${marker}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.page_info.current_count).toBe(page.activity.length);
      walked.push(...page.activity);
      marker = page.page_info.next_marker;
    } while (marker);
    expect(walked).toEqual(everything);
  });

  it('is listed by the command line, as JSON and as a table', () => {
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [CLI, 'admin', 'activity', ...args, '--data-dir', s.backend.dataDir, '--database', s.backend.database],
        { encoding: 'utf8', env: { ...process.env, ...BOOTSTRAP_ENV }, timeout: 30_000 },
      );
    const json = cli('--json', '--domain', 'acme', '--limit', '10');
    expect(json.status, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Item[];
    expect(rows.map((r) => [r.user_name, r.status])).toEqual([
      ['boss', 403],
      ['boss', 201],
    ]);
    const failures = cli('--json', '--outcome', 'failure', '--operation', 'CreatePrivateProvider');
    expect(JSON.parse(failures.stdout).map((r: Item) => r.error_code)).toEqual(['RF.10015001']);
    const table = cli('--user', 'boss', '--limit', '1');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^time\s+status\s+error\s+operation\s+user\s+project\s+resource$/);
    expect(table.stdout).toContain('APIGW.0302');
    expect(cli('--outcome', 'maybe').status).toBe(1);
  });
});

describe.each(BACKENDS)('activity retention on %s', (kind) => {
  let s: TestServer;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const DAY = 86_400_000;
  beforeAll(async () => {
    s = await startServer(kind, { clock });
  });
  afterAll(async () => s.close());

  const createApp = async (id: string) => {
    const res = await iotedge(s, await adminToken(s)).createApp({ edge_app_id: id });
    expect(res.statusCode).toBe(201);
  };
  const ids = async () =>
    (await s.opened.store.db.selectFrom('activity').select('resource').orderBy('id').execute()).map((r) => r.resource);

  it('deletes the rows older than the retention, in batches, and keeps the others', async () => {
    const service = new ActivityService(new ActivityRepo(s.opened.store.db, s.opened.store.transact));
    await createApp('old-app');
    // More old rows than one batch deletes.
    const old = Array.from({ length: PRUNE_BATCH + 500 }, (_, n) => ({
      at: new Date(clock.now() - DAY).toISOString(),
      request_id: `old-${n}`,
      domain_id: 'd',
      project_id: null,
      user_id: 'u',
      user_name: 'n',
      access_key: null,
      operation: 'Old',
      method: 'POST',
      resource: '/old',
      status: 200,
      error_code: null,
    }));
    for (let i = 0; i < old.length; i += 250)
      await s.opened.store.transact((trx) =>
        trx
          .insertInto('activity')
          .values(old.slice(i, i + 250))
          .execute(),
      );
    offset = 20 * DAY;
    await createApp('newer-app');
    offset = 35 * DAY;
    expect(await service.prune(0, clock)).toBe(0);
    expect(await service.prune(30, clock)).toBe(old.length + 1);
    expect(await ids()).toEqual([`/v2/${PROJECT_ID}/edge-apps`]);
  });

  it('is pruned by the serving process at start', async () => {
    const logs: string[] = [];
    const logger = { info: (o: object) => logs.push(JSON.stringify(o)), warn: () => {} } as unknown as Logger;
    offset = 70 * DAY;
    const service = new ActivityService(new ActivityRepo(s.opened.store.db, s.opened.store.transact));
    const stop = startRetention(service, 30, clock, logger);
    await stop();
    expect(await ids()).toEqual([]);
    expect(logs).toEqual([JSON.stringify({ deleted: 1, days: 30 })]);
  });
});
