import { Type, type Static } from 'typebox';
import * as iot from '../iotedge/schemas.js';
import * as rfs from '../rfs/schemas.js';
import { RX_PROJECT_ID } from '../iotedge/patterns.js';

/**
 * One record of each stored table, as a snapshot carries it. Every field a client can send is
 * checked by the schema of the API operation that creates it (the same property schemas); the
 * fields only the store has are checked here. `null` is absent, as in API bodies.
 */

const Time = Type.String({ format: 'timestamp' });
const oneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
const strict = { additionalProperties: false } as const;
const opt = Type.Optional;

const ProjectId = iot.ProjectParams.properties.project_id;
const DomainId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: RX_PROJECT_ID.source,
  'x-rule': 'letters, digits, "_" and "-"',
  description: 'domain (account) id',
});
const AppId = iot.CreateAppBody.properties.edge_app_id;

/** What a version stores besides its columns: the create body without version, deploy_type and arch. */
export const VersionSpec = Type.Omit(iot.CreateVersionBody, ['version', 'deploy_type', 'arch']);

export const EdgeAppRecord = Type.Object(
  {
    project_id: ProjectId,
    ...iot.CreateAppBody.properties,
    app_type: oneOf(iot.APP_TYPES),
    // Derived from the app's versions: recomputed on import.
    deploy_type: opt(Type.String({ maxLength: 16 })),
    last_published_version: opt(Type.String({ maxLength: 32 })),
    version_count: opt(Type.Integer({ minimum: 0 })),
    create_time: Time,
    update_time: Time,
  },
  strict,
);

export const EdgeAppVersionRecord = Type.Object(
  {
    project_id: ProjectId,
    edge_app_id: AppId,
    version: iot.CreateVersionBody.properties.version,
    state: oneOf(iot.STATES),
    deploy_type: iot.CreateVersionBody.properties.deploy_type,
    arch: iot.CreateVersionBody.properties.arch,
    // Copies of what `spec` says, or derived from it: recomputed on import.
    ai_card_type: opt(oneOf(iot.AI_CARD_TYPES)),
    description: opt(Type.String({ maxLength: 255 })),
    sdk_version: opt(Type.String({ maxLength: 32 })),
    deploy_multi_instance: opt(Type.Boolean()),
    create_time: Time,
    update_time: Time,
    publish_time: opt(Time),
    off_shelf_time: opt(Time),
    spec: VersionSpec,
  },
  strict,
);

/**
 * A provider belongs to a domain; a snapshot of an earlier release names its project instead (loaded into that
 * project's domain).
 */
export const ProviderRecord = Type.Object(
  {
    domain_id: opt(DomainId),
    project_id: opt(ProjectId),
    provider_name: rfs.CreateProviderBody.properties.provider_name,
    provider_id: rfs.ProviderId,
    provider_description: rfs.CreateProviderBody.properties.provider_description,
    provider_agency_name: rfs.CreateProviderBody.properties.provider_agency_name,
    provider_agency_urn: rfs.CreateProviderBody.properties.provider_agency_urn,
    create_time: Time,
    update_time: Time,
  },
  strict,
);

export const ProviderVersionRecord = Type.Object(
  {
    provider_id: rfs.ProviderId,
    provider_version: rfs.CreateVersionBody.properties.provider_version,
    version_description: rfs.CreateVersionBody.properties.version_description,
    function_graph_urn: rfs.CreateVersionBody.properties.function_graph_urn,
    create_time: Time,
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
  format: Type.Literal(SNAPSHOT_FORMAT, { description: 'comes first' }),
  version: Type.Literal(1, { description: 'comes second' }),
  exported_at: opt(Time),
  project_id: opt(Type.Union([ProjectId, Type.Null()], { description: 'the one project exported, or null' })),
  domain_id: opt(
    Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
      description: 'the domain exported, or null for a whole store',
    }),
  ),
  edge_apps: Type.Array(EdgeAppRecord),
  edge_app_versions: Type.Array(EdgeAppVersionRecord),
  rfs_providers: Type.Array(ProviderRecord),
  rfs_provider_versions: Type.Array(ProviderVersionRecord),
});

// Unknown parameters are refused: a misspelled project_id must not widen a reset to the whole domain.
export const ProjectQuery = Type.Object({ project_id: opt(ProjectId) }, { additionalProperties: false });
export const ImportQuery = Type.Object(
  { mode: Type.Unsafe<'add' | 'replace'>({ type: 'string', enum: ['add', 'replace'], default: 'add' }) },
  { additionalProperties: false },
);
export const Counts = Type.Object({
  edge_apps: Type.Integer(),
  edge_app_versions: Type.Integer(),
  rfs_providers: Type.Integer(),
  rfs_provider_versions: Type.Integer(),
});
export type Counts = Static<typeof Counts>;
