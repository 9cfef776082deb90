import type { Kysely } from 'kysely';
import type { Dialect, Reader, Transact } from '../store/db.js';
import { forUpdate } from '../store/locks.js';
import type { Database, DomainTable, ProjectTable, UserTable, NewActivity } from '../store/types.js';
import { KEY_BY_ID, keyQuery, PROJECT_BY_ID, TOKEN_BY_HASH, type KeyRow, type TokenRow } from './queries.js';

/**
 * SQL for domains, projects, users, access keys and tokens; private to IAM (src/iam). Its inserts and deletes are
 * called on the repository that transaction() gives.
 */
export class IamRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly transact: Transact,
    /**
     * The look-ups of every authenticated request go to the SQLite reader, when there is one: they never wait behind a
     * write.
     */
    private readonly reader?: Reader,
  ) {}

  /**
   * Runs fn in a write transaction of the store (Store.transact), with a repository bound to it. fn only computes and
   * talks to the database through that repository: on SQLite it shares the group commit's transaction, and on
   * PostgreSQL it runs again after a conflict. `activity`: the trail's row of the change, stored with it.
   */
  transaction<T>(fn: (repo: IamRepo) => Promise<T>, activity?: NewActivity): Promise<T> {
    return this.transact((trx) => fn(new IamRepo(trx, this.dialect, this.transact)), activity);
  }

  /** Records a one-time marker; false when it was already there. */
  async claimMarker(key: string, value: string): Promise<boolean> {
    const res = await this.db
      .insertInto('versionary_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  getMarker(key: string): Promise<string | undefined> {
    return this.db
      .selectFrom('versionary_meta')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
      .then((r) => r?.value);
  }

  async insertDomain(row: DomainTable): Promise<void> {
    await this.db.insertInto('domains').values(row).execute();
  }

  async insertProject(row: ProjectTable): Promise<void> {
    await this.db.insertInto('projects').values(row).execute();
  }

  async insertUser(row: UserTable): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async insertKey(row: {
    access_key: string;
    user_id: string;
    secret_enc: string;
    description: string;
    created_at: string;
  }): Promise<void> {
    await this.db.insertInto('access_keys').values(row).execute();
  }

  async insertToken(row: Database['tokens']): Promise<void> {
    await this.db.insertInto('tokens').values(row).execute();
  }

  /**
   * The domain; `lock`: locked (store/locks.ts) as a delete of it takes first, so that a write putting data into it
   * (which holds the row it writes under) finishes first or finds it gone.
   */
  domainByName(name: string, lock = false) {
    const q = this.db.selectFrom('domains').selectAll().where('name', '=', name);
    return (lock ? forUpdate(q, this.dialect) : q).executeTakeFirst();
  }

  domainById(id: string) {
    return this.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listDomains() {
    return this.db.selectFrom('domains').selectAll().orderBy('name').execute();
  }

  /** Domains by name, with how many projects and users each has. */
  async listDomainSummaries(): Promise<
    { id: string; name: string; created_at: string; projects: number; users: number }[]
  > {
    const rows = await this.db
      .selectFrom('domains as d')
      .select((eb) => [
        'd.id',
        'd.name',
        'd.created_at',
        eb
          .selectFrom('projects')
          .select(eb.fn.countAll<number | string>().as('n'))
          .whereRef('projects.domain_id', '=', 'd.id')
          .as('projects'),
        eb
          .selectFrom('users')
          .select(eb.fn.countAll<number | string>().as('n'))
          .whereRef('users.domain_id', '=', 'd.id')
          .as('users'),
      ])
      .orderBy('d.name')
      .execute();
    return rows.map((r) => ({ ...r, projects: Number(r.projects), users: Number(r.users) }));
  }

  /**
   * How many edge apps the projects of a domain (or one of them) hold, and RFS providers the domain holds (a project
   * holds none: they are the domain's).
   */
  async countApiData(domainId: string, projectId?: string): Promise<{ edge_apps: number; rfs_providers: number }> {
    const apps = await this.db
      .selectFrom('edge_apps')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', 'in', this.projectIds(domainId, projectId))
      .executeTakeFirstOrThrow();
    if (projectId !== undefined) return { edge_apps: Number(apps.n), rfs_providers: 0 };
    const providers = await this.db
      .selectFrom('rfs_providers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('domain_id', '=', domainId)
      .executeTakeFirstOrThrow();
    return { edge_apps: Number(apps.n), rfs_providers: Number(providers.n) };
  }

  /**
   * Deletes the edge apps of the projects of a domain (or one of them), and the domain's RFS providers with a whole
   * domain; their versions go with them.
   */
  async deleteApiData(domainId: string, projectId?: string): Promise<void> {
    await this.db.deleteFrom('edge_apps').where('project_id', 'in', this.projectIds(domainId, projectId)).execute();
    if (projectId === undefined) await this.db.deleteFrom('rfs_providers').where('domain_id', '=', domainId).execute();
  }

  private projectIds(domainId: string, projectId?: string) {
    let q = this.db.selectFrom('projects').select('id').where('domain_id', '=', domainId);
    if (projectId !== undefined) q = q.where('id', '=', projectId);
    return q;
  }

  /**
   * Deletes a domain; its projects, users, access keys and tokens go with it, and its activity trail
   * (a domain created later with the same id must not see it).
   */
  async deleteDomain(id: string): Promise<boolean> {
    await this.db.deleteFrom('activity').where('domain_id', '=', id).execute();
    const res = await this.db.deleteFrom('domains').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Deletes a project; the tokens scoped to it go with it. */
  async deleteProject(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  projectById(id: string): Promise<ProjectTable | undefined> {
    return PROJECT_BY_ID.first(this.db, { id }, this.reader);
  }

  /** The projects of a domain (of that name, if given); `lock`: locked as domainByName locks. */
  listProjects(domainId: string, name?: string, lock = false) {
    let q = this.db.selectFrom('projects').selectAll().where('domain_id', '=', domainId);
    if (name !== undefined) q = q.where('name', '=', name);
    q = q.orderBy('name').orderBy('id');
    return (lock ? forUpdate(q, this.dialect) : q).execute();
  }

  userByName(domainId: string, name: string) {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  userById(id: string) {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listUsers(domainId?: string) {
    let q = this.db
      .selectFrom('users')
      .innerJoin('domains', 'domains.id', 'users.domain_id')
      .select([
        'users.id',
        'users.name',
        'users.is_admin',
        'users.created_at',
        'domains.id as domain_id',
        'domains.name as domain_name',
      ]);
    if (domainId !== undefined) q = q.where('users.domain_id', '=', domainId);
    return q.orderBy('domains.name').orderBy('users.name').execute();
  }

  async deleteUser(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  keyById(accessKey: string): Promise<KeyRow | undefined> {
    return KEY_BY_ID.first(this.db, { key: accessKey }, this.reader);
  }

  listKeys(userId?: string, domainId?: string): Promise<KeyRow[]> {
    let q = keyQuery(this.db);
    if (userId !== undefined) q = q.where('users.id', '=', userId);
    if (domainId !== undefined) q = q.where('users.domain_id', '=', domainId);
    return q.orderBy('domains.name').orderBy('users.name').orderBy('access_keys.created_at').execute();
  }

  async deleteKey(accessKey: string): Promise<boolean> {
    const res = await this.db.deleteFrom('access_keys').where('access_key', '=', accessKey).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  tokenByHash(hash: string): Promise<TokenRow | undefined> {
    return TOKEN_BY_HASH.first(this.db, { hash }, this.reader);
  }

  async deleteExpiredTokens(now: string): Promise<number> {
    const res = await this.db.deleteFrom('tokens').where('expires_at', '<', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
