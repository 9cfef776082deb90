import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Dialect, Reader, Transact } from '../store/db.js';
import { Prepared } from '../store/prepared.js';
import type { Database, EdgeAppTable, EdgeAppVersionTable, NewActivity } from '../store/types.js';
import { renderVersion, type Rendered, type VersionRenderings } from './renderings.js';
import type { BriefVersion, FullVersion, Spec, Version } from './schemas.js';
import { forUpdate, takesRowLocks } from '../store/locks.js';

export type VersionRow = Version & { app_name: string | null };

/** The canonical columns of a version (its renderings are made from these). */
export const CANONICAL = [
  'project_id',
  'edge_app_id',
  'version',
  'state',
  'deploy_type',
  'arch',
  'ai_card_type',
  'description',
  'sdk_version',
  'deploy_multi_instance',
  'create_time',
  'update_time',
  'publish_time',
  'off_shelf_time',
  'spec',
] as const;
type CanonicalRow = Pick<EdgeAppVersionTable, (typeof CANONICAL)[number]>;

const versionOf = ({ spec, ...columns }: CanonicalRow): Version => ({ ...columns, spec: JSON.parse(spec) as Spec });

/** The stored row of a version: its columns, its spec and its renderings. */
export function versionRow(v: Version): EdgeAppVersionTable & VersionRenderings {
  return { ...v, spec: JSON.stringify(v.spec), ...renderVersion(v) };
}

// The queries of the hot paths, compiled once.
const GET_APP = new Prepared(['project', 'app'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('edge_apps').selectAll().where('project_id', '=', p.project).where('edge_app_id', '=', p.app),
);
/** One version joined with its app (the app gives the versions their name). */
const versionOfApp = (db: Kysely<Database>, p: Record<'project' | 'app' | 'version', string>) =>
  db
    .selectFrom('edge_app_versions as v')
    .innerJoin('edge_apps as a', (j) =>
      j.onRef('a.project_id', '=', 'v.project_id').onRef('a.edge_app_id', '=', 'v.edge_app_id'),
    )
    .where('v.project_id', '=', p.project)
    .where('v.edge_app_id', '=', p.app)
    .where('v.version', '=', p.version);
const GET_VERSION = new Prepared(['project', 'app', 'version'] as const, (db: Kysely<Database>, p) =>
  versionOfApp(db, p)
    .select(CANONICAL.map((c) => `v.${c}` as const))
    .select('a.edge_app_name as app_name'),
);
const APP_LISTING = new Prepared(['project', 'app'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('edge_apps')
    .select(['edge_app_name', 'version_count'])
    .where('project_id', '=', p.project)
    .where('edge_app_id', '=', p.app),
);
const SHOW_VERSION = new Prepared(['project', 'app', 'version'] as const, (db: Kysely<Database>, p) =>
  versionOfApp(db, p).select(['v.doc', 'a.edge_app_name as app_name']),
);
// The list order. The list index has this order and, on SQLite, ends with the list rendering (it
// covers the query), so a page is read straight from the index.
const newestFirst = <Q extends { orderBy: (...a: any[]) => Q }>(q: Q): Q =>
  q.orderBy('v.create_time', 'desc').orderBy('v.version', 'asc');
const LIST_VERSIONS = new Prepared(['project', 'app', 'limit', 'offset'] as const, (db: Kysely<Database>, p) =>
  newestFirst(
    db
      .selectFrom('edge_app_versions as v')
      .select('v.brief')
      .where('v.project_id', '=', p.project)
      .where('v.edge_app_id', '=', p.app),
  )
    .limit(p.limit)
    .offset(p.offset),
);
const INSERT_VERSION = new Prepared([...CANONICAL, 'doc', 'brief'] as const, (db: Kysely<Database>, p) =>
  db.insertInto('edge_app_versions').values(p),
);
/** Writes a version's changeable columns and renderings, only while it is still in the expected state. */
const UPDATE_VERSION = new Prepared(
  [
    'project_id',
    'edge_app_id',
    'version',
    'expected',
    'state',
    'deploy_type',
    'arch',
    'ai_card_type',
    'description',
    'sdk_version',
    'deploy_multi_instance',
    'update_time',
    'publish_time',
    'off_shelf_time',
    'spec',
    'doc',
    'brief',
  ] as const,
  (db: Kysely<Database>, p) =>
    db
      .updateTable('edge_app_versions')
      .set({
        state: p.state,
        deploy_type: p.deploy_type,
        arch: p.arch,
        ai_card_type: p.ai_card_type,
        description: p.description,
        sdk_version: p.sdk_version,
        deploy_multi_instance: p.deploy_multi_instance,
        update_time: p.update_time,
        publish_time: p.publish_time,
        off_shelf_time: p.off_shelf_time,
        spec: p.spec,
        doc: p.doc,
        brief: p.brief,
      })
      .where('project_id', '=', p.project_id)
      .where('edge_app_id', '=', p.edge_app_id)
      .where('version', '=', p.version)
      .where('state', '=', p.expected),
);
/** The rebuild of the renderings (src/renderings.ts) rewrites this many versions per transaction. */
const REBUILD_BATCH = 500;
const KEY = ['project_id', 'edge_app_id', 'version'] as const;
const CANONICAL_ROW = new Prepared(KEY, (db: Kysely<Database>, p) =>
  db
    .selectFrom('edge_app_versions')
    .select(CANONICAL)
    .where('project_id', '=', p.project_id)
    .where('edge_app_id', '=', p.edge_app_id)
    .where('version', '=', p.version),
);
const SET_RENDERINGS = new Prepared([...KEY, 'doc', 'brief'] as const, (db: Kysely<Database>, p) =>
  db
    .updateTable('edge_app_versions')
    .set({ doc: p.doc, brief: p.brief })
    .where('project_id', '=', p.project_id)
    .where('edge_app_id', '=', p.edge_app_id)
    .where('version', '=', p.version),
);
/**
 * After a new version: the app counts it, and takes its deploy_type unless a version it already
 * has is newer (list order: create_time desc, version asc; the list index answers that).
 */
const APP_GAINED_VERSION = new Prepared(
  ['project', 'app', 'deployType', 'createTime', 'version'] as const,
  (db: Kysely<Database>, p) =>
    db
      .updateTable('edge_apps')
      .set((eb) => ({
        update_time: p.createTime,
        version_count: eb('version_count', '+', 1),
        deploy_type: eb
          .case()
          .when(
            eb.exists(
              db
                .selectFrom('edge_app_versions as v')
                .select('v.version')
                .where('v.project_id', '=', p.project)
                .where('v.edge_app_id', '=', p.app)
                // Written as a range on create_time, so that the list index seeks instead of scanning.
                .where('v.create_time', '>=', p.createTime)
                .where((w) => w.or([w('v.create_time', '>', p.createTime), w('v.version', '<', p.version)])),
            ),
          )
          .then(eb.ref('deploy_type'))
          .else(p.deployType)
          .end(),
      }))
      .where('project_id', '=', p.project)
      .where('edge_app_id', '=', p.app)
      .returning('edge_app_name'),
);
/** The project a new app goes into; PostgreSQL holds its row until the commit, so that a project delete waits. */
const PROJECT_HELD = new Prepared(['project'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('projects').select('id').where('id', '=', p.project).forShare(),
);
const PROJECT_EXISTS = new Prepared(['project'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('projects').select('id').where('id', '=', p.project),
);

/** PostgreSQL: the lock every change of an app or its versions takes first (IotEdgeRepo.lockApp). */
const LOCK_APP = new Prepared(['project', 'app'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('edge_apps')
    .select('edge_app_id')
    .where('project_id', '=', p.project)
    .where('edge_app_id', '=', p.app)
    .forUpdate(),
);

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
    private readonly transact: Transact,
    /** Reads outside transactions go to the SQLite reader connection, when there is one. */
    private readonly reader?: Reader,
  ) {}

  /** `activity`: the trail's row of the change, stored with it (Store.transact). */
  transaction<T>(fn: (repo: IotEdgeRepo) => Promise<T>, activity?: NewActivity): Promise<T> {
    return this.transact((trx) => fn(new IotEdgeRepo(trx, this.dialect, this.transact)), activity);
  }

  /** Case-sensitive substring match, on both databases. */
  private contains(column: string, needle: string): Expression<SqlBool> {
    return this.dialect === 'postgres'
      ? sql<SqlBool>`strpos(${sql.ref(column)}, ${needle}) > 0`
      : sql<SqlBool>`instr(${sql.ref(column)}, ${needle}) > 0`;
  }

  async insertApp(row: EdgeAppTable): Promise<void> {
    await this.db.insertInto('edge_apps').values(row).execute();
  }

  /**
   * The lock order of IoTEdge writes: a transaction that changes an app or any of its versions
   * locks the app row first, before it reads or writes a version. On PostgreSQL that is
   * `select … for update` on edge_apps: the writers of one app queue on one row (no deadlock
   * between them; a delete of the app waits its turn like any other), and every statement after
   * it sees all that the writers before committed. False: there is no such app.
   * On SQLite it issues nothing and answers true: the group commit runs one writer at a time.
   */
  /**
   * True when the project still exists (a credential may outlive it by the auth cache); on PostgreSQL its row is held
   * to the commit.
   */
  async holdProject(projectId: string): Promise<boolean> {
    return (
      (await (takesRowLocks(this.dialect) ? PROJECT_HELD : PROJECT_EXISTS).first(this.db, { project: projectId })) !==
      undefined
    );
  }

  async lockApp(projectId: string, appId: string): Promise<boolean> {
    if (!takesRowLocks(this.dialect)) return true;
    return (await LOCK_APP.first(this.db, { project: projectId, app: appId })) !== undefined;
  }

  /** The app; `lock`: on PostgreSQL, locked as lockApp does. */
  getApp(projectId: string, appId: string, lock = false): Promise<EdgeAppTable | undefined> {
    if (!lock || !takesRowLocks(this.dialect))
      return GET_APP.first(this.db, { project: projectId, app: appId }, this.reader);
    return this.db
      .selectFrom('edge_apps')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .forUpdate()
      .executeTakeFirst();
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
    const rows = await q
      .orderBy('create_time', 'desc')
      .orderBy('edge_app_id', 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
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
    const res = await this.db
      .deleteFrom('edge_apps')
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * Recomputes what an app derives from its versions, after any version change (`added`: +1, -1
   * or 0). On PostgreSQL it must run after lockApp in a statement of its own: the subqueries then
   * see every version change committed before (a lock taken by this statement itself would not).
   */
  async refreshApp(projectId: string, appId: string, now: string, added = 0): Promise<void> {
    const scoped = (state?: string) => {
      let q = this.db
        .selectFrom('edge_app_versions as v')
        .where('v.project_id', '=', projectId)
        .where('v.edge_app_id', '=', appId);
      if (state) q = q.where('v.state', '=', state);
      return q;
    };
    await this.db
      .updateTable('edge_apps')
      .set({
        update_time: now,
        version_count: (eb) => eb('version_count', '+', added),
        deploy_type: scoped()
          .select('v.deploy_type')
          .orderBy('v.create_time', 'desc')
          .orderBy('v.version', 'asc')
          .limit(1),
        last_published_version: scoped('PUBLISHED')
          .select('v.version')
          .orderBy('v.publish_time', 'desc')
          .orderBy('v.version', 'asc')
          .limit(1),
      })
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .execute();
  }

  /** Stores a new version with its renderings; returns its show rendering. */
  async insertVersion(v: Version): Promise<Rendered<FullVersion>> {
    const row = versionRow(v);
    await INSERT_VERSION.execute(this.db, row);
    return row.doc;
  }

  /**
   * After inserting row: the app counts it and derives its deploy_type anew. Returns the app's name (undefined: no such
   * app).
   */
  appGainedVersion(row: Version): Promise<{ edge_app_name: string | null } | undefined> {
    return APP_GAINED_VERSION.first(this.db, {
      project: row.project_id,
      app: row.edge_app_id,
      deployType: row.deploy_type,
      createTime: row.create_time,
      version: row.version,
    });
  }

  async getVersion(projectId: string, appId: string, version: string): Promise<VersionRow | undefined> {
    const row = await GET_VERSION.first(this.db, { project: projectId, app: appId, version });
    if (!row) return undefined;
    const { app_name, ...canonical } = row;
    return { ...versionOf(canonical), app_name };
  }

  /** What a list of versions needs of their app: its name and version count. */
  appListing(
    projectId: string,
    appId: string,
  ): Promise<Pick<EdgeAppTable, 'edge_app_name' | 'version_count'> | undefined> {
    return APP_LISTING.first(this.db, { project: projectId, app: appId }, this.reader);
  }

  /** What a show needs: the stored rendering and the app's name. */
  showVersion(
    projectId: string,
    appId: string,
    version: string,
  ): Promise<{ doc: Rendered<FullVersion>; app_name: string | null } | undefined> {
    return SHOW_VERSION.first(this.db, { project: projectId, app: appId, version }, this.reader) as Promise<
      { doc: Rendered<FullVersion>; app_name: string | null } | undefined
    >;
  }

  /** A page of list renderings; `knownCount` (the app's version_count) spares counting when nothing filters. */
  async listVersions(
    projectId: string,
    appId: string,
    f: VersionFilter,
    page: Page,
    knownCount: number,
  ): Promise<{ count: number; briefs: Rendered<BriefVersion>[] }> {
    const filtered = f.versionContains || f.aiCardType || f.arch || f.state;
    if (!filtered) {
      const briefs = await LIST_VERSIONS.column(
        this.db,
        { project: projectId, app: appId, limit: page.limit, offset: page.offset },
        'brief',
        this.reader,
      );
      return { count: knownCount, briefs: briefs as Rendered<BriefVersion>[] };
    }
    let q = this.db
      .selectFrom('edge_app_versions as v')
      .where('v.project_id', '=', projectId)
      .where('v.edge_app_id', '=', appId);
    if (f.versionContains) q = q.where(this.contains('v.version', f.versionContains));
    if (f.aiCardType) q = q.where('v.ai_card_type', '=', f.aiCardType);
    if (f.arch) q = q.where(this.contains('v.arch', JSON.stringify(f.arch)));
    if (f.state) q = q.where('v.state', '=', f.state);
    const { count } = await q.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    const rows = await newestFirst(q.select('v.brief')).limit(page.limit).offset(page.offset).execute();
    return { count: Number(count), briefs: rows.map((r) => r.brief as Rendered<BriefVersion>) };
  }

  /**
   * Writes a changed version with fresh renderings, only while it is still in the expected state.
   * Returns its list rendering; undefined: it is no longer in that state (or gone).
   */
  async updateVersion(v: Version, expectedState: string): Promise<Rendered<BriefVersion> | undefined> {
    const row = versionRow(v);
    const res = await UPDATE_VERSION.execute(this.db, { ...row, expected: expectedState });
    return Number(res.numAffectedRows ?? 0) > 0 ? row.brief : undefined;
  }

  /**
   * Rewrites the renderings of every version from its canonical data, a batch per transaction in
   * primary-key order; on PostgreSQL a batch holds its rows, so that a write of the API cannot
   * come between the read and the rewrite. Returns how many versions it rewrote.
   */
  async rebuildRenderings(): Promise<number> {
    let after: Record<(typeof KEY)[number], string> | undefined;
    let total = 0;
    for (;;) {
      const rows = await this.transact(async (trx) => {
        let q = trx.selectFrom('edge_app_versions').select(KEY).limit(REBUILD_BATCH);
        for (const k of KEY) q = q.orderBy(k);
        if (after) {
          const at = KEY.map((k) => after![k]);
          q = q.where(sql<SqlBool>`(${sql.join(KEY.map((k) => sql.ref(k)))}) > (${sql.join(at)})`);
        }
        q = forUpdate(q, this.dialect);
        const keys = await q.execute();
        // One version at a time: a version stored before the size bounds may hold megabytes.
        for (const key of keys) {
          const row = await CANONICAL_ROW.first(trx, key);
          if (row) await SET_RENDERINGS.execute(trx, { ...key, ...renderVersion(versionOf(row)) });
        }
        return keys;
      });
      total += rows.length;
      if (rows.length < REBUILD_BATCH) return total;
      after = rows[rows.length - 1]!;
    }
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
