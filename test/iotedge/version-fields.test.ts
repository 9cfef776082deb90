import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, iotedgeSnapshot, versionWith, VALID_VERSION } from '../helpers/iotedge.js';

const V = 'IoTEdge.00000005';
const T = 'IoTEdge.00000006';
const x = (n: number, c = 'a') => c.repeat(n);

/** [field path, value (undefined = remove), expected code, text the message must contain] */
const REJECTED: [string, unknown, string, string][] = [
  ['version', undefined, V, 'version is required'],
  ['version', null, V, 'version is required'],
  ['version', '', V, 'version must NOT have fewer than 1'],
  ['version', x(33), V, 'version must NOT have more than 32'],
  ['version', '1.0 0', V, 'version must be'],
  ['version', 100, T, 'version must be string'],
  ['description', x(256), V, 'description must NOT have more than 255'],
  ['description', 'a <b>', V, 'description must be'],
  ['description', 5, T, 'description must be string'],
  ['sdk_version', '', V, 'sdk_version must NOT have fewer than 1'],
  ['sdk_version', x(33), V, 'sdk_version'],
  ['sdk_version', 'v#1', V, 'sdk_version must be'],
  ['deploy_type', 'vm', V, 'deploy_type must be one of docker, process'],
  ['deploy_type', 1, T, 'deploy_type must be string'],
  ['deploy_multi_instance', 'true', T, 'deploy_multi_instance must be boolean'],
  ['container_settings', undefined, V, 'container_settings is required'],
  ['container_settings', null, V, 'container_settings is required'],
  ['container_settings', 'x', T, 'container_settings must be object'],
  ['container_settings', {}, V, 'container_settings.image_url is required'],
  ['container_settings.image_url', undefined, V, 'container_settings.image_url is required'],
  ['container_settings.image_url', '', V, 'container_settings.image_url'],
  ['container_settings.image_url', 'a', V, 'container_settings.image_url must be'],
  ['container_settings.image_url', 'repo/img:1.0?', V, 'container_settings.image_url must be'],
  ['container_settings.image_url', 7, T, 'container_settings.image_url must be string'],
  ['container_settings.configs', 'Always', T, 'container_settings.configs must be object'],
  ['container_settings.configs.restart_policy', undefined, V, 'container_settings.configs.restart_policy is required'],
  ['container_settings.configs.restart_policy', 'string', V, 'restart_policy must be Always, OnFailure or Never'],
  ['container_settings.configs.restart_policy', 'always', V, 'restart_policy must be'],
  ['container_settings.configs.restart_policy', x(257), V, 'restart_policy must NOT have more than 256'],
  ['container_settings.configs.privileged', 'no', T, 'container_settings.configs.privileged must be boolean'],
  ['container_settings.configs.host_network', 1, T, 'host_network must be boolean'],
  ['container_settings.configs.container_port_list', { container_port: 80 }, T, 'container_port_list must be array'],
  [
    'container_settings.configs.container_port_list',
    [{ container_port: 0 }],
    V,
    'container_port_list[0].container_port must be >= 1',
  ],
  [
    'container_settings.configs.container_port_list',
    [{ host_port: 65536 }],
    V,
    'container_port_list[0].host_port must be <= 65535',
  ],
  [
    'container_settings.configs.container_port_list',
    [{ host_port: '80' }],
    T,
    'container_port_list[0].host_port must be integer',
  ],
  ['container_settings.configs.container_port_list', [{ host_ip: x(65) }], V, 'container_port_list[0].host_ip'],
  ['container_settings.envs', { '1BAD': 'x' }, V, 'container_settings.envs.1BAD is not a valid name'],
  ['container_settings.envs', { GOOD: 1 }, T, 'container_settings.envs.GOOD must be string'],
  ['container_settings.envs', { GOOD: '<bad>' }, V, 'container_settings.envs.GOOD must be'],
  ['container_settings.envs', ['A=1'], T, 'container_settings.envs must be object'],
  ['container_settings.volumes', { name: 'v' }, T, 'container_settings.volumes must be array'],
  ['container_settings.volumes', [null], T, 'container_settings.volumes[0] must be object'],
  ['container_settings.volumes', [{ name: 'Upper', source: '/a', destination: '/b' }], V, 'volumes[0].name must be'],
  [
    'container_settings.volumes',
    [{ name: x(64), source: '/a', destination: '/b' }],
    V,
    'volumes[0].name must NOT have more than 63',
  ],
  ['container_settings.volumes', [{ source: '/a', destination: '/b' }], V, 'volumes[0].name is required'],
  [
    'container_settings.volumes',
    [{ name: 'v', type: 'TMP', source: '/a', destination: '/b' }],
    V,
    'volumes[0].type must be one of LOG, DB, CONFIG',
  ],
  [
    'container_settings.volumes',
    [{ name: 'v', source: 'relative', destination: '/b' }],
    V,
    'volumes[0].source must be',
  ],
  ['container_settings.volumes', [{ name: 'v', source: '/a//b', destination: '/b' }], V, 'volumes[0].source must be'],
  [
    'container_settings.volumes',
    [{ name: 'v', source: '/a', destination: '/etc/passwd' }],
    V,
    'volumes[0].destination must be',
  ],
  [
    'container_settings.volumes',
    [{ name: 'v', source: '/a', destination: '//dev/x' }],
    V,
    'volumes[0].destination must be',
  ],
  [
    'container_settings.volumes',
    [{ name: 'v', source: '/a', destination: '/b', read_only: 'yes' }],
    T,
    'volumes[0].read_only must be boolean',
  ],
  ['container_settings.npu_type', 'D999', V, 'container_settings.npu_type must be one of D310, D910, D310P'],
  ['container_settings.vnpu_template', 'vir99', V, 'container_settings.vnpu_template must be one of'],
  ['container_settings.resources', { limits: { cpu: 0 } }, V, 'resources.limits.cpu must be >= 0.01'],
  ['container_settings.resources', { limits: { cpu: 1001 } }, V, 'resources.limits.cpu must be <= 1000'],
  ['container_settings.resources', { requests: { cpu: '1' } }, T, 'resources.requests.cpu must be number'],
  [
    'container_settings.resources',
    { requests: { memory: 1024001 } },
    V,
    'resources.requests.memory must be <= 1024000',
  ],
  ['container_settings.resources', { limits: { gpu: 0.001 } }, V, 'resources.limits.gpu must be >= 0.01'],
  ['container_settings.resources', { limits: { npu: 1001 } }, V, 'resources.limits.npu must be <= 1000'],
  ['container_settings.ext_devices', [{ source: 'dev', destination: '/dev/x' }], V, 'ext_devices[0].source must be'],
  ['container_settings.ext_devices', [{ source: '/dev/x' }], V, 'ext_devices[0].destination is required'],
  ['liveness_probe', 'probe', T, 'liveness_probe must be object'],
  ['liveness_probe.initial_delay_seconds', undefined, V, 'liveness_probe.initial_delay_seconds is required'],
  ['liveness_probe.initial_delay_seconds', -1, V, 'initial_delay_seconds must be >= 0'],
  ['liveness_probe.initial_delay_seconds', 3601, V, 'initial_delay_seconds must be <= 3600'],
  ['liveness_probe.initial_delay_seconds', '5', T, 'initial_delay_seconds must be integer'],
  ['liveness_probe.timeout_seconds', 0, V, 'liveness_probe.timeout_seconds must be >= 1'],
  ['readiness_probe.period_seconds', 4, V, 'readiness_probe.period_seconds must be >= 5'],
  ['readiness_probe.failure_threshold', 0, V, 'readiness_probe.failure_threshold must be >= 1'],
  ['readiness_probe.failure_threshold', 3601, V, 'readiness_probe.failure_threshold must be <= 3600'],
  ['liveness_probe.exec_command', x(257), V, 'liveness_probe.exec_command must NOT have more than 256'],
  ['liveness_probe.exec_command', 'rm -rf *', V, 'liveness_probe.exec_command must be'],
  ['liveness_probe.tcp_socket', {}, V, 'liveness_probe.tcp_socket.port is required'],
  ['liveness_probe.tcp_socket', { port: 0 }, V, 'liveness_probe.tcp_socket.port must be >= 1'],
  ['liveness_probe.http_get.path', '/', V, 'liveness_probe.http_get.path'],
  ['liveness_probe.http_get.path', 'healthz', V, 'liveness_probe.http_get.path must be'],
  ['liveness_probe.http_get.path', '/' + x(64), V, 'liveness_probe.http_get.path must NOT have more than 64'],
  ['liveness_probe.http_get.scheme', 'FTP', V, 'liveness_probe.http_get.scheme must be one of HTTP, HTTPS'],
  ['liveness_probe.http_get.scheme', undefined, V, 'liveness_probe.http_get.scheme is required'],
  ['liveness_probe.http_get.host', 'localhost', V, 'liveness_probe.http_get.host must be'],
  ['liveness_probe.http_get.port', undefined, V, 'liveness_probe.http_get.port is required'],
  ['arch', undefined, V, 'arch is required'],
  ['arch', null, V, 'arch is required'],
  ['arch', {}, V, 'arch must NOT have fewer than 1 items'],
  ['arch', [], V, 'arch must NOT have fewer than 1 items'],
  ['arch', '', V, 'arch[0] must be one of x86_64, arm32, arm64'],
  ['arch', ['x86'], V, 'arch[0] must be one of x86_64, arm32, arm64'],
  ['arch', 5, T, 'arch must be array'],
  ['arch', { a: 1 }, T, 'arch must be array'],
  ['arch', [1], T, 'arch[0] must be string'],
  ['command', ['rm *'], V, 'command[0] must be'],
  ['command', 5, T, 'command must be array'],
  ['args', ['a|b'], V, 'args[0] must be'],
  ['outputs', ['a b'], V, 'outputs[0] must be'],
  ['inputs', [{}], T, 'inputs[0] must be string'],
  ['services', [x(33)], V, 'services[0] must NOT have more than 32'],
  ['services', [''], V, 'services[0] must NOT have fewer than 1'],
  ['supplier', '', V, 'supplier must NOT have fewer than 1'],
  ['supplier', x(129), V, 'supplier must NOT have more than 128'],
  ['tpl_id', 'a b', V, 'tpl_id must be'],
  ['tpl_id', x(65), V, 'tpl_id must NOT have more than 64'],
];

/** [field path, value, what the stored version must then show at that path (undefined = omitted)] */
const ACCEPTED: [string, unknown, unknown][] = [
  ['arch', 'arm64', ['arm64']],
  ['arch', ['x86_64', 'arm32', 'arm64'], ['x86_64', 'arm32', 'arm64']],
  ['command', 'run', ['run']],
  ['command', {}, undefined],
  ['outputs', [], undefined],
  ['services', null, undefined],
  ['deploy_type', '', 'docker'],
  ['deploy_type', 'process', 'process'],
  ['deploy_type', undefined, 'docker'],
  ['deploy_multi_instance', undefined, false],
  ['description', '', ''],
  ['description', x(255), x(255)],
  ['version', x(32, '9'), x(32, '9')],
  [
    'container_settings.configs',
    { restart_policy: 'OnFailure' },
    { restart_policy: 'OnFailure', privileged: false, host_network: true },
  ],
  ['container_settings.configs', undefined, undefined],
  [
    'container_settings.volumes',
    [{ name: 'v', source: '/a', destination: '/etc' }],
    [{ name: 'v', source: '/a', destination: '/etc', read_only: true }],
  ],
  [
    'container_settings.volumes',
    [{ name: 'v', source: '/a/', destination: '///proc/x' }],
    [{ name: 'v', source: '/a/', destination: '///proc/x', read_only: true }],
  ],
  [
    'container_settings.envs',
    { LANG: 'zh_CN.UTF-8', 名: undefined, _X1: 'a=b，c' },
    { LANG: 'zh_CN.UTF-8', _X1: 'a=b，c' },
  ],
  [
    'container_settings.resources',
    { limits: { cpu: 0.01, memory: 1024000 } },
    { limits: { cpu: 0.01, memory: 1024000 } },
  ],
  [
    'liveness_probe',
    { initial_delay_seconds: 0, timeout_seconds: 1 },
    { initial_delay_seconds: 0, timeout_seconds: 1, period_seconds: 30, failure_threshold: 3 },
  ],
  ['liveness_probe', undefined, undefined],
  ['liveness_probe.http_get.host', '', ''],
  ['liveness_probe.http_get.scheme', 'HTTPS', 'HTTPS'],
  ['unknown_top_level', { a: 1 }, undefined],
];

const many = <T>(n: number, item: (i: number) => T) => Array.from({ length: n }, (_, i) => item(i));

/**
 * docs/api/iotedge.md §5.2 "Size bounds": [field path, its bound, a value at the bound, over it, the rule
 * the message states]. Every list and map of a version has one.
 */
const BOUNDED: [string, number, (n: number) => unknown, string][] = [
  ['arch', 3, (n) => ['x86_64', 'arm32', 'arm64', 'x86_64'].slice(0, n), 'must hold at most 3 items'],
  ['command', 256, (n) => many(n, (i) => `run${i}`), 'must hold at most 256 items'],
  ['args', 256, (n) => many(n, (i) => `--a=${i}`), 'must hold at most 256 items'],
  ['outputs', 64, (n) => many(n, (i) => `out/${i}`), 'must hold at most 64 items'],
  ['inputs', 64, (n) => many(n, (i) => `in/${i}`), 'must hold at most 64 items'],
  ['services', 64, (n) => many(n, (i) => `s${i}`), 'must hold at most 64 items'],
  [
    'container_settings.volumes',
    40,
    (n) => many(n, (i) => ({ name: `v${i}`, source: `/data/${i}`, destination: `/opt/${i}`, read_only: true })),
    'must hold at most 40 items',
  ],
  [
    'container_settings.ext_devices',
    64,
    (n) => many(n, (i) => ({ source: `/dev/d${i}`, destination: `/dev/d${i}` })),
    'must hold at most 64 items',
  ],
  [
    'container_settings.configs.container_port_list',
    64,
    (n) => many(n, (i) => ({ container_port: 1000 + i })),
    'must hold at most 64 items',
  ],
  [
    'container_settings.envs',
    256,
    (n) => Object.fromEntries(many(n, (i) => [`K${i}`, `v${i}`])),
    'must hold at most 256 keys',
  ],
  [
    'container_settings.image_url',
    10000,
    (n) => `swr.example.com/ns/app:${'1'.repeat(n - 23)}`,
    'must NOT have more than 10000 characters: it must be an image address such as swr.cn-north-4.myhuaweicloud.com/ns/app:1.0',
  ],
];

function at(obj: any, path: string): unknown {
  return path.split('.').reduce((o, k) => (o === undefined ? undefined : o[k]), obj);
}

describe.each(BACKENDS)('IoTEdge version fields on %s', (kind) => {
  let s: TestServer;
  let api: ReturnType<typeof iotedge>;
  beforeAll(async () => {
    s = await startServer(kind);
    api = iotedge(s, await adminToken(s));
    expect((await api.createApp({ edge_app_id: 'field-app', edge_app_name: 'FieldApp' })).statusCode).toBe(201);
  });
  afterAll(async () => s.close());

  it.each(REJECTED)('create rejects %s = %j (%s) and stores nothing', async (path, value, code, mention) => {
    const before = await iotedgeSnapshot(s);
    const res = await api.createVersion('field-app', versionWith(path, value));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error_code).toBe(code);
    expect(res.json().error_msg).toContain(mention);
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  it.each(ACCEPTED)('create accepts %s = %j and returns it as %j', async (path, value, expected) => {
    const body = versionWith(path, value);
    body.version = path === 'version' ? body.version : `acc-${Math.random().toString(36).slice(2, 10)}`;
    const res = await api.createVersion('field-app', body);
    expect(res.statusCode, res.body).toBe(201);
    expect(at(res.json(), path)).toEqual(expected);
    const shown = await api.showVersion('field-app', body.version);
    expect(shown.json()).toEqual(res.json());
    expect((await api.deleteVersion('field-app', body.version)).statusCode).toBe(204);
  });

  it.each(BOUNDED)(
    'create accepts %s at its bound (%i) and refuses one more, naming the field and the bound',
    async (path, bound, value, rule) => {
      const version = `bound-${path.split('.').at(-1)}`;
      const before = await iotedgeSnapshot(s);
      const over = await api.createVersion(
        'field-app',
        versionWith(path, value(bound + 1), versionWith('version', version)),
      );
      expect(over.statusCode, over.body).toBe(400);
      expect(over.json()).toEqual({ error_code: V, error_msg: `The request parameter is invalid. ${path} ${rule}` });
      expect(await iotedgeSnapshot(s)).toEqual(before);
      const ok = await api.createVersion('field-app', versionWith(path, value(bound), versionWith('version', version)));
      expect(ok.statusCode, ok.body).toBe(201);
      expect(at(ok.json(), path)).toEqual(value(bound));
      expect((await api.deleteVersion('field-app', version)).statusCode).toBe(204);
    },
  );

  it('refuses a list of 200,000 items quickly, naming its bound once', async () => {
    const started = Date.now();
    const res = await api.createVersion('field-app', { ...VALID_VERSION, command: many(200_000, () => '<') });
    expect(res.statusCode).toBe(400);
    const parts = (res.json().error_msg as string).split('; ');
    expect(parts[0]).toBe('The request parameter is invalid. command must hold at most 256 items');
    expect(parts[1]).toBe('command[0] must be letters, digits, Chinese characters, spaces and _;:?!,./@>-');
    expect(parts.length).toBeLessThanOrEqual(16);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('update applies the same rules to what it is given', async () => {
    expect((await api.createVersion('field-app', versionWith('version', 'upd-1'))).statusCode).toBe(201);
    const before = await iotedgeSnapshot(s);
    for (const [body, code, mention] of [
      [
        { container_settings: { configs: { restart_policy: 'Always' } } },
        V,
        'container_settings.image_url is required',
      ],
      [{ arch: [] }, V, 'arch must NOT have fewer than 1 items'],
      [{ arch: {} }, V, 'arch must NOT have fewer than 1 items'],
      [{ arch: ['arm64', 'arm32', 'x86_64', 'arm64'] }, V, 'arch must hold at most 3 items'],
      [{ arch: ['arm64', 'arm64'] }, V, 'arch must hold distinct items (items 0 and 1 are the same)'],
      [{ command: Array.from({ length: 257 }, () => 'run') }, V, 'command must hold at most 256 items'],
      [{ deploy_type: 'vm' }, V, 'deploy_type'],
      [{ sdk_version: 3 }, T, 'sdk_version must be string'],
      [{ liveness_probe: { timeout_seconds: 1 } }, V, 'liveness_probe.initial_delay_seconds is required'],
      [[], T, 'must be object'],
    ] as const) {
      const res = await api.updateVersion('field-app', 'upd-1', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error_code).toBe(code);
      expect(res.json().error_msg).toContain(mention);
    }
    expect(await iotedgeSnapshot(s)).toEqual(before);
  });

  it('names every bad field of the seed example at once', async () => {
    const seed = (await import('../fixtures/seed-iotedge-version.json', { with: { type: 'json' } })).default;
    const before = await iotedgeSnapshot(s);
    const res = await api.createVersion('field-app', seed);
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe(V);
    const msg: string = res.json().error_msg;
    for (const field of [
      'arch',
      'container_settings.configs.restart_policy',
      'container_settings.volumes[0].type',
      'container_settings.volumes[0].source',
      'container_settings.ext_devices[0].source',
      'liveness_probe.http_get.path',
    ]) {
      expect(msg).toContain(field);
    }
    expect(await iotedgeSnapshot(s)).toEqual(before);
    expect(VALID_VERSION.version).toBe('1.0.0');
  });
});
