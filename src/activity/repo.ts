import { sql, type Kysely, type SqlBool } from 'kysely';
import { insertActivity, type Transact } from '../store/db.js';
import type { ActivityTable, Database, NewActivity } from '../store/types.js';

export interface ActivityFilter {
  domainId?: string;
  projectId?: string;
  /** A path prefix. */
  resource?: string;
  operation?: string;
  /** A user id or name. */
  user?: string;
  outcome?: 'success' | 'failure';
}

export type ActivityRow = Omit<ActivityTable, 'id'> & { id: number };

/** SQL of the activity trail. The rows of a change are written by Store.transact with the change itself. */
export class ActivityRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  /** Stores an entry in a transaction of its own (a refused call changed nothing to store it with). */
  record(entry: NewActivity): Promise<void> {
    return this.transact((trx) => insertActivity(trx, entry));
  }

  /** Newest first: up to `limit` rows with an id below `before`. */
  async list(filter: ActivityFilter, before: number | undefined, limit: number): Promise<ActivityRow[]> {
    let q = this.db.selectFrom('activity').selectAll();
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
    if (filter.operation !== undefined) q = q.where('operation', '=', filter.operation);
    if (filter.user !== undefined) {
      const user = filter.user;
      q = q.where((eb) => eb.or([eb('user_id', '=', user), eb('user_name', '=', user)]));
    }
    if (filter.resource !== undefined)
      q = q.where(sql<SqlBool>`substr(resource, 1, ${filter.resource.length}) = ${filter.resource}`);
    if (filter.outcome !== undefined) q = q.where('status', filter.outcome === 'success' ? '<' : '>=', 400);
    if (before !== undefined) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** True when the domain has this project, or had it: its trail names it. */
  async projectKnown(domainId: string, projectId: string): Promise<boolean> {
    const project = await this.db
      .selectFrom('projects')
      .select('id')
      .where('id', '=', projectId)
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
    if (project) return true;
    const trail = await this.db
      .selectFrom('activity')
      .select('id')
      .where('project_id', '=', projectId)
      .where('domain_id', '=', domainId)
      .limit(1)
      .executeTakeFirst();
    return trail !== undefined;
  }

  /**
   * Deletes, in one transaction, those of the next `batch` rows by id after `after` (no index on the
   * time is kept up to date on every write) that were recorded before `time`. `next`: where the
   * following batch starts, or undefined when this one ended with a row that is kept — rows come
   * in time order, but a row stamped later by a clock that ran ahead does not stop the pruning.
   */
  async pruneBatch(time: string, batch: number, after = 0): Promise<{ deleted: number; next?: number }> {
    return this.transact(async (trx) => {
      const rows = await trx
        .selectFrom('activity')
        .select(['id', 'at'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(batch)
        .execute();
      const old = rows.filter((r) => r.at < time).map((r) => r.id);
      if (old.length > 0) await trx.deleteFrom('activity').where('id', 'in', old).execute();
      const last = rows.at(-1);
      const next = rows.length === batch && last!.at < time ? Number(last!.id) : undefined;
      return { deleted: old.length, next };
    });
  }
}
