import { Type, type Static } from 'typebox';
import { VersionSpec } from '../iotedge/schemas.js';

/** One record of each stored table, as a snapshot carries it (iotedge/rfs rows, JSON columns parsed). */

const S = Type.String({ maxLength: 1_000_000 });
const T = Type.String({ minLength: 1, maxLength: 32 });
const N = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const strict = { additionalProperties: false } as const;

export const EdgeAppRecord = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 64 }),
    edge_app_id: Type.String({ minLength: 1, maxLength: 32 }),
    edge_app_name: N(64),
    description: N(255),
    function_type: Type.String({ maxLength: 64 }),
    protocol: N(64),
    delivered_app: Type.Union([Type.Boolean(), Type.Null()]),
    app_type: Type.String({ maxLength: 32 }),
    deploy_type: N(16),
    last_published_version: N(32),
    version_count: Type.Optional(Type.Integer({ minimum: 0 })),
    create_time: T,
    update_time: T,
  },
  strict,
);

export const EdgeAppVersionRecord = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 64 }),
    edge_app_id: Type.String({ minLength: 1, maxLength: 32 }),
    version: Type.String({ minLength: 1, maxLength: 32 }),
    state: Type.Unsafe<string>({ type: 'string', enum: ['DRAFT', 'PUBLISHED', 'OFF_SHELF'] }),
    deploy_type: Type.String({ maxLength: 16 }),
    arch: Type.Array(Type.String({ maxLength: 16 })),
    ai_card_type: Type.String({ maxLength: 16 }),
    description: N(255),
    sdk_version: N(32),
    deploy_multi_instance: Type.Boolean(),
    create_time: T,
    update_time: T,
    publish_time: Type.Union([T, Type.Null()]),
    off_shelf_time: Type.Union([T, Type.Null()]),
    spec: VersionSpec,
  },
  strict,
);

export const ProviderRecord = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 64 }),
    provider_name: Type.String({ minLength: 1, maxLength: 64 }),
    provider_id: Type.String({ minLength: 36, maxLength: 36 }),
    provider_description: N(1024),
    provider_agency_name: N(64),
    provider_agency_urn: N(256),
    create_time: T,
    update_time: T,
  },
  strict,
);

export const ProviderVersionRecord = Type.Object(
  {
    provider_id: Type.String({ minLength: 36, maxLength: 36 }),
    provider_version: Type.String({ minLength: 1, maxLength: 128 }),
    version_description: N(1024),
    function_graph_urn: Type.String({ maxLength: 256 }),
    create_time: T,
  },
  strict,
);

export type EdgeAppRecord = Static<typeof EdgeAppRecord>;
export type EdgeAppVersionRecord = Static<typeof EdgeAppVersionRecord>;
export type ProviderRecord = Static<typeof ProviderRecord>;
export type ProviderVersionRecord = Static<typeof ProviderVersionRecord>;

export const SNAPSHOT_FORMAT = 'versionary-snapshot';

/** For the API document: the whole snapshot (the import streams it record by record). */
export const Snapshot = Type.Object({
  format: Type.Literal(SNAPSHOT_FORMAT),
  version: Type.Literal(1),
  exported_at: Type.Optional(S),
  project_id: Type.Optional(Type.Union([S, Type.Null()])),
  edge_apps: Type.Array(EdgeAppRecord),
  edge_app_versions: Type.Array(EdgeAppVersionRecord),
  rfs_providers: Type.Array(ProviderRecord),
  rfs_provider_versions: Type.Array(ProviderVersionRecord),
});

export const ProjectQuery = Type.Object({ project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });
export const ImportQuery = Type.Object({
  mode: Type.Unsafe<'add' | 'replace'>({ type: 'string', enum: ['add', 'replace'], default: 'add' }),
});
export const Counts = Type.Object({
  edge_apps: Type.Integer(),
  edge_app_versions: Type.Integer(),
  rfs_providers: Type.Integer(),
  rfs_provider_versions: Type.Integer(),
});
export type Counts = Static<typeof Counts>;
