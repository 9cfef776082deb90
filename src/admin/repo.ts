import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import { CANONICAL, versionRow } from '../iotedge/repo.js';
import type { Version } from '../iotedge/schemas.js';
import { versionRow as providerVersionRow } from '../rfs/repo.js';
import type { ProviderVersion } from '../rfs/renderings.js';
import type { Database, EdgeAppTable, EdgeAppVersionTable, RfsProviderTable } from '../store/types.js';

const BATCH = 1000;
/** Most values one `in (…)` list binds (SQLite binds at most 32,766 parameters a statement). */
const IN_LIST = 500;

/** Runs a query for each slice of ids and joins the results. */
async function inSlices<T>(ids: string[], query: (slice: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IN_LIST) out.push(...(await query(ids.slice(i, i + IN_LIST))));
  return out;
}

/**
 * Which data an operation covers: one project, one domain, or (neither) all. RFS providers belong
 * to a domain, not to a project: a project covers none of them.
 */
export interface Scope {
  projectId?: string;
  domainId?: string;
}

type Eb = ExpressionBuilder<any, any>;

/** The condition that a project id column lies within the scope (true for the whole store). */
function within(eb: Eb, column: string, scope: Scope) {
  const ofDomain =
    scope.domainId === undefined
      ? undefined
      : eb(column, 'in', eb.selectFrom('projects').select('id').where('domain_id', '=', scope.domainId));
  if (scope.projectId === undefined) return ofDomain ?? eb.lit(true);
  const ofProject = eb(column, '=', scope.projectId);
  return ofDomain ? eb.and([ofProject, ofDomain]) : ofProject;
}

/** The condition that a domain id column (of RFS providers) lies within the scope. */
function withinDomain(eb: Eb, column: string, scope: Scope) {
  if (scope.projectId !== undefined) return eb.lit(false);
  if (scope.domainId !== undefined) return eb(column, '=', scope.domainId);
  return eb.lit(true);
}

/** What AdminRepo.insert takes of each table. */
export interface Inserted {
  edge_apps: EdgeAppTable;
  edge_app_versions: Version;
  rfs_providers: RfsProviderTable;
  rfs_provider_versions: ProviderVersion;
}

/** SQL over all API data at once, for snapshots and resets, within a scope. */
export class AdminRepo {
  constructor(private readonly db: Kysely<Database> | Transaction<Database>) {}

  /** The projects with these ids, with their domains. */
  async projects(ids: string[]): Promise<{ id: string; domain_id: string }[]> {
    return inSlices(ids, (slice) =>
      this.db.selectFrom('projects').select(['id', 'domain_id']).where('id', 'in', slice).execute(),
    );
  }

  /** The domains with these ids. */
  async domains(ids: string[]): Promise<{ id: string }[]> {
    return inSlices(ids, (slice) => this.db.selectFrom('domains').select('id').where('id', 'in', slice).execute());
  }

  /** The providers with these ids, with their domains. */
  async providerDomains(ids: string[]): Promise<{ provider_id: string; domain_id: string }[]> {
    return inSlices(ids, (slice) =>
      this.db
        .selectFrom('rfs_providers')
        .select(['provider_id', 'domain_id'])
        .where('provider_id', 'in', slice)
        .execute(),
    );
  }

  /** Edge apps in primary-key order, a batch at a time. */
  async *edgeApps(scope: Scope): AsyncGenerator<EdgeAppTable> {
    let after: [string, string] | undefined;
    for (;;) {
      let q = this.db
        .selectFrom('edge_apps')
        .selectAll()
        .where((eb) => within(eb, 'project_id', scope));
      if (after) {
        const [p, a] = after;
        q = q.where((eb) =>
          eb.or([eb('project_id', '>', p), eb.and([eb('project_id', '=', p), eb('edge_app_id', '>', a)])]),
        );
      }
      const rows = await q.orderBy('project_id').orderBy('edge_app_id').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = [rows.at(-1)!.project_id, rows.at(-1)!.edge_app_id];
    }
  }

  /** Versions in primary-key order, without their renderings. */
  async *edgeAppVersions(scope: Scope): AsyncGenerator<Omit<EdgeAppVersionTable, 'doc' | 'brief'>> {
    let after: [string, string, string] | undefined;
    for (;;) {
      let q = this.db
        .selectFrom('edge_app_versions')
        .select(CANONICAL)
        .where((eb) => within(eb, 'project_id', scope));
      if (after) {
        const [p, a, v] = after;
        q = q.where((eb) =>
          eb.or([
            eb('project_id', '>', p),
            eb.and([eb('project_id', '=', p), eb('edge_app_id', '>', a)]),
            eb.and([eb('project_id', '=', p), eb('edge_app_id', '=', a), eb('version', '>', v)]),
          ]),
        );
      }
      const rows = await q.orderBy('project_id').orderBy('edge_app_id').orderBy('version').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      const last = rows.at(-1)!;
      after = [last.project_id, last.edge_app_id, last.version];
    }
  }

  async *providers(scope: Scope): AsyncGenerator<RfsProviderTable> {
    let after: string | undefined;
    for (;;) {
      let q = this.db
        .selectFrom('rfs_providers')
        .selectAll()
        .where((eb) => withinDomain(eb, 'domain_id', scope));
      if (after) q = q.where('provider_id', '>', after);
      const rows = await q.orderBy('provider_id').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = rows.at(-1)!.provider_id;
    }
  }

  /** Provider versions in primary-key order, without their renderings. */
  async *providerVersions(scope: Scope): AsyncGenerator<ProviderVersion> {
    let after: [string, string] | undefined;
    for (;;) {
      let q = this.db
        .selectFrom('rfs_provider_versions as v')
        .innerJoin('rfs_providers as p', 'p.provider_id', 'v.provider_id')
        .select([
          'v.provider_id',
          'v.provider_version',
          'v.version_description',
          'v.function_graph_urn',
          'v.create_time',
        ])
        .where((eb) => withinDomain(eb, 'p.domain_id', scope));
      if (after) {
        const [id, ver] = after;
        q = q.where((eb) =>
          eb.or([
            eb('v.provider_id', '>', id),
            eb.and([eb('v.provider_id', '=', id), eb('v.provider_version', '>', ver)]),
          ]),
        );
      }
      const rows = await q.orderBy('v.provider_id').orderBy('v.provider_version').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = [rows.at(-1)!.provider_id, rows.at(-1)!.provider_version];
    }
  }

  /** Inserts rows; versions are given as their data and stored with their renderings. */
  async insert<T extends keyof Inserted>(table: T, rows: Inserted[T][]): Promise<void> {
    if (!rows.length) return;
    const stored =
      table === 'edge_app_versions'
        ? (rows as Version[]).map(versionRow)
        : table === 'rfs_provider_versions'
          ? (rows as ProviderVersion[]).map(providerVersionRow)
          : rows;
    await this.db
      .insertInto(table)
      .values(stored as never)
      .execute();
  }

  /**
   * Sets what an app derives from its versions (count, newest deploy type, latest published
   * version, chosen as the API does) for every app of these projects.
   */
  async refreshApps(projectIds: string[]): Promise<void> {
    await inSlices(projectIds, async (slice) => {
      await this.refreshAppsOf(slice);
      return [];
    });
  }

  private async refreshAppsOf(projectIds: string[]): Promise<void> {
    const versions = sql`edge_app_versions v where v.project_id = edge_apps.project_id and v.edge_app_id = edge_apps.edge_app_id`;
    await sql`update edge_apps set
        version_count = (select count(*) from ${versions}),
        deploy_type = (select v.deploy_type from ${versions} order by v.create_time desc, v.version asc limit 1),
        last_published_version = (select v.version from ${versions} and v.state = 'PUBLISHED' order by v.publish_time desc, v.version asc limit 1)
      where project_id in (${sql.join(projectIds)})`.execute(this.db);
  }

  /** PostgreSQL: waits until no other import holds the import lock, then holds it to the end of the transaction. */
  async lockImports(): Promise<void> {
    await sql`select pg_advisory_xact_lock(8214, 1)`.execute(this.db);
  }

  /** Deletes the API data of a scope (a project's: its edge apps only); versions go with their apps and providers. */
  async deleteAll(scope: Scope): Promise<{ edge_apps: number; rfs_providers: number }> {
    const a = await this.db
      .deleteFrom('edge_apps')
      .where((eb) => within(eb, 'project_id', scope))
      .executeTakeFirst();
    const p = await this.db
      .deleteFrom('rfs_providers')
      .where((eb) => withinDomain(eb, 'domain_id', scope))
      .executeTakeFirst();
    return { edge_apps: Number(a.numDeletedRows), rfs_providers: Number(p.numDeletedRows) };
  }
}
