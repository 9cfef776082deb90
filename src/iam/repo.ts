import type { Kysely, Transaction } from 'kysely';
import type { Dialect, Reader } from '../store/db.js';
import { Prepared } from '../store/prepared.js';
import type { Database, DomainTable, ProjectTable, UserTable } from '../store/types.js';

export interface KeyRow {
  access_key: string;
  secret_enc: string;
  description: string;
  created_at: string;
  user_id: string;
  user_name: string;
  domain_id: string;
  domain_name: string;
  is_admin: number;
}

export interface TokenRow {
  user_id: string;
  user_name: string;
  is_admin: number;
  domain_id: string;
  domain_name: string;
  project_id: string | null;
  project_name: string | null;
  issued_at: string;
  expires_at: string;
}

const keyQuery = (db: Kysely<Database>) =>
  db
    .selectFrom('access_keys')
    .innerJoin('users', 'users.id', 'access_keys.user_id')
    .innerJoin('domains', 'domains.id', 'users.domain_id')
    .select([
      'access_keys.access_key',
      'access_keys.secret_enc',
      'access_keys.description',
      'access_keys.created_at',
      'users.id as user_id',
      'users.name as user_name',
      'users.is_admin',
      'domains.id as domain_id',
      'domains.name as domain_name',
    ]);

const KEY_BY_ID = new Prepared(['key'] as const, (db: Kysely<Database>, p) =>
  keyQuery(db).where('access_keys.access_key', '=', p.key),
);

const TOKEN_BY_HASH = new Prepared(['hash'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .innerJoin('domains', 'domains.id', 'tokens.domain_id')
    .leftJoin('projects', 'projects.id', 'tokens.project_id')
    .select([
      'users.id as user_id',
      'users.name as user_name',
      'users.is_admin',
      'domains.id as domain_id',
      'domains.name as domain_name',
      'projects.id as project_id',
      'projects.name as project_name',
      'tokens.issued_at',
      'tokens.expires_at',
    ])
    .where('tokens.token_hash', '=', p.hash),
);

const PROJECT_BY_ID = new Prepared(['id'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('projects').selectAll().where('id', '=', p.id),
);

/** SQL for domains, projects, users, access keys and tokens. */
export class IamRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /**
     * The look-ups of every authenticated request go to the SQLite reader, when there is one: they never wait behind a
     * write.
     */
    private readonly reader?: Reader,
    private readonly dialect?: Dialect,
  ) {}

  /**
   * PostgreSQL: locks the rows of a project, or of a domain and all its projects, before they are
   * deleted, so that a write putting data into them (which holds the row it writes into) finishes
   * first or finds them gone.
   */
  async lockForDelete(target: { projectId: string } | { domainId: string }): Promise<void> {
    if (this.dialect !== 'postgres') return;
    if ('projectId' in target) {
      await this.db.selectFrom('projects').select('id').where('id', '=', target.projectId).forUpdate().execute();
      return;
    }
    await this.db.selectFrom('domains').select('id').where('id', '=', target.domainId).forUpdate().execute();
    await this.db.selectFrom('projects').select('id').where('domain_id', '=', target.domainId).forUpdate().execute();
  }

  transaction<T>(fn: (repo: IamRepo, trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .execute((trx) => fn(new IamRepo(trx as unknown as Kysely<Database>, undefined, this.dialect), trx));
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

  domainByName(name: string) {
    return this.db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
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

  /** Deletes a domain; its projects, users, access keys and tokens go with it. */
  async deleteDomain(id: string): Promise<boolean> {
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

  listProjects(domainId: string, name?: string) {
    let q = this.db.selectFrom('projects').selectAll().where('domain_id', '=', domainId);
    if (name !== undefined) q = q.where('name', '=', name);
    return q.orderBy('name').orderBy('id').execute();
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

export type { UserTable };
