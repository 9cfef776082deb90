import { Type, type Static, type TSchema } from 'typebox';
import type { EdgeAppVersionTable } from '../store/types.js';
import * as RX from './patterns.js';
import { CREATE_APP_EXAMPLE, CREATE_VERSION_EXAMPLE, STATE_EXAMPLE, UPDATE_VERSION_EXAMPLE } from './examples.js';

/**
 * IoTEdge request and response schemas (docs/api/iotedge.md §3–§5): validation, TypeScript types and the
 * OpenAPI document come from these. `x-lenient-list` and `x-empty-is-absent` drive the tolerance
 * rules of normalize.ts (lone string = one-item list, `{}`/`[]` = absent, `""` = absent).
 */

const str = (min: number, max: number, pattern?: RegExp, extra: object = {}) =>
  Type.String({
    minLength: min,
    maxLength: max,
    ...(pattern ? { pattern: pattern.source, 'x-rule': RX.PATTERN_RULES.get(pattern) } : {}),
    ...extra,
  });
const oneOf = <T extends string>(values: readonly T[], extra: object = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...extra });
const int = (min: number, max: number, extra: object = {}) => Type.Integer({ minimum: min, maximum: max, ...extra });
const num = (min: number, max: number) => Type.Number({ minimum: min, maximum: max });
const list = <T extends TSchema>(item: T, extra: object = {}) => Type.Array(item, { 'x-lenient-list': true, ...extra });
const opt = Type.Optional;

export const FUNCTION_TYPES = [
  'DATA_PROCESSING',
  'PROTOCOL_PARSING',
  'ON_PREMISE_INTEGRATION',
  'GATEWAY_MANAGER',
  'COMPOSITE_APPLICATION',
  'DATA_COLLECTION',
  'MODEL_INFERENCE',
] as const;
export const PROTOCOLS = [
  'OPCUA',
  'Modbus-TCP',
  'Modbus-RTU',
  'IEC104',
  'OPCDA',
  'Http',
  'JDBC',
  'Other',
  'ONVIF',
] as const;
export const APP_TYPES = ['SYSTEM_REQUIRED', 'SYSTEM_OPTIONAL', 'USER'] as const;
export const ARCHES = ['x86_64', 'arm32', 'arm64'] as const;
export const STATES = ['DRAFT', 'PUBLISHED', 'OFF_SHELF'] as const;
export const AI_CARD_TYPES = ['GPU', 'NPU', 'unEquipped'] as const;
export type VersionState = (typeof STATES)[number];

// --- path and query ---------------------------------------------------------------------------

const ProjectId = str(1, 64, RX.RX_PROJECT_ID, {
  description: 'project id: token.project.id of your token, or the X-Project-Id of your AK/SK credentials',
});
const AppId = str(1, 32, undefined, { examples: ['my-edge-app'] });
export const AppParams = Type.Object({ project_id: ProjectId, edge_app_id: AppId });
export const ProjectParams = Type.Object({ project_id: ProjectId });
export const VersionParams = Type.Object({
  project_id: ProjectId,
  edge_app_id: AppId,
  version: str(1, 32, undefined, { examples: ['1.0.0'] }),
});

const Offset = int(0, 1000000, { default: 0 });
const Limit = int(1, 1000, { default: 10 });

export const ListAppsQuery = Type.Object({
  edge_app_id: opt(str(0, 32)),
  offset: Offset,
  limit: Limit,
  app_type: opt(oneOf(APP_TYPES)),
  function_type: opt(oneOf(FUNCTION_TYPES)),
  function_types: opt(Type.Array(str(0, 255), { maxItems: 1000 })),
  protocol: opt(str(1, 64)),
});
export type ListAppsQuery = Static<typeof ListAppsQuery>;

export const ListVersionsQuery = Type.Object({
  version: opt(str(0, 32)),
  offset: Offset,
  limit: Limit,
  ai_card_type: opt(oneOf(AI_CARD_TYPES)),
  arch: opt(oneOf(ARCHES)),
  state: opt(oneOf(STATES)),
});
export type ListVersionsQuery = Static<typeof ListVersionsQuery>;

// --- edge apps --------------------------------------------------------------------------------

export const CreateAppBody = Type.Object(
  {
    edge_app_id: str(4, 32, RX.RX_ID),
    edge_app_name: opt(str(4, 64, RX.RX_APPNAME)),
    description: opt(str(0, 255, RX.RX_TEXT)),
    function_type: opt(oneOf(FUNCTION_TYPES, { default: 'DATA_PROCESSING' })),
    protocol: opt(oneOf(PROTOCOLS)),
    delivered_app: opt(Type.Boolean()),
  },
  { examples: [CREATE_APP_EXAMPLE] },
);
export type CreateAppBody = Static<typeof CreateAppBody>;

export const EdgeApp = Type.Object({
  edge_app_id: Type.String(),
  description: opt(Type.String()),
  create_time: Type.String(),
  update_time: Type.String(),
  last_published_version: opt(Type.String()),
  app_type: Type.String(),
  function_type: Type.String(),
  deploy_type: opt(Type.String()),
  protocol: opt(Type.String()),
  edge_app_name: opt(Type.String()),
  delivered_app: opt(Type.Boolean()),
});
export type EdgeApp = Static<typeof EdgeApp>;

const PageInfo = Type.Object({ offset: Type.Integer(), limit: Type.Integer() });
export const AppPage = Type.Object({ count: Type.Integer(), page_info: PageInfo, edge_apps: Type.Array(EdgeApp) });

// --- version building blocks (§4) -------------------------------------------------------------

/**
 * Size bounds (docs/api/iotedge.md §5.2 "Size bounds"): every list and map of a version has an upper
 * bound, so that one stored version stays small and a list page of 1000 stays bounded in memory.
 * `arch` also holds distinct items only.
 */
export const BOUNDS = { arch: 3, command: 256, routes: 64, volumes: 40, devices: 64, ports: 64, envs: 256 } as const;

const ContainerPort = Type.Object({
  container_port: opt(int(1, 65535)),
  host_port: opt(int(1, 65535)),
  host_ip: opt(str(0, 64)),
});
const ContainerConfigs = Type.Object({
  privileged: opt(Type.Boolean({ default: false })),
  host_network: opt(Type.Boolean({ default: true })),
  restart_policy: str(1, 256, /^(?:Always|OnFailure|Never)$/, { 'x-rule': 'Always, OnFailure or Never' }),
  container_port_list: opt(Type.Array(ContainerPort, { maxItems: BOUNDS.ports })),
});
const Volume = Type.Object({
  name: str(1, 63, RX.RX_VOLUME_NAME),
  type: opt(oneOf(['LOG', 'DB', 'CONFIG'])),
  source: str(1, 4096, RX.RX_ABSPATH),
  destination: str(1, 4096, RX.RX_VOLDEST),
  read_only: opt(Type.Boolean({ default: true })),
});
const ResourceConfig = Type.Object({
  cpu: opt(num(0.01, 1000)),
  memory: opt(num(0.01, 1024000)),
  gpu: opt(num(0.01, 1024000)),
  npu: opt(num(0.01, 1000)),
});
const Resource = Type.Object({ limits: opt(ResourceConfig), requests: opt(ResourceConfig) });
const ExtDevice = Type.Object({
  source: str(1, 4096, RX.RX_ABSPATH),
  destination: str(1, 4096, RX.RX_ABSPATH),
  cgroup_permissions: opt(str(0, 64)),
});
const Envs = Type.Unsafe<Record<string, string>>({
  type: 'object',
  propertyNames: { maxLength: 1024, pattern: RX.RX_ENV_KEY.source, 'x-rule': RX.PATTERN_RULES.get(RX.RX_ENV_KEY) },
  additionalProperties: {
    type: 'string',
    maxLength: 65536,
    pattern: RX.RX_ENV_VAL.source,
    'x-rule': RX.PATTERN_RULES.get(RX.RX_ENV_VAL),
  },
  maxProperties: BOUNDS.envs,
});

export const ContainerSettings = Type.Object({
  configs: opt(ContainerConfigs),
  image_url: str(1, 10000, RX.RX_IMAGE),
  envs: opt(Envs),
  volumes: opt(Type.Array(Volume, { maxItems: BOUNDS.volumes })),
  npu_type: opt(oneOf(['D310', 'D910', 'D310P'])),
  vnpu_template: opt(
    oneOf(['vir01', 'vir02', 'vir04', 'vir08', 'vir02_1c', 'vir04_3c', 'vir04_3c_ndvpp', 'vir04_4c_dvpp']),
  ),
  resources: opt(Resource),
  ext_devices: opt(Type.Array(ExtDevice, { maxItems: BOUNDS.devices })),
});
export type ContainerSettings = Static<typeof ContainerSettings>;

const TcpSocket = Type.Object({ port: int(1, 65535) });
const HttpGet = Type.Object({
  path: str(2, 64, RX.RX_HTTPPATH),
  port: int(1, 65535),
  host: opt(str(0, 64, RX.RX_HOST)),
  scheme: oneOf(['HTTP', 'HTTPS']),
});
export const Probe = Type.Object({
  exec_command: opt(str(0, 256, RX.RX_EXEC)),
  tcp_socket: opt(TcpSocket),
  http_get: opt(HttpGet),
  initial_delay_seconds: int(0, 3600),
  timeout_seconds: int(1, 3600),
  period_seconds: opt(int(5, 3600, { default: 30 })),
  failure_threshold: opt(int(1, 3600, { default: 3 })),
});

const Arch = list(oneOf(ARCHES), {
  minItems: 1,
  maxItems: BOUNDS.arch,
  uniqueItems: true,
  'x-lenient-list': 'keep-empty',
});
const Command = list(str(0, 1024, RX.RX_CMD), { maxItems: BOUNDS.command });
const Args = list(str(0, 1024, RX.RX_ARGS), { maxItems: BOUNDS.command });
const Routes = list(str(0, 1024, RX.RX_ROUTE), { maxItems: BOUNDS.routes });
const Services = list(str(1, 32, RX.RX_SERVICE), { maxItems: BOUNDS.routes });
const DeployType = oneOf(['docker', 'process'], { 'x-empty-is-absent': true });

/** Fields a version stores besides its identity and state; shared by create and update. */
const versionSpec = {
  description: opt(str(0, 255, RX.RX_TEXT)),
  sdk_version: opt(str(1, 32, RX.RX_VER)),
  container_settings: opt(ContainerSettings),
  liveness_probe: opt(Probe),
  readiness_probe: opt(Probe),
  arch: opt(Arch),
  command: opt(Command),
  args: opt(Args),
  outputs: opt(Routes),
  inputs: opt(Routes),
  services: opt(Services),
  tpl_id: opt(str(1, 64, RX.RX_ID)),
};

/** Everything a version stores besides its columns (admin snapshots carry it as `spec`). */
export const VersionSpec = Type.Object({
  ...versionSpec,
  deploy_multi_instance: opt(Type.Boolean()),
  supplier: opt(str(1, 128, RX.RX_TEXT)),
});

export const CreateVersionBody = Type.Object(
  {
    ...versionSpec,
    version: str(1, 32, RX.RX_VER),
    deploy_type: opt({ ...DeployType, default: 'docker' }),
    deploy_multi_instance: opt(Type.Boolean({ default: false })),
    container_settings: ContainerSettings,
    arch: Arch,
    supplier: opt(str(1, 128, RX.RX_TEXT)),
  },
  { examples: [CREATE_VERSION_EXAMPLE] },
);
export type CreateVersionBody = Static<typeof CreateVersionBody>;

export const UpdateVersionBody = Type.Object(
  {
    ...versionSpec,
    deploy_type: opt(DeployType),
    deploy_multi_instance: opt(Type.Boolean()),
  },
  { examples: [UPDATE_VERSION_EXAMPLE] },
);
export type UpdateVersionBody = Static<typeof UpdateVersionBody>;

export const StateBody = Type.Object({ state: oneOf(['PUBLISHED', 'OFF_SHELF']) }, { examples: [STATE_EXAMPLE] });
export type StateBody = Static<typeof StateBody>;

// --- version responses (§5.1) -----------------------------------------------------------------

const S = Type.String();
const StrList = Type.Array(Type.String());

export const BriefVersion = Type.Object({
  edge_app_id: S,
  name: S,
  version: S,
  sdk_version: opt(S),
  description: opt(S),
  deploy_type: S,
  deploy_multi_instance: Type.Boolean(),
  create_time: S,
  update_time: S,
  state: S,
  arch: StrList,
  publish_time: opt(S),
  off_shelf_time: opt(S),
});
export type BriefVersion = Static<typeof BriefVersion>;

export const FullVersion = Type.Object({
  edge_app_id: S,
  name: S,
  deploy_type: S,
  deploy_multi_instance: Type.Boolean(),
  version: S,
  sdk_version: opt(S),
  description: opt(S),
  create_time: S,
  update_time: S,
  state: S,
  liveness_probe: opt(Probe),
  readiness_probe: opt(Probe),
  arch: StrList,
  command: opt(StrList),
  args: opt(StrList),
  container_settings: ContainerSettings,
  outputs: opt(StrList),
  inputs: opt(StrList),
  services: opt(StrList),
  publish_time: opt(S),
  off_shelf_time: opt(S),
  supplier: opt(S),
  tpl_id: opt(S),
});
export type FullVersion = Static<typeof FullVersion>;

export const VersionPage = Type.Object({
  count: Type.Integer(),
  page_info: PageInfo,
  versions: Type.Array(BriefVersion),
});
export type VersionPage = Static<typeof VersionPage>;

// --- stored versions ----------------------------------------------------------------------------

/** Every version field that has no column of its own, as the client sent it (the `spec` column). */
export type Spec = Omit<CreateVersionBody, 'version' | 'deploy_type' | 'arch'>;

export const SPEC_KEYS = [
  'description',
  'sdk_version',
  'deploy_multi_instance',
  'container_settings',
  'liveness_probe',
  'readiness_probe',
  'command',
  'args',
  'outputs',
  'inputs',
  'services',
  'supplier',
  'tpl_id',
] as const;

/** The spec fields of a body, in SPEC_KEYS order. */
export function specOf(body: Partial<Spec>): Spec {
  const spec: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) if (body[key] !== undefined) spec[key] = body[key];
  return spec as Spec;
}

/**
 * A version as it is known: its columns and its spec. Its renderings (renderings.ts) are made from
 * this alone.
 */
export type Version = Omit<EdgeAppVersionTable, 'spec' | 'doc' | 'brief'> & { spec: Spec };
