import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, startServer, PROJECT_ID, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, VALID_VERSION } from '../helpers/iotedge.js';

describe.each(BACKENDS)('IoTEdge edge apps on %s', (kind) => {
  let s: TestServer;
  let api: ReturnType<typeof iotedge>;
  // The server's clock: the real time unless a test sets it.
  let at: number | undefined;
  beforeAll(async () => {
    s = await startServer(kind, { clock: { now: () => at ?? Date.now() } });
    api = iotedge(s, await adminToken(s));
  });
  afterAll(async () => s.close());

  it('creates an app: 201 with defaults filled and unset fields omitted', async () => {
    const res = await api.createApp({ edge_app_id: 'test-app', description: 'this is a test app', unknown_field: 1 });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    const app = res.json();
    expect(app).toEqual({
      edge_app_id: 'test-app',
      description: 'this is a test app',
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      update_time: app.create_time,
      app_type: 'USER',
      function_type: 'DATA_PROCESSING',
    });
    const shown = await api.showApp('test-app');
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual(app);
  });

  it('stores and echoes every optional field, delivered_app only when given', async () => {
    const body = {
      edge_app_id: 'full_app-1',
      edge_app_name: '协议解析App',
      description: '说明，带标点。ok',
      function_type: 'PROTOCOL_PARSING',
      protocol: 'Modbus-TCP',
      delivered_app: false,
    };
    const res = await api.createApp(body);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject(body);
    expect((await api.showApp('full_app-1')).json()).toMatchObject(body);
  });

  it('refuses a second app with the same id in the project: 400 IoTEdge.02100601', async () => {
    await api.createApp({ edge_app_id: 'dup-app' });
    const before = await iotedgeSnapshot(s);
    const res = await api.createApp({ edge_app_id: 'dup-app', description: 'again' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'IoTEdge.02100601',
      error_msg: expect.stringContaining('The app has already existed.'),
    });
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  const long = (n: number, c = 'a') => c.repeat(n);
  it.each([
    ['edge_app_id missing', {}, 'IoTEdge.00000005', 'edge_app_id is required'],
    ['edge_app_id null', { edge_app_id: null }, 'IoTEdge.00000005', 'edge_app_id'],
    ['edge_app_id empty', { edge_app_id: '' }, 'IoTEdge.00000005', 'edge_app_id'],
    ['edge_app_id a number', { edge_app_id: 1234 }, 'IoTEdge.00000006', 'edge_app_id must be string'],
    ['edge_app_id too short', { edge_app_id: 'abc' }, 'IoTEdge.00000005', 'edge_app_id must NOT have fewer than 4'],
    ['edge_app_id too long', { edge_app_id: long(33) }, 'IoTEdge.00000005', 'edge_app_id must NOT have more than 32'],
    ['edge_app_id bad characters', { edge_app_id: 'has space' }, 'IoTEdge.00000005', 'edge_app_id must be'],
    ['edge_app_name too short', { edge_app_id: 'abcd', edge_app_name: 'abc' }, 'IoTEdge.00000005', 'edge_app_name'],
    ['edge_app_name too long', { edge_app_id: 'abcd', edge_app_name: long(65) }, 'IoTEdge.00000005', 'edge_app_name'],
    [
      'edge_app_name bad characters',
      { edge_app_id: 'abcd', edge_app_name: 'bad!name' },
      'IoTEdge.00000005',
      'edge_app_name must be',
    ],
    ['edge_app_name not a string', { edge_app_id: 'abcd', edge_app_name: 12345 }, 'IoTEdge.00000006', 'edge_app_name'],
    [
      'description too long',
      { edge_app_id: 'abcd', description: long(256) },
      'IoTEdge.00000005',
      'description must NOT have more than 255',
    ],
    [
      'description bad characters',
      { edge_app_id: 'abcd', description: 'a <b>' },
      'IoTEdge.00000005',
      'description must be',
    ],
    [
      'function_type outside the enum',
      { edge_app_id: 'abcd', function_type: 'NOPE' },
      'IoTEdge.00000005',
      'function_type must be one of DATA_PROCESSING',
    ],
    ['function_type not a string', { edge_app_id: 'abcd', function_type: 5 }, 'IoTEdge.00000006', 'function_type'],
    [
      'protocol outside the enum',
      { edge_app_id: 'abcd', protocol: 'modbus' },
      'IoTEdge.00000005',
      'protocol must be one of OPCUA',
    ],
    [
      'delivered_app not a boolean',
      { edge_app_id: 'abcd', delivered_app: 'yes' },
      'IoTEdge.00000006',
      'delivered_app must be boolean',
    ],
    ['a list body', [], 'IoTEdge.00000006', 'must be object'],
    ['a string body', 'abcd', 'IoTEdge.00000006', 'must be object'],
  ])('rejects %s and stores nothing', async (_what, body, code, mention) => {
    const before = await iotedgeSnapshot(s);
    const res = await s.app.inject({
      method: 'POST',
      url: api.base,
      headers: { 'x-auth-token': await adminToken(s), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe(code);
    expect(res.json().error_msg).toContain(mention);
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  it('rejects a body that is not JSON, and a missing body, with IoTEdge.00000006', async () => {
    const token = await adminToken(s);
    const broken = await s.app.inject({
      method: 'POST',
      url: api.base,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: '{"edge_app_id":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error_code).toBe('IoTEdge.00000006');
    const none = await s.app.inject({ method: 'POST', url: api.base, headers: { 'x-auth-token': token } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error_code).toBe('IoTEdge.00000006');
  });

  it.each([
    ['edge_app_id of 4 and 32 characters', [{ edge_app_id: 'a_-4' }, { edge_app_id: long(32, 'z') }]],
    [
      'every function_type',
      [
        'PROTOCOL_PARSING',
        'ON_PREMISE_INTEGRATION',
        'GATEWAY_MANAGER',
        'COMPOSITE_APPLICATION',
        'DATA_COLLECTION',
        'MODEL_INFERENCE',
      ].map((f, i) => ({ edge_app_id: `ft-${i}-app`, function_type: f })),
    ],
    ['null optional fields as absent', [{ edge_app_id: 'null-opt', description: null, protocol: null }]],
  ])('accepts %s', async (_what, bodies) => {
    for (const body of bodies) {
      const res = await api.createApp(body);
      expect(res.statusCode, JSON.stringify(body) + res.body).toBe(201);
      expect(res.json().description).toBeUndefined();
    }
  });

  it('answers 404 IoTEdge.02100602 for an unknown app', async () => {
    for (const res of [
      await api.showApp('no-such-app'),
      await api.deleteApp('no-such-app'),
      await api.listVersions('no-such-app'),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe('IoTEdge.02100602');
    }
  });

  describe('listing', () => {
    let list: ReturnType<typeof iotedge>;
    beforeAll(async () => {
      // A project of its own, so other tests' apps do not count.
      const project = await s.opened.iam.createProject({ name: `list-${kind}`, id: `list-project-${kind}` });
      const token = (
        await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody({ project: project.name }) })
      ).headers['x-subject-token'] as string;
      list = iotedge(s, token, project.id);
      // Distinct creation times in creation order, but for three equal ones: ties go by edge_app_id ascending.
      try {
        for (let i = 0; i < 25; i++) {
          at = i >= 1 && i <= 3 ? Date.UTC(2026, 0, 1) : Date.UTC(2026, 0, 2, 0, 0, i);
          const res = await list.createApp({
            edge_app_id: `app-${String(i).padStart(2, '0')}`,
            function_type: i % 5 === 0 ? 'PROTOCOL_PARSING' : 'DATA_PROCESSING',
            ...(i % 5 === 0 ? { protocol: 'OPCUA' } : {}),
          });
          expect(res.statusCode).toBe(201);
        }
      } finally {
        at = undefined;
      }
    });

    it('pages with count, page_info and a stable newest-first order', async () => {
      const first = (await list.listApps()).json();
      expect(first.count).toBe(25);
      expect(first.page_info).toEqual({ offset: 0, limit: 10 });
      expect(first.edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual([
        'app-24',
        'app-23',
        'app-22',
        'app-21',
        'app-20',
        'app-19',
        'app-18',
        'app-17',
        'app-16',
        'app-15',
      ]);
      const all = (await list.listApps('?limit=1000'))
        .json()
        .edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id);
      expect(all.slice(-4)).toEqual(['app-00', 'app-01', 'app-02', 'app-03']);
      expect(new Set(all).size).toBe(25);
      const one = (await list.listApps('?limit=1&offset=24')).json();
      expect(one).toMatchObject({ count: 25, page_info: { offset: 24, limit: 1 } });
      expect(one.edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual(['app-03']);
      const past = (await list.listApps('?offset=25')).json();
      expect(past).toEqual({ count: 25, page_info: { offset: 25, limit: 10 }, edge_apps: [] });
    });

    it.each([
      '?limit=0',
      '?limit=1001',
      '?limit=-1',
      '?limit=abc',
      '?offset=-1',
      '?offset=1000001',
      '?offset=1.5',
      '?app_type=OTHER',
      '?function_type=nope',
    ])('rejects %s with 400 IoTEdge.00000005', async (q) => {
      const res = await list.listApps(q);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe('IoTEdge.00000005');
      expect(res.json().error_msg).toMatch(/querystring (limit|offset|app_type|function_type)/);
    });

    it('filters by id substring (case-sensitive), app_type, function_type(s) and protocol', async () => {
      const ids = async (q: string) =>
        (await list.listApps(q))
          .json()
          .edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)
          .sort();
      expect(await ids('?edge_app_id=p-1&limit=100')).toEqual([
        'app-10',
        'app-11',
        'app-12',
        'app-13',
        'app-14',
        'app-15',
        'app-16',
        'app-17',
        'app-18',
        'app-19',
      ]);
      expect(await ids('?edge_app_id=APP')).toEqual([]);
      expect(await ids('?edge_app_id=%25')).toEqual([]);
      expect(await ids('?app_type=USER&limit=100')).toHaveLength(25);
      expect(await ids('?app_type=SYSTEM_REQUIRED')).toEqual([]);
      expect(await ids('?function_type=PROTOCOL_PARSING')).toEqual(['app-00', 'app-05', 'app-10', 'app-15', 'app-20']);
      expect(await ids('?function_types=PROTOCOL_PARSING&function_types=GATEWAY_MANAGER')).toHaveLength(5);
      expect(await ids('?function_types=PROTOCOL_PARSING,DATA_PROCESSING&limit=100')).toHaveLength(25);
      expect(await ids('?protocol=OPCUA')).toHaveLength(5);
      expect((await list.listApps('?function_type=PROTOCOL_PARSING')).json().count).toBe(5);
    });
  });

  it('deletes an app with its versions (204, empty body); the id can be used again', async () => {
    await api.createApp({ edge_app_id: 'gone-app' });
    expect((await api.createVersion('gone-app', VALID_VERSION)).statusCode).toBe(201);
    const res = await api.deleteApp('gone-app');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
    expect((await api.showApp('gone-app')).statusCode).toBe(404);
    const left = await s.opened.store.db
      .selectFrom('edge_app_versions')
      .select('version')
      .where('edge_app_id', '=', 'gone-app')
      .execute();
    expect(left).toEqual([]);
    expect((await api.createApp({ edge_app_id: 'gone-app' })).statusCode).toBe(201);
    expect((await api.listVersions('gone-app')).json().count).toBe(0);
  });

  it('refuses to delete an app while a version is published (403 IoTEdge.02100605)', async () => {
    await api.createApp({ edge_app_id: 'pub-app' });
    await api.createVersion('pub-app', VALID_VERSION);
    await api.setState('pub-app', '1.0.0', 'PUBLISHED');
    const before = await iotedgeSnapshot(s);
    const res = await api.deleteApp('pub-app');
    expect(res.statusCode).toBe(403);
    expect(res.json().error_code).toBe('IoTEdge.02100605');
    expect(await iotedgeSnapshot(s)).toEqual(before);
    await api.setState('pub-app', '1.0.0', 'OFF_SHELF');
    expect((await api.deleteApp('pub-app')).statusCode).toBe(204);
  });

  describe('tenancy', () => {
    it('answers 403 APIGW.0302 for a path project the token does not cover', async () => {
      const other = iotedge(s, await adminToken(s), 'someone-elses-project');
      const res = await other.listApps();
      expect(res.statusCode).toBe(403);
      expect(res.json().error_code).toBe('APIGW.0302');
      const placeholder = await s.app.inject({
        method: 'GET',
        url: '/v2/%7Bproject_id%7D/edge-apps',
        headers: { 'x-auth-token': await adminToken(s) },
      });
      expect(placeholder.statusCode).toBe(403);
    });

    it('keeps projects apart: the same id in two projects, neither visible from the other', async () => {
      const p2 = await s.opened.iam.createProject({ name: `tenant-${kind}`, id: `tenant-two-${kind}` });
      const token2 = (
        await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody({ project: p2.name }) })
      ).headers['x-subject-token'] as string;
      const api2 = iotedge(s, token2, p2.id);
      expect((await api2.createApp({ edge_app_id: 'test-app', description: 'second tenant' })).statusCode).toBe(201);
      expect((await api2.createApp({ edge_app_id: 'only-in-two' })).statusCode).toBe(201);
      expect((await api.showApp('test-app')).json().description).toBe('this is a test app');
      expect((await api2.showApp('test-app')).json().description).toBe('second tenant');
      expect((await api.showApp('only-in-two')).statusCode).toBe(404);
      expect((await api.listApps('?edge_app_id=only-in-two')).json().count).toBe(0);
      expect((await api2.listApps()).json().count).toBe(2);
      // The first project's token cannot reach the second project's path.
      const cross = await s.app.inject({
        method: 'GET',
        url: `/v2/${p2.id}/edge-apps/only-in-two`,
        headers: { 'x-auth-token': await adminToken(s) },
      });
      expect(cross.statusCode).toBe(403);
      expect(PROJECT_ID).not.toBe(p2.id);
    });
  });
});
