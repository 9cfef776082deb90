import { AppError, tenantForbidden } from '../platform/errors.js';
import type { Principal } from '../platform/auth.js';
import type { Clock } from '../platform/clock.js';
import type { ActivityEntry } from './entry.js';
import type { ActivityFilter, ActivityRepo, ActivityRow } from './repo.js';
import type { ActivityItem, ActivityPage, ActivityQuery } from './schemas.js';

/** Retention deletes this many rows per transaction, letting requests run between batches. */
export const PRUNE_BATCH = 1000;

const DAY_MS = 86_400_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The opaque marker of a page that follows the row with this id. */
const encodeMarker = (id: number) => Buffer.from(`a${id}`).toString('base64url');

function decodeMarker(marker: string): number {
  const text = Buffer.from(marker, 'base64url').toString();
  const id = /^a([1-9]\d{0,15})$/.exec(text)?.[1];
  if (id === undefined) throw new AppError('invalid', 'marker is not a marker this listing gave');
  return Number(id);
}

function item(row: ActivityRow): ActivityItem {
  return {
    time: row.at,
    request_id: row.request_id,
    domain_id: row.domain_id,
    project_id: row.project_id,
    user_id: row.user_id,
    user_name: row.user_name,
    access_key: row.access_key,
    operation: row.operation,
    method: row.method,
    resource: row.resource,
    status: row.status,
    error_code: row.error_code,
    outcome: row.status < 400 ? 'success' : 'failure',
  };
}

/** The activity trail: who changed what, when, and how it ended. */
export class ActivityService {
  constructor(private readonly repo: ActivityRepo) {}

  /** Records a call that changed nothing (a failure or a refusal). */
  record(entry: ActivityEntry): Promise<void> {
    return this.repo.record(entry);
  }

  /**
   * What the caller may see: an administrator its domain (another domain's project is a missing
   * one), any other user the project its credential is scoped to.
   */
  async list(caller: Principal, q: ActivityQuery): Promise<ActivityPage> {
    const scope = await this.scope(caller, q.project_id);
    const before = q.marker === undefined ? undefined : decodeMarker(q.marker);
    const filter: ActivityFilter = {
      ...scope,
      resource: q.resource,
      operation: q.operation,
      user: q.user,
      outcome: q.outcome,
    };
    return this.page(filter, before, q.limit);
  }

  /** A page of any domain's trail (the command line). */
  async page(filter: ActivityFilter, before: number | undefined, limit: number): Promise<ActivityPage> {
    const rows = await this.repo.list(filter, before, limit + 1);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return {
      activity: shown.map(item),
      page_info: { next_marker: more ? encodeMarker(shown.at(-1)!.id) : null, current_count: shown.length },
    };
  }

  private async scope(caller: Principal, projectId: string | undefined): Promise<ActivityFilter> {
    const domainId = caller.domainId;
    if (caller.isAdmin) {
      if (projectId !== undefined && !(await this.repo.projectKnown(domainId, projectId)))
        throw new AppError('not_found', `project ${projectId} does not exist in your domain`);
      return { domainId, projectId };
    }
    if (caller.projectId === null)
      throw tenantForbidden(
        'Scope the credential to a project (a project-scoped token, or X-Project-Id) to see its activity.',
      );
    if (projectId !== undefined && projectId !== caller.projectId)
      throw tenantForbidden(`The credential is not valid for project ${projectId}.`);
    return { domainId, projectId: caller.projectId };
  }

  /**
   * Deletes the rows older than `days` (by `clock`), a batch per transaction with a turn of the event
   * loop between batches; how many. 0 days keeps everything.
   */
  async prune(days: number, clock: Clock): Promise<number> {
    if (days <= 0) return 0;
    const before = new Date(clock.now() - days * DAY_MS).toISOString();
    let total = 0;
    for (let after: number | undefined = 0; after !== undefined;) {
      const batch = await this.repo.pruneBatch(before, PRUNE_BATCH, after);
      total += batch.deleted;
      after = batch.next;
      if (after !== undefined) await nextTurn();
    }
    return total;
  }
}
