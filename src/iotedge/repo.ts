import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { Dialect } from '../store/db.js';
import type { Database, EdgeAppTable, EdgeAppVersionTable } from '../store/types.js';

export type VersionRow = EdgeAppVersionTable & { app_name: string | null };

export interface AppFilter {
  idContains?: string;
  appType?: string;
  functionTypes?: string[];
  protocol?: string;
}

export interface VersionFilter {
  versionContains?: string;
  aiCardType?: string;
  arch?: string;
  state?: string;
}

export interface Page {
  offset: number;
  limit: number;
}

/** SQL for edge apps and their versions; every query is scoped by project. */
export class IotEdgeRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  transaction<T>(fn: (repo: IotEdgeRepo) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx: Transaction<Database>) => fn(new IotEdgeRepo(trx, this.dialect)));
  }

  /** Case-sensitive substring match, on both databases. */
  private contains(column: string, needle: string): Expression<SqlBool> {
    return this.dialect === 'postgres' ? sql<SqlBool>`strpos(${sql.ref(column)}, ${needle}) > 0` : sql<SqlBool>`instr(${sql.ref(column)}, ${needle}) > 0`;
  }

  async insertApp(row: EdgeAppTable): Promise<void> {
    await this.db.insertInto('edge_apps').values(row).execute();
  }

  getApp(projectId: string, appId: string, lock = false): Promise<EdgeAppTable | undefined> {
    let q = this.db.selectFrom('edge_apps').selectAll().where('project_id', '=', projectId).where('edge_app_id', '=', appId);
    if (lock && this.dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async listApps(projectId: string, f: AppFilter, page: Page): Promise<{ count: number; rows: EdgeAppTable[] }> {
    let q = this.db.selectFrom('edge_apps').selectAll().where('project_id', '=', projectId);
    if (f.idContains) q = q.where(this.contains('edge_app_id', f.idContains));
    if (f.appType) q = q.where('app_type', '=', f.appType);
    if (f.functionTypes?.length) q = q.where('function_type', 'in', f.functionTypes);
    if (f.protocol) q = q.where('protocol', '=', f.protocol);
    const { count } = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await q.orderBy('create_time', 'desc').orderBy('edge_app_id', 'asc').limit(page.limit).offset(page.offset).execute();
    return { count: Number(count), rows };
  }

  async hasPublishedVersion(projectId: string, appId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('edge_app_versions')
      .select('version')
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .where('state', '=', 'PUBLISHED')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes the app; its versions go with it (foreign key cascade). */
  async deleteApp(projectId: string, appId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('edge_apps').where('project_id', '=', projectId).where('edge_app_id', '=', appId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Recomputes what an app derives from its versions, after any version change. */
  async refreshApp(projectId: string, appId: string, now: string): Promise<void> {
    const scoped = (state?: string) => {
      let q = this.db.selectFrom('edge_app_versions as v').where('v.project_id', '=', projectId).where('v.edge_app_id', '=', appId);
      if (state) q = q.where('v.state', '=', state);
      return q;
    };
    await this.db
      .updateTable('edge_apps')
      .set({
        update_time: now,
        deploy_type: scoped().select('v.deploy_type').orderBy('v.create_time', 'desc').orderBy('v.version', 'asc').limit(1),
        last_published_version: scoped('PUBLISHED').select('v.version').orderBy('v.publish_time', 'desc').orderBy('v.version', 'asc').limit(1),
      })
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .execute();
  }

  async insertVersion(row: EdgeAppVersionTable): Promise<void> {
    await this.db.insertInto('edge_app_versions').values(row).execute();
  }

  private versionQuery(projectId: string, appId: string) {
    return this.db
      .selectFrom('edge_app_versions as v')
      .innerJoin('edge_apps as a', (j) => j.onRef('a.project_id', '=', 'v.project_id').onRef('a.edge_app_id', '=', 'v.edge_app_id'))
      .selectAll('v')
      .select('a.edge_app_name as app_name')
      .where('v.project_id', '=', projectId)
      .where('v.edge_app_id', '=', appId);
  }

  getVersion(projectId: string, appId: string, version: string): Promise<VersionRow | undefined> {
    return this.versionQuery(projectId, appId).where('v.version', '=', version).executeTakeFirst();
  }

  async listVersions(projectId: string, appId: string, f: VersionFilter, page: Page): Promise<{ count: number; rows: VersionRow[] }> {
    let q = this.versionQuery(projectId, appId);
    if (f.versionContains) q = q.where(this.contains('v.version', f.versionContains));
    if (f.aiCardType) q = q.where('v.ai_card_type', '=', f.aiCardType);
    if (f.arch) q = q.where(this.contains('v.arch', JSON.stringify(f.arch)));
    if (f.state) q = q.where('v.state', '=', f.state);
    const { count } = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await q.orderBy('v.create_time', 'desc').orderBy('v.version', 'asc').limit(page.limit).offset(page.offset).execute();
    return { count: Number(count), rows };
  }

  /** Writes the changed columns of a version, only while it is still in the expected state. */
  async updateVersion(projectId: string, appId: string, version: string, expectedState: string, changes: Partial<EdgeAppVersionTable>): Promise<boolean> {
    const res = await this.db
      .updateTable('edge_app_versions')
      .set(changes)
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .where('version', '=', version)
      .where('state', '=', expectedState)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteVersion(projectId: string, appId: string, version: string, expectedState: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('edge_app_versions')
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .where('version', '=', version)
      .where('state', '=', expectedState)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
