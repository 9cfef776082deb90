import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, EdgeAppTable, EdgeAppVersionTable, RfsProviderTable, RfsProviderVersionTable } from '../store/types.js';

const BATCH = 1000;

/** SQL over all API data at once, for snapshots and resets; optionally limited to one project. */
export class AdminRepo {
  constructor(private readonly db: Kysely<Database> | Transaction<Database>) {}

  transaction<T>(fn: (repo: AdminRepo) => Promise<T>): Promise<T> {
    return (this.db as Kysely<Database>).transaction().execute((trx) => fn(new AdminRepo(trx)));
  }

  /** Edge apps in primary-key order, a batch at a time. */
  async *edgeApps(project?: string): AsyncGenerator<EdgeAppTable> {
    let after: [string, string] | undefined;
    for (;;) {
      let q = this.db.selectFrom('edge_apps').selectAll();
      if (project) q = q.where('project_id', '=', project);
      if (after) {
        const [p, a] = after;
        q = q.where((eb) => eb.or([eb('project_id', '>', p), eb.and([eb('project_id', '=', p), eb('edge_app_id', '>', a)])]));
      }
      const rows = await q.orderBy('project_id').orderBy('edge_app_id').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = [rows.at(-1)!.project_id, rows.at(-1)!.edge_app_id];
    }
  }

  async *edgeAppVersions(project?: string): AsyncGenerator<EdgeAppVersionTable> {
    let after: [string, string, string] | undefined;
    for (;;) {
      let q = this.db.selectFrom('edge_app_versions').selectAll();
      if (project) q = q.where('project_id', '=', project);
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

  async *providers(project?: string): AsyncGenerator<RfsProviderTable> {
    let after: string | undefined;
    for (;;) {
      let q = this.db.selectFrom('rfs_providers').selectAll();
      if (project) q = q.where('tenant_id', '=', project);
      if (after) q = q.where('provider_id', '>', after);
      const rows = await q.orderBy('provider_id').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = rows.at(-1)!.provider_id;
    }
  }

  async *providerVersions(project?: string): AsyncGenerator<RfsProviderVersionTable> {
    let after: [string, string] | undefined;
    for (;;) {
      let q = this.db.selectFrom('rfs_provider_versions as v').selectAll('v');
      if (project) q = q.innerJoin('rfs_providers as p', 'p.provider_id', 'v.provider_id').where('p.tenant_id', '=', project);
      if (after) {
        const [id, ver] = after;
        q = q.where((eb) => eb.or([eb('v.provider_id', '>', id), eb.and([eb('v.provider_id', '=', id), eb('v.provider_version', '>', ver)])]));
      }
      const rows = await q.orderBy('v.provider_id').orderBy('v.provider_version').limit(BATCH).execute();
      yield* rows;
      if (rows.length < BATCH) return;
      after = [rows.at(-1)!.provider_id, rows.at(-1)!.provider_version];
    }
  }

  async insertEdgeApps(rows: EdgeAppTable[]): Promise<void> {
    if (rows.length) await this.db.insertInto('edge_apps').values(rows).execute();
  }

  async insertEdgeAppVersions(rows: EdgeAppVersionTable[]): Promise<void> {
    if (rows.length) await this.db.insertInto('edge_app_versions').values(rows).execute();
  }

  async insertProviders(rows: RfsProviderTable[]): Promise<void> {
    if (rows.length) await this.db.insertInto('rfs_providers').values(rows).execute();
  }

  async insertProviderVersions(rows: RfsProviderVersionTable[]): Promise<void> {
    if (rows.length) await this.db.insertInto('rfs_provider_versions').values(rows).execute();
  }

  /** Sets every app's version_count from its versions (after an import). */
  async recountVersions(): Promise<void> {
    await sql`update edge_apps set version_count = (select count(*) from edge_app_versions v where v.project_id = edge_apps.project_id and v.edge_app_id = edge_apps.edge_app_id)`.execute(this.db);
  }

  /** Deletes all API data (of one project); versions go with their apps and providers. */
  async deleteAll(project?: string): Promise<{ edge_apps: number; rfs_providers: number }> {
    let apps = this.db.deleteFrom('edge_apps');
    let providers = this.db.deleteFrom('rfs_providers');
    if (project) {
      apps = apps.where('project_id', '=', project);
      providers = providers.where('tenant_id', '=', project);
    }
    const a = await apps.executeTakeFirst();
    const p = await providers.executeTakeFirst();
    return { edge_apps: Number(a.numDeletedRows), rfs_providers: Number(p.numDeletedRows) };
  }
}
