import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';
import seed from '../fixtures/seed-rfs-versions.json' with { type: 'json' };

const R = 'RF.10011003';

describe.each(BACKENDS)('RFS provider versions on %s', (kind) => {
  let s: TestServer;
  let api: ReturnType<typeof rfs>;
  // The server's clock: the real time unless a test sets it.
  let at: number | undefined;
  beforeAll(async () => {
    s = await startServer(kind, { clock: { now: () => at ?? Date.now() } });
    api = rfs(s, await adminToken(s));
  });
  afterAll(async () => s.close());

  it('runs the seed examples: both succeed as written (the second with the real id), a wrong id is 400, a repeat is 409', async () => {
    const created = await api.createProvider({
      provider_name: seed.provider_name,
      provider_description: 'my first private provider',
    });
    const id = created.json().provider_id as string;

    const first = await api.createVersion(seed.provider_name, seed.without_id);
    expect(first.statusCode).toBe(201);
    expect(first.body).toBe('');
    expect(first.headers['content-type']).toBeUndefined();

    const wrongId = await api.createVersion(seed.provider_name, seed.with_id);
    expect(wrongId.statusCode).toBe(400);
    expect(wrongId.json().error_code).toBe('RF.10011003');

    const second = await api.createVersion(seed.provider_name, { ...seed.with_id, provider_id: id });
    expect(second.statusCode).toBe(201);

    const again = await api.createVersion(seed.provider_name, seed.without_id);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      error_code: 'RF.10015002',
      error_msg: expect.stringContaining('The private provider version already exists.'),
    });

    const shown = await api.showVersion(seed.provider_name, '0.0.2');
    expect(shown.json()).toEqual({
      provider_id: id,
      provider_name: seed.provider_name,
      provider_version: '0.0.2',
      version_description: 'my second private provider version',
      function_graph_urn: seed.without_id.function_graph_urn,
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      provider_source: `huawei.com/private-provider/${seed.provider_name}`,
    });
    const provider = (await api.showProvider(seed.provider_name)).json();
    expect(provider.update_time).toBe(provider.create_time);
  });

  describe('semantic versions', () => {
    beforeAll(async () => {
      await api.createProvider({ provider_name: 'semver-p' });
    });
    it.each([
      '1.0.0',
      '0.0.1',
      '10.20.30',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-0.3.7',
      '1.0.0-x.7.z.92',
      '1.0.0+20130313144700',
      '1.0.0-beta+exp.sha.5114f85',
      '1.0.0-rc.1+build.1',
      '99999.99999.99999',
    ])('accepts %s', async (v) => {
      expect((await api.createVersion('semver-p', { provider_version: v, function_graph_urn: URN })).statusCode).toBe(
        201,
      );
      const shown = await api.showVersion('semver-p', v);
      expect(shown.statusCode).toBe(200);
      expect(shown.json().provider_version).toBe(v);
    });
    it.each([
      'v1.0.0',
      '=1.0.0',
      '01.0.0',
      '1.02.0',
      '1.0.0-01',
      '1.0.0.0',
      '1.0',
      '1.0.0-',
      '1.0.0+',
      ' 1.0.0',
      '1.0.0 ',
      'latest',
      '1.0.0-a..b',
      `1.0.0-${'a'.repeat(123)}`,
    ])('refuses %j with 400', async (v) => {
      const res = await api.createVersion('semver-p', { provider_version: v, function_graph_urn: URN });
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe(R);
      expect(res.json().error_msg).toContain('provider_version');
    });
    it('tells 1.0.0+a and 1.0.0+b apart (exact string equality)', async () => {
      expect(
        (await api.createVersion('semver-p', { provider_version: '2.0.0+a', function_graph_urn: URN })).statusCode,
      ).toBe(201);
      expect(
        (await api.createVersion('semver-p', { provider_version: '2.0.0+b', function_graph_urn: URN })).statusCode,
      ).toBe(201);
    });
    it('checks only the length of a version in the path: 5-128 characters that are not semver name no version (404, docs/api/rfs.md §5.5)', async () => {
      const before = await rfsSnapshot(s);
      for (const call of [
        (v: string, q?: string) => api.showVersion('semver-p', v, q),
        (v: string, q?: string) => api.deleteVersion('semver-p', v, q),
      ]) {
        for (const v of [
          'v1.0.0',
          'latest',
          '1.0.0.0',
          '01.0.0',
          '7.7.7',
          'x'.repeat(128),
          '1.0.0-a..b',
          '%20%201.0.0',
        ]) {
          const res = await call(v);
          expect(res.statusCode, v).toBe(404);
          expect(res.json().error_code, v).toBe('RF.10014002');
        }
        for (const [v, mention] of [
          ['1.0', 'provider_version must NOT have fewer than 5'],
          ['1.0.', 'fewer than 5'],
          ['1'.repeat(129), 'provider_version must NOT have more than 128'],
        ]) {
          const res = await call(v!);
          expect(res.statusCode, v).toBe(400);
          expect(res.json().error_code).toBe(R);
          expect(res.json().error_msg).toContain(mention);
        }
        // The provider comes first, then the provider_id, as for any version (docs/api/rfs.md §1.5).
        const missing = await api.raw('GET', '/v1/private-providers/no-such-provider/versions/latest/metadata');
        expect(missing.json().error_code).toBe('RF.10014001');
        expect((await call('latest', 'provider_id=00000000-0000-4000-8000-000000000000')).json().error_code).toBe(R);
      }
      expect(await rfsSnapshot(s)).toEqual(before);
    });
  });

  describe('function_graph_urn', () => {
    beforeAll(async () => {
      await api.createProvider({ provider_name: 'urn-p' });
    });
    it.each([
      URN,
      'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:my_func-1:!alias1',
      'urn:fss:cn-north-7:abc:function:default:f1:v1.2',
      // A function's own URN, as Terraform passes it: no version or alias.
      'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test',
      'urn:fss:cn-north-7:abc:function:default:my_func-1',
    ])('accepts %s and answers it back unchanged', async (urn) => {
      const v = `1.0.${Math.floor(Math.random() * 1e6)}`;
      expect((await api.createVersion('urn-p', { provider_version: v, function_graph_urn: urn })).statusCode).toBe(201);
      expect((await api.showVersion('urn-p', v)).json().function_graph_urn).toBe(urn);
    });

    it('creates a provider with a first version whose URN has no version or alias', async () => {
      const urn = 'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test';
      expect(
        (await api.createProvider({ provider_name: 'urn-bare', provider_version: '0.0.1', function_graph_urn: urn }))
          .statusCode,
      ).toBe(201);
      expect((await api.listVersions('urn-bare')).json().versions[0].function_graph_urn).toBe(urn);
    });
    it.each([
      ['another region', URN.replace('cn-north-7', 'cn-south-1'), 'must be in region cn-north-7'],
      [
        'a bad shape',
        'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:other:test:latest',
        'function_graph_urn must be a FunctionGraph URN',
      ],
      ['too short', 'urn:fss:cn-north-7:abc:f', 'function_graph_urn must NOT have fewer than 32'],
      ['too long', URN + 'x'.repeat(256), 'function_graph_urn must NOT have more than 256'],
      [
        'a function name starting with a digit',
        'urn:fss:cn-north-7:abc:function:default:1func:latest',
        'function_graph_urn must be',
      ],
      [
        'a bare function of another region',
        'urn:fss:cn-south-1:a61dfe3154de42829367056598d5040f:function:default:test',
        'must be in region cn-north-7',
      ],
      [
        'a bare function name ending with "-"',
        'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test-',
        'function_graph_urn must be',
      ],
      [
        'an empty suffix',
        'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:',
        'function_graph_urn must be',
      ],
      [
        'a suffix of one character',
        'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:1',
        'function_graph_urn must be',
      ],
      ['missing', undefined, 'function_graph_urn is required'],
      ['null', null, 'function_graph_urn is required'],
    ])('refuses %s', async (_what, urn, mention) => {
      const before = await rfsSnapshot(s);
      const res = await api.createVersion('urn-p', { provider_version: '3.0.0', function_graph_urn: urn });
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe(urn === undefined || urn === null ? 'RF.10011001' : R);
      expect(res.json().error_msg).toContain(mention);
      expect(await rfsSnapshot(s)).toEqual(before);
    });
    it('refuses unknown fields and a description over 1024 characters', async () => {
      const unknown = await api.createVersion('urn-p', {
        provider_version: '3.0.0',
        function_graph_urn: URN,
        extra: 1,
      });
      expect(unknown.json().error_code).toBe('RF.10011002');
      const long = await api.createVersion('urn-p', {
        provider_version: '3.0.0',
        function_graph_urn: URN,
        version_description: 'd'.repeat(1025),
      });
      expect(long.json().error_code).toBe(R);
    });
  });

  it('makes exactly one of 20 parallel identical creates win (409 for the rest)', async () => {
    await api.createProvider({ provider_name: 'race-v' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.createVersion('race-v', { provider_version: '1.0.0', function_graph_urn: URN }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().error_code).toBe('RF.10015002');
    }
  });

  it('has no way to change a version, deletes one (204), and leaves the provider when the last goes', async () => {
    await api.createProvider({ provider_name: 'immutable-p', provider_version: '1.0.0', function_graph_urn: URN });
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await api.raw(method, '/v1/private-providers/immutable-p/versions/1.0.0', {
        version_description: 'changed',
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe('APIGW.0101');
    }
    const del = await api.deleteVersion('immutable-p', '1.0.0');
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await api.deleteVersion('immutable-p', '1.0.0')).json().error_code).toBe('RF.10014002');
    expect((await api.showProvider('immutable-p')).statusCode).toBe(200);
    expect((await api.listVersions('immutable-p')).json()).toEqual({
      versions: [],
      page_info: { next_marker: null, previous_marker: null, current_count: 0 },
    });
  });

  describe('lists and markers', () => {
    beforeAll(async () => {
      await api.createProvider({ provider_name: 'paged-p' });
      // Distinct times, with a tie between 1.0.3 and 1.0.4 (broken by provider_version ascending).
      try {
        for (let i = 0; i < 25; i++) {
          at = Date.UTC(2026, 0, 1, 0, 0, i === 4 ? 3 : i);
          expect(
            (await api.createVersion('paged-p', { provider_version: `1.0.${i}`, function_graph_urn: URN })).statusCode,
          ).toBe(201);
        }
      } finally {
        at = undefined;
      }
    });

    const page = async (query: string) => {
      const res = await api.listVersions('paged-p', query);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as {
        versions: { provider_version: string }[];
        page_info: { next_marker: string | null; previous_marker: string | null; current_count: number };
      };
    };
    const names = (p: { versions: { provider_version: string }[] }) => p.versions.map((v) => v.provider_version);

    it('defaults to create_time descending, limit 1000', async () => {
      const all = await page('');
      expect(all.page_info).toEqual({ next_marker: null, previous_marker: null, current_count: 25 });
      expect(names(all).slice(0, 3)).toEqual(['1.0.24', '1.0.23', '1.0.22']);
      expect(names(all).slice(-6)).toEqual(['1.0.5', '1.0.3', '1.0.4', '1.0.2', '1.0.1', '1.0.0']);
    });

    it('walks forward and back with next_marker and previous_marker', async () => {
      const p1 = await page('limit=10&sort_key=create_time&sort_dir=asc');
      expect(names(p1)).toEqual([
        '1.0.0',
        '1.0.1',
        '1.0.2',
        '1.0.3',
        '1.0.4',
        '1.0.5',
        '1.0.6',
        '1.0.7',
        '1.0.8',
        '1.0.9',
      ]);
      expect(p1.page_info.previous_marker).toBeNull();
      expect(p1.page_info.current_count).toBe(10);
      const p2 = await page(`limit=10&sort_key=create_time&sort_dir=asc&marker=${p1.page_info.next_marker}`);
      expect(names(p2)[0]).toBe('1.0.10');
      const p3 = await page(`limit=10&sort_key=create_time&sort_dir=asc&marker=${p2.page_info.next_marker}`);
      expect(names(p3)).toEqual(['1.0.20', '1.0.21', '1.0.22', '1.0.23', '1.0.24']);
      expect(p3.page_info.next_marker).toBeNull();
      const back = await page(`limit=10&sort_key=create_time&sort_dir=asc&marker=${p3.page_info.previous_marker}`);
      expect(names(back)).toEqual(names(p2));
      const first = await page(`limit=10&sort_key=create_time&sort_dir=asc&marker=${back.page_info.previous_marker}`);
      expect(names(first)).toEqual(names(p1));
      expect(first.page_info.previous_marker).toBeNull();
    });

    it('walks versions with pre-release and build parts, all created at one time, without repeating or skipping', async () => {
      expect((await api.createProvider({ provider_name: 'prerelease-p' })).statusCode).toBe(201);
      const created = Array.from({ length: 23 }, (_, i) => `2.0.0-rc.${i}+build.${22 - i}`);
      try {
        at = Date.UTC(2026, 1, 1);
        for (const v of created)
          expect(
            (await api.createVersion('prerelease-p', { provider_version: v, function_graph_urn: URN })).statusCode,
          ).toBe(201);
      } finally {
        at = undefined;
      }
      const walked: string[] = [];
      let res = await api.listVersions('prerelease-p', 'limit=10');
      for (;;) {
        const body = res.json();
        walked.push(...body.versions.map((v: { provider_version: string }) => v.provider_version));
        if (!body.page_info.next_marker) break;
        res = await api.listVersions('prerelease-p', `limit=10&marker=${body.page_info.next_marker}`);
      }
      // Ties go by provider_version in the database's collation: compare as sets.
      expect(walked).toHaveLength(created.length);
      expect([...walked].sort()).toEqual([...created].sort());
    });

    it('accepts comma lists for sort_key and sort_dir', async () => {
      expect(names(await page('limit=10&sort_key=create_time,create_time&sort_dir=asc,asc'))[0]).toBe('1.0.0');
    });

    it.each([
      ['sort_key alone', 'sort_key=create_time', 'sort_key and sort_dir must come in pairs'],
      ['sort_dir alone', 'sort_dir=asc', 'pairs'],
      ['an unknown sort_key', 'sort_key=name&sort_dir=asc', 'sort_key must be create_time'],
      ['an unknown sort_dir', 'sort_key=create_time&sort_dir=up', 'sort_dir must be asc or desc'],
      ['limit 9', 'limit=9', 'limit'],
      ['limit 1001', 'limit=1001', 'limit'],
      ['limit not a number', 'limit=ten', 'limit'],
      ['an empty marker', 'marker=', 'marker'],
      ['a garbage marker', 'marker=abc', 'marker'],
      ['a marker over 512 characters', `marker=${'a'.repeat(513)}`, 'marker'],
    ])('refuses %s with 400', async (_what, query, mention) => {
      const res = await api.listVersions('paged-p', query);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe(R);
      expect(res.json().error_msg).toContain(mention);
    });

    it('refuses a tampered marker, a marker of other sort parameters and a marker of another list', async () => {
      const p1 = await page('limit=10');
      const marker = p1.page_info.next_marker!;
      const [payload, mac] = marker.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), t: '2030-01-01T00:00:00.000Z' }),
      ).toString('base64url');
      for (const query of [
        `limit=10&marker=${forged}.${mac}`,
        `limit=10&marker=${marker}&sort_key=create_time&sort_dir=asc`,
      ]) {
        const res = await api.listVersions('paged-p', query);
        expect(res.statusCode).toBe(400);
        expect(res.json().error_code).toBe(R);
      }
      const otherList = await api.listProviders(`limit=10&marker=${marker}`);
      expect(otherList.statusCode).toBe(400);
      expect((await api.listVersions('paged-p', `limit=20&marker=${marker}`)).statusCode).toBe(200);
    });

    it('lists providers with the same paging', async () => {
      const p1 = (await api.listProviders('limit=10')).json();
      expect(p1.page_info.current_count).toBe(Math.min(10, p1.providers.length));
      expect(Object.keys(p1.page_info)).toEqual(['next_marker', 'previous_marker', 'current_count']);
    });
  });

  it('returns every version that exists for a whole walk exactly once while others come and go', async () => {
    await api.createProvider({ provider_name: 'walk-p' });
    for (let i = 0; i < 25; i++)
      await api.createVersion('walk-p', { provider_version: `2.0.${i}`, function_graph_urn: URN });
    const stable = new Set(Array.from({ length: 25 }, (_, i) => `2.0.${i}`).filter((_, i) => i % 4 !== 1));
    const seen: string[] = [];
    let marker: string | null = null;
    let round = 0;
    do {
      const res = await api.listVersions('walk-p', `limit=10${marker ? `&marker=${marker}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.versions.map((v: { provider_version: string }) => v.provider_version));
      marker = body.page_info.next_marker;
      // Between pages: delete some versions that are not part of the stable set, and add new ones.
      for (let i = round; i < 25; i += 4) if (i % 4 === 1) await api.deleteVersion('walk-p', `2.0.${i}`);
      await api.createVersion('walk-p', { provider_version: `3.0.${round}`, function_graph_urn: URN });
      round++;
    } while (marker && round < 20);
    for (const v of stable)
      expect(
        seen.filter((x) => x === v),
        v,
      ).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
