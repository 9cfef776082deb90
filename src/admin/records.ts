import type { TSchema } from 'typebox';
import { AppError } from '../platform/errors.js';
import { normalize } from '../platform/normalize.js';
import { validationError, validatorCompiler } from '../platform/validation.js';
import { newVersion } from '../iotedge/service.js';
import { specOf, type CreateVersionBody, type Version } from '../iotedge/schemas.js';
import type { ProviderVersion } from '../rfs/renderings.js';
import { checkProvider, checkUrn } from '../rfs/service.js';
import type { EdgeAppTable, RfsProviderTable } from '../store/types.js';
import { EdgeAppRecord, EdgeAppVersionRecord, ProviderRecord, ProviderVersionRecord } from './schemas.js';

/**
 * Snapshot records in and out. A record coming in is checked as the API checks the request that
 * creates it (its schemas, tolerances and rules), plus the fields only the store has, and becomes
 * the data the API would have stored; what is derived (renderings, counts, accelerator type) is
 * computed again, never taken from the snapshot. Out, a record carries a row's data, never its
 * renderings.
 */

export const TABLES = ['edge_apps', 'edge_app_versions', 'rfs_providers', 'rfs_provider_versions'] as const;
export type Table = (typeof TABLES)[number];

/**
 * A provider as received. A record of an earlier release names its project instead of its
 * domain (providers then belonged to projects); the snapshot import finds that project's domain
 * before loading (snapshot.ts).
 */
export type ReceivedProvider = RfsProviderTable | (Omit<RfsProviderTable, 'domain_id'> & { project_id: string });

export interface Rows {
  edge_apps: EdgeAppTable;
  edge_app_versions: Version;
  rfs_providers: ReceivedProvider;
  rfs_provider_versions: ProviderVersion;
}

const SCHEMAS: Record<Table, TSchema> = {
  edge_apps: EdgeAppRecord,
  edge_app_versions: EdgeAppVersionRecord,
  rfs_providers: ProviderRecord,
  rfs_provider_versions: ProviderVersionRecord,
};

type Validate = ((v: unknown) => boolean) & { errors?: unknown };
const validators = Object.fromEntries(
  TABLES.map((t) => [
    t,
    validatorCompiler({ schema: SCHEMAS[t], httpPart: 'body', method: 'POST', url: '/_versionary/import' }),
  ]),
) as unknown as Record<Table, Validate>;

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function versionRow(r: EdgeAppVersionRecord): Version {
  const { state, publish_time: published, off_shelf_time: offShelf } = r;
  if (state === 'DRAFT' && (published || offShelf))
    throw new AppError('invalid', 'a DRAFT version has no publish_time or off_shelf_time');
  if (state !== 'DRAFT' && !published) throw new AppError('invalid', `publish_time is required for a ${state} version`);
  if (state === 'OFF_SHELF' && !offShelf)
    throw new AppError('invalid', 'off_shelf_time is required for an OFF_SHELF version');
  const body = { ...r.spec, version: r.version, deploy_type: r.deploy_type, arch: r.arch } as CreateVersionBody;
  return newVersion(r.project_id, r.edge_app_id, body, r.create_time, {
    state,
    update_time: r.update_time,
    publish_time: orNull(published),
    off_shelf_time: orNull(offShelf),
  });
}

const toRow: { [T in Table]: (record: any, region: string) => Rows[T] } = {
  edge_apps: (r: EdgeAppRecord) => ({
    project_id: r.project_id,
    edge_app_id: r.edge_app_id,
    edge_app_name: orNull(r.edge_app_name),
    description: orNull(r.description),
    function_type: r.function_type ?? 'DATA_PROCESSING',
    protocol: orNull(r.protocol),
    delivered_app: r.delivered_app === undefined ? null : r.delivered_app ? 1 : 0,
    app_type: r.app_type,
    deploy_type: null,
    last_published_version: null,
    version_count: 0,
    create_time: r.create_time,
    update_time: r.update_time,
  }),
  edge_app_versions: versionRow,
  rfs_providers: (r: ProviderRecord, region): ReceivedProvider => {
    checkProvider(r, region);
    if ((r.domain_id === undefined) === (r.project_id === undefined)) {
      throw new AppError(
        'invalid',
        'a provider names its domain_id (or, in a snapshot of an earlier release, its project_id), not both',
      );
    }
    return {
      ...(r.domain_id !== undefined ? { domain_id: r.domain_id } : { project_id: r.project_id! }),
      provider_name: r.provider_name,
      provider_id: r.provider_id,
      provider_description: orNull(r.provider_description),
      provider_agency_name: r.provider_agency_name || null,
      provider_agency_urn: r.provider_agency_urn || null,
      create_time: r.create_time,
      update_time: r.update_time,
    };
  },
  rfs_provider_versions: (r: ProviderVersionRecord, region) => {
    checkUrn(r.function_graph_urn, region);
    return {
      provider_id: r.provider_id,
      provider_version: r.provider_version,
      version_description: orNull(r.version_description),
      function_graph_urn: r.function_graph_urn,
      create_time: r.create_time,
    };
  },
};

/** The row of record number index of a table, or a 400 naming the record and its field. */
export function recordToRow<T extends Table>(table: T, index: number, record: unknown, region: string): Rows[T] {
  const value = normalize(SCHEMAS[table] as never, record);
  const validate = validators[table];
  try {
    if (!validate(value)) throw validationError((validate.errors as never[]) ?? [], 'body');
    return toRow[table](value, region) as Rows[T];
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.kind, `${table}[${index}]: ${err.detail}`);
    throw err;
  }
}

/** The snapshot record of a stored row (AdminRepo reads the columns of canonical data only). */
export const rowToRecord: { [T in Table]: (row: any) => unknown } = {
  edge_apps: (r) => ({ ...r, delivered_app: r.delivered_app === null ? null : r.delivered_app === 1 }),
  edge_app_versions: ({ spec, ...r }) => ({
    ...r,
    deploy_multi_instance: r.deploy_multi_instance === 1,
    arch: JSON.parse(r.arch),
    spec: specOf(JSON.parse(spec)),
  }),
  rfs_providers: ({ domain_id, ...r }) => ({ domain_id, ...r }),
  rfs_provider_versions: (r) => r,
};
