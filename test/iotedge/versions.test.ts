import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, versionWith, VALID_VERSION } from '../helpers/iotedge.js';

const BRIEF_KEYS = [
  'edge_app_id',
  'name',
  'version',
  'sdk_version',
  'description',
  'deploy_type',
  'deploy_multi_instance',
  'create_time',
  'update_time',
  'state',
  'arch',
  'publish_time',
  'off_shelf_time',
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(BACKENDS)('IoTEdge versions on %s', (kind) => {
  let s: TestServer;
  let api: ReturnType<typeof iotedge>;
  // The server's clock: the real time unless a test sets it.
  let at: number | undefined;
  /** `seconds` past 2026-01-01T00:00:00Z, as the API writes it. */
  const iso = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString();
  /** Sets the server's clock to iso(seconds) and returns it. */
  const setClock = (seconds: number) => {
    at = Date.parse(iso(seconds));
    return iso(seconds);
  };
  beforeAll(async () => {
    s = await startServer(kind, { clock: { now: () => at ?? Date.now() } });
    api = iotedge(s, await adminToken(s));
  });
  afterAll(async () => s.close());

  it('creates the corrected seed example: 201, DRAFT, the seed response shape', async () => {
    await api.createApp({ edge_app_id: 'seed-app' });
    const res = await api.createVersion('seed-app', VALID_VERSION);
    expect(res.statusCode).toBe(201);
    const v = res.json();
    const {
      version,
      deploy_type,
      deploy_multi_instance,
      description,
      sdk_version,
      liveness_probe,
      readiness_probe,
      arch,
      command,
      args,
      outputs,
      inputs,
      services,
      supplier,
      tpl_id,
      container_settings,
    } = VALID_VERSION;
    expect(v).toEqual({
      edge_app_id: 'seed-app',
      name: 'seed-app',
      version,
      deploy_type,
      deploy_multi_instance,
      description,
      sdk_version,
      liveness_probe,
      readiness_probe,
      arch,
      command,
      args,
      outputs,
      inputs,
      services,
      supplier,
      tpl_id,
      container_settings,
      create_time: expect.stringMatching(ISO),
      update_time: v.create_time,
      state: 'DRAFT',
    });
    expect(v.publish_time).toBeUndefined();
    expect(v.off_shelf_time).toBeUndefined();
    const shown = await api.showVersion('seed-app', '1.0.0');
    expect(shown.json()).toEqual(v);
    expect(shown.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(Number(shown.headers['content-length'])).toBe(Buffer.byteLength(shown.body));
  });

  it('stores and lists a version whose list item is as large as the size bounds allow (arch in no order)', async () => {
    await api.createApp({ edge_app_id: 'wide-app' });
    const arch = ['arm64', 'x86_64', 'arm32'];
    const body = {
      ...VALID_VERSION,
      version: '9'.repeat(32),
      sdk_version: '8'.repeat(32),
      description: '边'.repeat(255),
      arch,
    };
    const res = await api.createVersion('wide-app', body);
    expect(res.statusCode, res.body).toBe(201);
    const listed = (await api.listVersions('wide-app')).json();
    expect(listed.count).toBe(1);
    expect(listed.versions[0]).toMatchObject({
      version: body.version,
      sdk_version: body.sdk_version,
      description: body.description,
      arch,
    });
    expect((await api.showVersion('wide-app', body.version)).json().arch).toEqual(arch);
  });

  it('refuses an arch list over its bound, whatever its length (400 naming the field and the bound)', async () => {
    await api.createApp({ edge_app_id: 'wider-app' });
    const before = await iotedgeSnapshot(s);
    let seed = 7;
    const arch = Array.from(
      { length: 20000 },
      () => ['x86_64', 'arm32', 'arm64'][(seed = (seed * 48271) % 2147483647) % 3]!,
    );
    const res = await api.createVersion('wider-app', { ...VALID_VERSION, arch });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'IoTEdge.00000005',
      error_msg: 'The request parameter is invalid. arch must hold at most 3 items',
    });
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  it('names the version after the app name when there is one', async () => {
    await api.createApp({ edge_app_id: 'named-app', edge_app_name: '边缘应用' });
    expect((await api.createVersion('named-app', VALID_VERSION)).json().name).toBe('边缘应用');
  });

  it('refuses a duplicate version (400 IoTEdge.02100603) and a version of a missing app (404 IoTEdge.02100602)', async () => {
    await api.createApp({ edge_app_id: 'dupv-app' });
    expect((await api.createVersion('dupv-app', VALID_VERSION)).statusCode).toBe(201);
    const before = await iotedgeSnapshot(s);
    const dup = await api.createVersion('dupv-app', versionWith('description', 'another'));
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error_code).toBe('IoTEdge.02100603');
    const missing = await api.createVersion('no-such-app', VALID_VERSION);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error_code).toBe('IoTEdge.02100602');
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  it('answers 404 IoTEdge.02100604 for an unknown version of an existing app', async () => {
    await api.createApp({ edge_app_id: 'nov-app' });
    for (const res of [
      await api.showVersion('nov-app', '9.9.9'),
      await api.updateVersion('nov-app', '9.9.9', {}),
      await api.deleteVersion('nov-app', '9.9.9'),
      await api.setState('nov-app', '9.9.9', 'PUBLISHED'),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe('IoTEdge.02100604');
    }
    expect((await api.showVersion('no-such-app', '1.0.0')).json().error_code).toBe('IoTEdge.02100602');
  });

  it('makes exactly one of 20 parallel identical creates win', async () => {
    await api.createApp({ edge_app_id: 'race-app' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api.createVersion('race-app', versionWith('version', '2.0.0'))),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 400)).toHaveLength(19);
    for (const r of results.filter((r) => r.statusCode === 400)) expect(r.json().error_code).toBe('IoTEdge.02100603');
    expect((await api.listVersions('race-app')).json().count).toBe(1);
  });

  describe('update', () => {
    beforeAll(async () => {
      await api.createApp({ edge_app_id: 'upd-app' });
      await api.createVersion('upd-app', VALID_VERSION);
    });

    it('merges top-level fields, replaces given objects wholesale, answers the brief version', async () => {
      const before = (await api.showVersion('upd-app', '1.0.0')).json();
      const res = await api.updateVersion('upd-app', '1.0.0', {
        description: 'updated',
        container_settings: { image_url: 'repo/app:2.0', configs: { restart_policy: 'Never' } },
        arch: 'arm32',
        version: '9.9.9',
        supplier: 'someone else',
        state: 'PUBLISHED',
      });
      expect(res.statusCode).toBe(200);
      const brief = res.json();
      expect(Object.keys(brief).every((k) => BRIEF_KEYS.includes(k))).toBe(true);
      expect(brief).toMatchObject({
        version: '1.0.0',
        description: 'updated',
        state: 'DRAFT',
        arch: ['arm32'],
        create_time: before.create_time,
      });
      expect(brief.update_time > before.update_time).toBe(true);
      const after = (await api.showVersion('upd-app', '1.0.0')).json();
      expect(after.container_settings).toEqual({
        image_url: 'repo/app:2.0',
        configs: { restart_policy: 'Never', privileged: false, host_network: true },
      });
      expect(after.supplier).toBe(before.supplier);
      expect(after.liveness_probe).toEqual(before.liveness_probe);
      expect(after.command).toEqual(before.command);
    });

    it('refreshes update_time on an empty body', async () => {
      const before = (await api.showVersion('upd-app', '1.0.0')).json();
      await new Promise((r) => setTimeout(r, 5));
      const res = await api.updateVersion('upd-app', '1.0.0', {});
      expect(res.statusCode).toBe(200);
      expect(res.json().update_time > before.update_time).toBe(true);
      const { update_time: _a, ...rest } = (await api.showVersion('upd-app', '1.0.0')).json();
      const { update_time: _b, ...restBefore } = before;
      expect(rest).toEqual(restBefore);
    });
  });

  describe('state machine', () => {
    const setup = async (app: string, path: ('PUBLISHED' | 'OFF_SHELF')[]) => {
      await api.createApp({ edge_app_id: app });
      await api.createVersion(app, VALID_VERSION);
      for (const st of path) expect((await api.setState(app, '1.0.0', st)).statusCode).toBe(200);
    };

    it.each([
      ['DRAFT', [], 'PUBLISHED', 200, undefined],
      ['DRAFT', [], 'OFF_SHELF', 403, 'IoTEdge.02100606'],
      ['PUBLISHED', ['PUBLISHED'], 'PUBLISHED', 403, 'IoTEdge.02100605'],
      ['PUBLISHED', ['PUBLISHED'], 'OFF_SHELF', 200, undefined],
      ['OFF_SHELF', ['PUBLISHED', 'OFF_SHELF'], 'PUBLISHED', 200, undefined],
      ['OFF_SHELF', ['PUBLISHED', 'OFF_SHELF'], 'OFF_SHELF', 403, 'IoTEdge.02100606'],
    ] as const)('%s → %s (%s) answers %i', async (from, path, target, status, code) => {
      const app = `st-${from}-${target}`.toLowerCase().replaceAll('_', '-');
      await setup(app, [...path]);
      const before = (await api.showVersion(app, '1.0.0')).json();
      expect(before.state).toBe(from);
      const res = await api.setState(app, '1.0.0', target);
      expect(res.statusCode).toBe(status);
      const after = (await api.showVersion(app, '1.0.0')).json();
      if (status !== 200) {
        expect(res.json().error_code).toBe(code);
        expect(after).toEqual(before);
        return;
      }
      const brief = res.json();
      expect(Object.keys(brief).every((k) => BRIEF_KEYS.includes(k))).toBe(true);
      expect(brief.state).toBe(target);
      expect(after.state).toBe(target);
      expect(after.update_time >= before.update_time).toBe(true);
      if (target === 'PUBLISHED') {
        expect(after.publish_time).toMatch(ISO);
        expect(after.off_shelf_time).toBe(before.off_shelf_time);
      } else {
        expect(after.off_shelf_time).toMatch(ISO);
        expect(after.publish_time).toBe(before.publish_time);
      }
    });

    it.each([['DRAFT'], ['draft'], ['x'], [null], [5]])('refuses the target state %j with 400', async (state) => {
      await api.createApp({ edge_app_id: `bad-state-${String(state)}`.toLowerCase() }).catch(() => {});
      const app = `bad-state-${String(state)}`.toLowerCase();
      await api.createVersion(app, VALID_VERSION);
      const res = await api.setState(app, '1.0.0', state);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe(state === 5 ? 'IoTEdge.00000006' : 'IoTEdge.00000005');
      expect((await api.showVersion(app, '1.0.0')).json().state).toBe('DRAFT');
    });

    it('forbids updating and deleting a published version (403 IoTEdge.02100605), allows both when off the shelf', async () => {
      await setup('locked-app', ['PUBLISHED']);
      const before = await iotedgeSnapshot(s);
      const upd = await api.updateVersion('locked-app', '1.0.0', { description: 'nope' });
      expect(upd.statusCode).toBe(403);
      expect(upd.json().error_code).toBe('IoTEdge.02100605');
      const del = await api.deleteVersion('locked-app', '1.0.0');
      expect(del.statusCode).toBe(403);
      expect(del.json().error_code).toBe('IoTEdge.02100605');
      expect(await iotedgeSnapshot(s)).toEqual(before);
      await api.setState('locked-app', '1.0.0', 'OFF_SHELF');
      expect((await api.updateVersion('locked-app', '1.0.0', { description: 'fine now' })).statusCode).toBe(200);
      const gone = await api.deleteVersion('locked-app', '1.0.0');
      expect(gone.statusCode).toBe(204);
      expect(gone.body).toBe('');
      expect((await api.showVersion('locked-app', '1.0.0')).statusCode).toBe(404);
    });

    it('ends two racing publishes of one version in one legal state', async () => {
      await setup('race-state', []);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => api.setState('race-state', '1.0.0', 'PUBLISHED')),
      );
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.statusCode !== 200)) expect(r.json().error_code).toBe('IoTEdge.02100605');
      expect((await api.showVersion('race-state', '1.0.0')).json().state).toBe('PUBLISHED');
    });
  });

  it('keeps the app fields derived from versions right after every change', async () => {
    try {
      const t0 = setClock(0);
      await api.createApp({ edge_app_id: 'derived-app' });
      const app = async () => (await api.showApp('derived-app')).json();
      const a0 = await app();
      expect(a0.deploy_type).toBeUndefined();
      expect(a0.last_published_version).toBeUndefined();
      expect(a0.update_time).toBe(t0);

      const t1 = setClock(1);
      await api.createVersion('derived-app', versionWith('version', '1.0.0'));
      const a1 = await app();
      expect(a1.deploy_type).toBe('docker');
      expect(a1.update_time).toBe(t1);

      setClock(2);
      await api.createVersion('derived-app', { ...versionWith('version', '2.0.0'), deploy_type: 'process' });
      expect((await app()).deploy_type).toBe('process');

      setClock(3);
      await api.setState('derived-app', '1.0.0', 'PUBLISHED');
      expect((await app()).last_published_version).toBe('1.0.0');
      setClock(4);
      await api.setState('derived-app', '2.0.0', 'PUBLISHED');
      expect((await app()).last_published_version).toBe('2.0.0');
      setClock(5);
      await api.setState('derived-app', '2.0.0', 'OFF_SHELF');
      expect((await app()).last_published_version).toBe('1.0.0');
      const t6 = setClock(6);
      await api.deleteVersion('derived-app', '2.0.0');
      const a2 = await app();
      expect(a2.deploy_type).toBe('docker');
      expect(a2.update_time).toBe(t6);
      setClock(7);
      await api.setState('derived-app', '1.0.0', 'OFF_SHELF');
      expect((await app()).last_published_version).toBeUndefined();
      expect((await api.showVersion('derived-app', '1.0.0')).json()).toMatchObject({
        create_time: t1,
        publish_time: iso(3),
        off_shelf_time: iso(7),
        update_time: iso(7),
      });
    } finally {
      at = undefined;
    }
  });

  describe('listing', () => {
    beforeAll(async () => {
      await api.createApp({ edge_app_id: 'list-app' });
      const gpu = { ...VALID_VERSION.container_settings, npu_type: undefined, resources: { limits: { gpu: 100 } } };
      const plain = { image_url: 'repo/app:1' };
      try {
        for (let i = 0; i < 15; i++) {
          const cs = i % 3 === 0 ? VALID_VERSION.container_settings : i % 3 === 1 ? gpu : plain;
          const body = {
            ...VALID_VERSION,
            version: `1.${i}.0`,
            container_settings: cs,
            arch: i % 2 ? ['arm64'] : ['x86_64'],
          };
          setClock(i);
          expect((await api.createVersion('list-app', body)).statusCode).toBe(201);
        }
        setClock(60);
        await api.setState('list-app', '1.2.0', 'PUBLISHED');
        await api.setState('list-app', '1.4.0', 'PUBLISHED');
        await api.setState('list-app', '1.4.0', 'OFF_SHELF');
      } finally {
        at = undefined;
      }
    });

    const versions = async (q = '') => {
      const res = await api.listVersions('list-app', q);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('pages newest first with count and page_info, brief items only', async () => {
      const page = await versions();
      expect(page.count).toBe(15);
      expect(page.page_info).toEqual({ offset: 0, limit: 10 });
      expect(page.versions.map((v: { version: string }) => v.version)).toEqual([
        '1.14.0',
        '1.13.0',
        '1.12.0',
        '1.11.0',
        '1.10.0',
        '1.9.0',
        '1.8.0',
        '1.7.0',
        '1.6.0',
        '1.5.0',
      ]);
      for (const v of page.versions) expect(Object.keys(v).every((k: string) => BRIEF_KEYS.includes(k))).toBe(true);
      expect((await versions('?offset=10')).versions.map((v: { version: string }) => v.version)).toEqual([
        '1.4.0',
        '1.3.0',
        '1.2.0',
        '1.1.0',
        '1.0.0',
      ]);
      expect(await versions('?offset=15')).toEqual({ count: 15, page_info: { offset: 15, limit: 10 }, versions: [] });
      expect((await versions('?limit=1')).versions).toHaveLength(1);
      expect((await versions('?limit=1000')).versions).toHaveLength(15);
    });

    it.each([
      '?limit=0',
      '?limit=1001',
      '?offset=-1',
      '?state=DELETED',
      '?arch=mips',
      '?ai_card_type=TPU',
      '?version=' + 'x'.repeat(33),
    ])('rejects %s with 400 IoTEdge.00000005', async (q) => {
      const res = await api.listVersions('list-app', q);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe('IoTEdge.00000005');
    });

    it('filters by version substring, state, arch and ai_card_type', async () => {
      const names = async (q: string) =>
        (await versions(q + '&limit=100')).versions.map((v: { version: string }) => v.version).sort();
      expect(await names('?version=.1')).toEqual(['1.1.0', '1.10.0', '1.11.0', '1.12.0', '1.13.0', '1.14.0']);
      expect(await names('?state=PUBLISHED')).toEqual(['1.2.0']);
      expect(await names('?state=OFF_SHELF')).toEqual(['1.4.0']);
      expect((await versions('?state=DRAFT')).count).toBe(13);
      expect((await versions('?arch=arm64')).count).toBe(7);
      expect((await versions('?arch=x86_64')).count).toBe(8);
      expect((await versions('?arch=arm32')).count).toBe(0);
      expect(await names('?ai_card_type=NPU')).toEqual(['1.0.0', '1.12.0', '1.3.0', '1.6.0', '1.9.0']);
      expect(await names('?ai_card_type=GPU')).toEqual(['1.1.0', '1.10.0', '1.13.0', '1.4.0', '1.7.0']);
      expect((await versions('?ai_card_type=unEquipped')).count).toBe(5);
      expect((await versions('?state=DRAFT&arch=arm64&ai_card_type=GPU')).count).toBe(3);
    });
  });
});
