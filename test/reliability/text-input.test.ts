import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, versionWith } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot, URN } from '../helpers/rfs.js';
import {
  contentTypeProblem,
  findLoneSurrogate,
  invalidUtf8Offset,
  loneSurrogateProblem,
  mayHoldLoneSurrogate,
} from '../../src/platform/text.js';

/**
 * Requests that are not fully valid text: integers in query strings that are not plain decimal
 * digits, JSON strings that are not well-formed Unicode, bodies that are not UTF-8, and content
 * types other than JSON in UTF-8. Each is refused in the family's envelope, naming what is wrong,
 * and nothing is stored.
 */

const P = `/v2/${PROJECT_ID}/edge-apps`;
const NOT_DECIMAL = [
  '0x10',
  ' 16',
  '16 ',
  '\t16',
  '1e1',
  '16.0',
  '+16',
  '-0',
  '',
  '0b1010',
  '0o12',
  'Infinity',
  '.1e2',
  '1_0',
  '16,',
];

describe('query integers are decimal digits only', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer('sqlite');
    token = await adminToken(s);
    expect((await iotedge(s, token).createApp({ edge_app_id: 'int-app' })).statusCode).toBe(201);
    expect((await rfs(s, token).createProvider({ provider_name: 'int-provider' })).statusCode).toBe(201);
  });
  afterAll(async () => s.close());

  it.each(NOT_DECIMAL)('refuses RFS limit=%j with RF.10011003 naming limit', async (value) => {
    const api = rfs(s, token);
    for (const res of [
      await api.listProviders(`limit=${encodeURIComponent(value)}`),
      await api.listVersions('int-provider', `limit=${encodeURIComponent(value)}`),
    ]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({
        error_code: 'RF.10011003',
        error_msg: expect.stringMatching(/^Invalid parameter\(s\)\. querystring limit must be /),
      });
    }
  });

  it.each(NOT_DECIMAL)(
    'refuses IoTEdge offset=%j and limit=%j with IoTEdge.00000005 naming the parameter',
    async (value) => {
      const api = iotedge(s, token);
      const v = encodeURIComponent(value);
      for (const [res, name] of [
        [await api.listApps(`?offset=${v}`), 'offset'],
        [await api.listApps(`?limit=${v}`), 'limit'],
        [await api.listVersions('int-app', `?offset=${v}`), 'offset'],
        [await api.listVersions('int-app', `?limit=${v}`), 'limit'],
      ] as const) {
        expect(res.statusCode, `${name}=${value}: ${res.body}`).toBe(400);
        expect(res.json()).toEqual({
          error_code: 'IoTEdge.00000005',
          error_msg: expect.stringContaining(`The request parameter is invalid. querystring ${name} must be `),
        });
      }
    },
  );

  it('says what an integer parameter must look like', async () => {
    const res = await iotedge(s, token).listApps('?limit=0x10');
    expect(res.json().error_msg).toBe(
      'The request parameter is invalid. querystring limit must be an integer written in decimal digits 0-9',
    );
  });

  it('reads leading zeros as decimal, never octal', async () => {
    const apps = await iotedge(s, token).listApps('?offset=00&limit=010');
    expect(apps.statusCode).toBe(200);
    expect(apps.json().page_info).toEqual({ offset: 0, limit: 10 });
    expect((await rfs(s, token).listProviders('limit=0010')).statusCode).toBe(200);
  });

  it('still takes plain decimal values and the defaults', async () => {
    expect((await iotedge(s, token).listApps('?offset=0&limit=1000')).json().page_info).toEqual({
      offset: 0,
      limit: 1000,
    });
    expect((await iotedge(s, token).listApps()).json().page_info).toEqual({ offset: 0, limit: 10 });
    expect((await rfs(s, token).listProviders('limit=10')).statusCode).toBe(200);
  });
});

describe.each(BACKENDS)('text that is not well-formed Unicode on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
    expect((await iotedge(s, token).createApp({ edge_app_id: 'text-app' })).statusCode).toBe(201);
    expect((await rfs(s, token).createProvider({ provider_name: 'text-provider' })).statusCode).toBe(201);
  });
  afterAll(async () => s.close());

  const snapshot = async () => JSON.stringify({ ...(await iotedgeSnapshot(s)), ...(await rfsSnapshot(s)) });
  const json = { 'x-auth-token': '', 'content-type': 'application/json' };
  const send = (
    method: 'POST' | 'PUT' | 'PATCH',
    url: string,
    payload: string | Buffer,
    headers: Record<string, string> = {},
  ) =>
    s.app.inject({
      method,
      url,
      payload,
      headers: { ...json, 'x-auth-token': token, 'client-request-id': crypto.randomUUID(), ...headers },
    });

  // JSON.stringify writes a lone surrogate as a \uXXXX escape: the text sent is valid JSON.
  const LONE = ['A\ud800B', 'A\udc00B', '\udc00\ud800', 'end\udbff', '\ud800'];

  it.each(LONE)('refuses an RFS field holding %j, naming the field, and stores nothing', async (text) => {
    const before = await snapshot();
    const create = await send(
      'POST',
      '/v1/private-providers',
      JSON.stringify({ provider_name: 'lone-provider', provider_description: text }),
    );
    expect(create.statusCode, create.body).toBe(400);
    expect(create.json()).toEqual({
      error_code: 'RF.10011003',
      error_msg: expect.stringMatching(/^Invalid parameter\(s\)\. provider_description holds a lone surrogate/),
    });
    const patch = await send(
      'PATCH',
      '/v1/private-providers/text-provider/metadata',
      JSON.stringify({ provider_description: text }),
    );
    expect(patch.statusCode, patch.body).toBe(400);
    expect(patch.json().error_msg).toContain('provider_description');
    const version = await send(
      'POST',
      '/v1/private-providers/text-provider/versions',
      JSON.stringify({ provider_version: '1.0.0', function_graph_urn: URN, version_description: text }),
    );
    expect(version.statusCode, version.body).toBe(400);
    expect(version.json().error_msg).toContain('version_description');
    expect(await snapshot()).toBe(before);
  });

  it('refuses an IoTEdge field, a map value and a map key holding a lone surrogate, naming the path', async () => {
    const before = await snapshot();
    const cases: [object, string][] = [
      [
        versionWith('container_settings.configs.container_port_list', [{ host_ip: 'a\ud800' }]),
        'container_settings.configs.container_port_list[0].host_ip',
      ],
      [
        versionWith('container_settings.ext_devices', [
          { source: '/dev/a', destination: '/dev/a', cgroup_permissions: 'r\udfffw' },
        ]),
        'container_settings.ext_devices[0].cgroup_permissions',
      ],
      [versionWith('container_settings.envs', { FOO: 'x\ud800' }), 'container_settings.envs.FOO'],
      [versionWith('container_settings.envs', { ['K\ud800']: 'x' }), 'container_settings.envs.K\\ud800'],
      [versionWith('not_a_known_field', 'x\ud800'), 'not_a_known_field'],
    ];
    for (const [body, path] of cases) {
      const res = await send('POST', `${P}/text-app/versions`, JSON.stringify(body));
      expect(res.statusCode, res.body).toBe(400);
      const unit = path.includes('cgroup') ? 'dfff' : 'd800';
      expect(res.json()).toEqual({
        error_code: 'IoTEdge.00000005',
        error_msg: `The request parameter is invalid. ${path} holds a lone surrogate (\\u${unit}), which is not a Unicode character.`,
      });
    }
    const app = await send('POST', P, JSON.stringify({ edge_app_id: 'lone-app', edge_app_name: 'ab\ud800cd' }));
    expect(app.statusCode).toBe(400);
    expect(app.json().error_msg).toContain('edge_app_name holds a lone surrogate');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a NUL character in any text, naming the field, on both stores alike', async () => {
    const before = await snapshot();
    const version = await send(
      'POST',
      `${P}/text-app/versions`,
      JSON.stringify(versionWith('container_settings.configs.container_port_list', [{ host_ip: 'a\u0000b' }])),
    );
    expect(version.statusCode, version.body).toBe(400);
    expect(version.json()).toEqual({
      error_code: 'IoTEdge.00000005',
      error_msg:
        'The request parameter is invalid. container_settings.configs.container_port_list[0].host_ip holds a NUL character (\\u0000), which cannot be stored.',
    });
    const provider = await rfs(s, token).createProvider({
      provider_name: 'nul-provider',
      provider_description: 'a\u0000b',
    });
    expect(provider.statusCode, provider.body).toBe(400);
    expect(provider.json()).toMatchObject({
      error_code: 'RF.10011003',
      error_msg: expect.stringContaining('provider_description holds a NUL character'),
    });
    expect(await snapshot()).toBe(before);
  });

  it('refuses a lone surrogate in IAM bodies in the gateway envelope', async () => {
    const res = await send('POST', '/v3/projects', JSON.stringify({ project: { name: 'cn-\ud800' } }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'IAM.0001',
      error_msg: expect.stringContaining('project.name holds a lone surrogate'),
    });
  });

  it('stores escaped surrogate pairs and other escapes exactly as sent', async () => {
    const text = 'smile \ud83d\ude00 \\ud800 中文 \u00e9';
    const escaped = JSON.stringify({ provider_name: 'pair-provider', provider_description: text })
      .replace('😀', '\\ud83d\\ude00')
      .replace('中', '\\u4e2d');
    expect(escaped).toContain('\\ud83d\\ude00');
    const res = await send('POST', '/v1/private-providers', escaped);
    expect(res.statusCode, res.body).toBe(201);
    const shown = await rfs(s, token).showProvider('pair-provider');
    expect(shown.json().provider_description).toBe(text);
    const row = (await rfsSnapshot(s)).providers.find((p) => p.provider_name === 'pair-provider');
    expect(row?.provider_description).toBe(text);
  });

  const INVALID_UTF8: [string, Buffer][] = [
    ['a stray continuation byte', Buffer.from([0x80])],
    ['0xFF', Buffer.from([0xff])],
    ['a surrogate encoded in UTF-8 (CESU)', Buffer.from([0xed, 0xa0, 0x80])],
    ['an overlong "/"', Buffer.from([0xc0, 0xaf])],
    ['a truncated sequence', Buffer.from([0xe4, 0xb8])],
    ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
  ];
  const withBytes = (prefix: string, bytes: Buffer, suffix = '"}') =>
    Buffer.concat([Buffer.from(prefix), bytes, Buffer.from(suffix)]);

  it.each(INVALID_UTF8)('refuses a body with %s in each family envelope and stores nothing', async (_name, bytes) => {
    const before = await snapshot();
    const edge = await send('POST', P, withBytes('{"edge_app_id":"bytes-app","description":"ok', bytes));
    expect(edge.statusCode, edge.body).toBe(400);
    expect(edge.json()).toEqual({
      error_code: 'IoTEdge.00000006',
      error_msg: expect.stringMatching(/^The request format is invalid\. The body is not valid UTF-8 \(byte 4[0-9]\)/),
    });
    const provider = await send(
      'POST',
      '/v1/private-providers',
      withBytes('{"provider_name":"bytes-provider","provider_description":"', bytes),
    );
    expect(provider.statusCode).toBe(400);
    expect(provider.json()).toEqual({
      error_code: 'RF.10011003',
      error_msg: expect.stringContaining('The body is not valid UTF-8'),
    });
    const iam = await send('POST', '/v3/projects', withBytes('{"project":{"name":"', bytes, '"}}'));
    expect(iam.statusCode).toBe(400);
    expect(iam.json()).toEqual({
      error_code: 'IAM.0001',
      error_msg: expect.stringContaining('The body is not valid UTF-8'),
    });
    expect(await snapshot()).toBe(before);
  });

  it('names the offset of the first byte that is not UTF-8', async () => {
    const res = await send(
      'POST',
      P,
      Buffer.concat([Buffer.from('{"edge_app_id":"中文'), Buffer.from([0xff]), Buffer.from('"}')]),
    );
    expect(res.json().error_msg).toBe(
      'The request format is invalid. The body is not valid UTF-8 (byte 22). Send the body as JSON in UTF-8 with Content-Type: application/json.',
    );
  });
});

describe.each(BACKENDS)('content types other than JSON in UTF-8 on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  const snapshot = async () => JSON.stringify({ ...(await iotedgeSnapshot(s)), ...(await rfsSnapshot(s)) });
  const post = (
    url: string,
    payload: string,
    contentType: string | undefined,
    method: 'POST' | 'PATCH' | 'PUT' | 'DELETE' = 'POST',
  ) =>
    s.app.inject({
      method,
      url,
      payload,
      headers: {
        'x-auth-token': token,
        'client-request-id': crypto.randomUUID(),
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
    });
  const SEND = 'Send the body as JSON in UTF-8 with Content-Type: application/json.';

  const REFUSED: [string | undefined, string][] = [
    ['application/json; charset=latin1', 'The charset latin1 is not supported.'],
    ['application/json;charset=ISO-8859-1', 'The charset ISO-8859-1 is not supported.'],
    ['application/json; charset="utf-16"', 'The charset utf-16 is not supported.'],
    ['application/json; charset=', 'The charset  is not supported.'],
    ['text/plain', 'The content type text/plain is not supported.'],
    ['text/plain; charset=utf-8', 'The content type text/plain is not supported.'],
    ['application/x-www-form-urlencoded', 'The content type application/x-www-form-urlencoded is not supported.'],
    ['application/jsonp', 'The content type application/jsonp is not supported.'],
    ['application/json charset=utf-8', 'The content type application/json charset=utf-8 is not supported.'],
    [undefined, 'The Content-Type header is missing.'],
  ];

  it.each(REFUSED)(
    'answers %j with 415 in each family envelope, says what to send, and stores nothing',
    async (contentType, why) => {
      const before = await snapshot();
      const edge = await post(P, JSON.stringify({ edge_app_id: 'media-app' }), contentType);
      expect(edge.statusCode, edge.body).toBe(415);
      expect(edge.json()).toEqual({
        error_code: 'IoTEdge.00000006',
        error_msg: `The request format is invalid. ${why} ${SEND}`,
      });
      const provider = await post(
        '/v1/private-providers',
        JSON.stringify({ provider_name: 'media-provider' }),
        contentType,
      );
      expect(provider.statusCode).toBe(415);
      expect(provider.json()).toEqual({ error_code: 'RF.10011003', error_msg: `Invalid parameter(s). ${why} ${SEND}` });
      const tokenReq = await post('/v3/auth/tokens', JSON.stringify(passwordBody()), contentType);
      expect(tokenReq.statusCode).toBe(415);
      expect(tokenReq.json()).toEqual({ error_code: 'IAM.0001', error_msg: `The request is invalid. ${why} ${SEND}` });
      const imported = await post('/_versionary/import', JSON.stringify({ edge_apps: [] }), contentType);
      expect(imported.statusCode).toBe(415);
      expect(imported.json()).toEqual({ error_code: 'IAM.0001', error_msg: `The request is invalid. ${why} ${SEND}` });
      expect(await snapshot()).toBe(before);
    },
  );

  it('checks credentials before the content type', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: P,
      payload: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    'application/json',
    'application/json;charset=UTF-8',
    'application/json; charset=utf-8',
    'application/json; charset="utf-8"',
    'Application/JSON; Charset="UTF-8"',
    'application/json; charset=utf8',
    'application/json;',
  ])('accepts %j', async (contentType) => {
    const id = `ok-${Math.random().toString(36).slice(2, 10)}`;
    const res = await post(P, JSON.stringify({ edge_app_id: id }), contentType);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().edge_app_id).toBe(id);
  });

  it('keeps the SDK forms working: GET and DELETE with a JSON content type and no body, GET with a {} body', async () => {
    expect((await iotedge(s, token).createApp({ edge_app_id: 'sdk-app' })).statusCode).toBe(201);
    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    expect((await s.app.inject({ method: 'GET', url: `${P}/sdk-app`, headers })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: `${P}/sdk-app`, headers, payload: '{}' })).statusCode).toBe(200);
    expect(
      (
        await s.app.inject({
          method: 'GET',
          url: `${P}/sdk-app`,
          headers: { ...headers, 'content-type': 'application/json; charset=latin1' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `${P}/sdk-app`, headers })).statusCode).toBe(204);
    // A request without a body needs no content type.
    expect(
      (await s.app.inject({ method: 'DELETE', url: `${P}/no-such-app`, headers: { 'x-auth-token': token } }))
        .statusCode,
    ).toBe(404);
  });

  it('answers an unknown route with 404 whatever the content type', async () => {
    const res = await post('/v9/nothing', 'x', 'text/plain');
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toBe('APIGW.0101');
  });
});

describe('findLoneSurrogate', () => {
  it('returns the path of the first string or key that is not well-formed', () => {
    expect(findLoneSurrogate({ a: 'ok', b: ['x', { c: 'y\ud800' }] })).toBe('b[1].c');
    expect(findLoneSurrogate({ a: { ['k\udc00']: 1 } })).toBe('a.k\\udc00');
    expect(findLoneSurrogate('\ud800')).toBe('');
    expect(findLoneSurrogate({ a: 'ok \ud83d\ude00', b: [1, true, null] })).toBeUndefined();
    expect(findLoneSurrogate([['a'], ['b', '\udfff']])).toBe('[1][1]');
  });

  it('is needed only where the JSON text has a surrogate escape', () => {
    for (const text of ['"\\uD800"', '"x\\udc00"', '"\\uDFFF"', '"\\u00e9\\uD83D\\uDE00"', '"\\\\ud800"'])
      expect(mayHoldLoneSurrogate(text), text).toBe(true);
    for (const text of ['"plain"', '"\\u4e2d\\ud7ff\\ue000"', '"\\u', '"\\ud', '"中文 😀"'])
      expect(mayHoldLoneSurrogate(text), text).toBe(false);
  });

  it('walks very deep values without overflowing the stack', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findLoneSurrogate(deep)).toBe('[0]'.repeat(200_000));
  });
});

describe('loneSurrogateProblem', () => {
  it('names the path within a part of a larger document', () => {
    expect(loneSurrogateProblem({ spec: { envs: { A: 'x\udc01' } } }, 'edge_app_versions[3]')).toBe(
      'edge_app_versions[3].spec.envs.A holds a lone surrogate (\\udc01), which is not a Unicode character.',
    );
    expect(loneSurrogateProblem(['ok', '\ud800'], 'list')).toBe(
      'list[1] holds a lone surrogate (\\ud800), which is not a Unicode character.',
    );
    expect(loneSurrogateProblem('\ud800', 'format')).toBe(
      'format holds a lone surrogate (\\ud800), which is not a Unicode character.',
    );
    expect(loneSurrogateProblem('\ud800')).toBe(
      'The body holds a lone surrogate (\\ud800), which is not a Unicode character.',
    );
    expect(loneSurrogateProblem({ a: ['fine \ud83d\ude00'] }, 'x')).toBeUndefined();
  });
});

describe('contentTypeProblem and invalidUtf8Offset', () => {
  it('accepts JSON in UTF-8 only', () => {
    for (const ok of [
      'application/json',
      'application/json;charset=UTF-8',
      'application/json ; charset = "UTF-8"',
      'application/json; foo=bar',
      'APPLICATION/JSON',
    ])
      expect(contentTypeProblem(ok)).toBeUndefined();
    expect(contentTypeProblem('application/json; charset=utf-8; charset=latin1')).toMatch(
      /^The charset latin1 is not supported\./,
    );
    expect(contentTypeProblem('application/json; charset')).toMatch(/^The charset {2}is not supported\./);
    expect(contentTypeProblem(`text/${'x'.repeat(500)}`)!.length).toBeLessThan(200);
  });

  it('finds the first byte that is not UTF-8', () => {
    expect(invalidUtf8Offset(Buffer.from('héllo 中文 😀'))).toBe(-1);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xe4, 0xb8]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xe4, 0x41]))).toBe(2);
    expect(invalidUtf8Offset(Buffer.from([0xed, 0xbf, 0xbf]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0xf0, 0x8f, 0xbf, 0xbf]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0xc1, 0x81]))).toBe(0);
    expect(invalidUtf8Offset(Buffer.from([0xf5, 0x80, 0x80, 0x80]))).toBe(0);
  });
});
