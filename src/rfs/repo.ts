import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Dialect, Reader, Transact } from '../store/db.js';
import { Prepared } from '../store/prepared.js';
import type { Database, RfsProviderTable, RfsProviderVersionTable, NewActivity } from '../store/types.js';
import { keysetPlan, type Boundary, type SortDir } from './paging.js';
import { renderVersion, type ProviderVersion, type RenderedVersion } from './renderings.js';
import { forUpdate, takesRowLocks } from '../store/locks.js';

/** A version in a page of a list: its sort values (the boundary a marker names) and its rendering. */
export interface ListedVersion {
  time: string;
  id: string;
  doc: RenderedVersion;
}

/**
 * A page query reads one text a row, `create_time provider_version doc` (the first two hold no
 * space): on the SQLite reader a row of one column costs far less than a row of three.
 */
function listed(text: string): ListedVersion {
  const a = text.indexOf(' ');
  const b = text.indexOf(' ', a + 1);
  return { time: text.slice(0, a), id: text.slice(a + 1, b), doc: text.slice(b + 1) as RenderedVersion };
}

// The queries of the hot paths, compiled once.
const GET_PROVIDER = new Prepared(['domain', 'name'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('rfs_providers').selectAll().where('domain_id', '=', p.domain).where('provider_name', '=', p.name),
);
/** The domain a new provider goes into; PostgreSQL holds its row until the commit, so that a domain delete waits. */
const DOMAIN_HELD = new Prepared(['domain'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('domains').select('id').where('id', '=', p.domain).forShare(),
);
const DOMAIN_EXISTS = new Prepared(['domain'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('domains').select('id').where('id', '=', p.domain),
);

const LOCK_PROVIDER = new Prepared(['domain', 'name'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('rfs_providers')
    .selectAll()
    .where('domain_id', '=', p.domain)
    .where('provider_name', '=', p.name)
    .forUpdate(),
);
const INSERT_VERSION = new Prepared(
  ['provider_id', 'provider_version', 'version_description', 'function_graph_urn', 'create_time', 'doc'] as const,
  (db: Kysely<Database>, p) => db.insertInto('rfs_provider_versions').values(p),
);
const VERSION_DOC = new Prepared(['provider', 'version'] as const, (db: Kysely<Database>, p) =>
  db
    .selectFrom('rfs_provider_versions')
    .select('doc')
    .where('provider_id', '=', p.provider)
    .where('provider_version', '=', p.version),
);
const SET_RENDERING = new Prepared(['provider_id', 'provider_version', 'doc'] as const, (db: Kysely<Database>, p) =>
  db
    .updateTable('rfs_provider_versions')
    .set({ doc: p.doc })
    .where('provider_id', '=', p.provider_id)
    .where('provider_version', '=', p.provider_version),
);
/** The rebuild of the renderings (src/renderings.ts) rewrites this many versions per transaction. */
const REBUILD_BATCH = 500;

/** One compiled query per sort direction, walking direction and presence of a boundary. */
const versionPages = new Map<string, Prepared<'provider' | 'time' | 'id' | 'limit', { listed: string }>>();
function versionPage(dir: SortDir, forward: boolean, after: boolean) {
  const key = `${dir}|${forward}|${after}`;
  let q = versionPages.get(key);
  if (!q) {
    const plan = keysetPlan(dir, forward);
    q = new Prepared(
      after ? (['provider', 'time', 'id', 'limit'] as const) : (['provider', 'limit'] as const),
      (db: Kysely<Database>, p) => {
        let b = db
          .selectFrom('rfs_provider_versions')
          .select(sql<string>`create_time || ' ' || provider_version || ' ' || doc`.as('listed'))
          .where('provider_id', '=', p.provider);
        if (after) b = b.where(beyond('create_time', 'provider_version', dir, forward, { time: p.time, id: p.id }));
        return b.orderBy('create_time', plan.timeOrder).orderBy('provider_version', plan.idOrder).limit(p.limit);
      },
    ) as Prepared<'provider' | 'time' | 'id' | 'limit', { listed: string }>;
    versionPages.set(key, q);
  }
  return q;
}

/** The stored row of a version: its columns and its rendering. */
export const versionRow = (v: ProviderVersion): RfsProviderVersionTable => ({ ...v, doc: renderVersion(v) });

/** `time <op> t or (time = t and id <op> i)`: the keyset condition of paging.ts. */
function beyond(timeCol: string, idCol: string, dir: SortDir, forward: boolean, at: Boundary) {
  const p = keysetPlan(dir, forward);
  return sql<SqlBool>`(${sql.ref(timeCol)} ${sql.raw(p.timeCmp)} ${at.time} or (${sql.ref(timeCol)} = ${at.time} and ${sql.ref(idCol)} ${sql.raw(p.idCmp)} ${at.id}))`;
}

/** SQL for private providers and their versions; providers are scoped by domain (docs/api/rfs.md §1.3). */
export class RfsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly transact: Transact,
    /** Reads outside transactions go to the SQLite reader connection, when there is one. */
    private readonly reader?: Reader,
  ) {}

  /** `activity`: the trail's row of the change, stored with it (Store.transact). */
  transaction<T>(fn: (repo: RfsRepo) => Promise<T>, activity?: NewActivity): Promise<T> {
    return this.transact((trx) => fn(new RfsRepo(trx, this.dialect, this.transact)), activity);
  }

  /**
   * True when the domain still exists (a credential may outlive it by the auth cache); on PostgreSQL its row is held to
   * the commit.
   */
  async holdDomain(domainId: string): Promise<boolean> {
    return (
      (await (takesRowLocks(this.dialect) ? DOMAIN_HELD : DOMAIN_EXISTS).first(this.db, { domain: domainId })) !==
      undefined
    );
  }

  async insertProvider(row: RfsProviderTable): Promise<void> {
    await this.db.insertInto('rfs_providers').values(row).execute();
  }

  /**
   * The provider. `lock` gives the lock order of RFS writes: a transaction that changes a provider
   * or any of its versions reads the provider with it, first, before it touches a version. On
   * PostgreSQL that is `select … for update`: the writers of one provider queue on its row (no
   * deadlock; a delete of the provider waits its turn), and what they read after it is current.
   * SQLite issues the plain read: its group commit runs one writer at a time.
   */
  getProvider(domain: string, name: string, lock = false): Promise<RfsProviderTable | undefined> {
    if (lock && takesRowLocks(this.dialect)) return LOCK_PROVIDER.first(this.db, { domain, name });
    return GET_PROVIDER.first(this.db, { domain, name }, this.reader);
  }

  async countProviders(domain: string): Promise<number> {
    const r = await this.db
      .selectFrom('rfs_providers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('domain_id', '=', domain)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  listProviders(
    domain: string,
    dir: SortDir,
    forward: boolean,
    after: Boundary | undefined,
    limit: number,
  ): Promise<RfsProviderTable[]> {
    const p = keysetPlan(dir, forward);
    let q = this.db.selectFrom('rfs_providers').selectAll().where('domain_id', '=', domain);
    if (after) q = q.where(beyond('create_time', 'provider_name', dir, forward, after));
    return q.orderBy('create_time', p.timeOrder).orderBy('provider_name', p.idOrder).limit(limit).execute();
  }

  async updateDescription(domain: string, providerId: string, description: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('rfs_providers')
      .set({ provider_description: description, update_time: now })
      .where('domain_id', '=', domain)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Deletes the provider; its versions go with it (foreign key cascade). */
  async deleteProvider(domain: string, providerId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('rfs_providers')
      .where('domain_id', '=', domain)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Stores a new version with its rendering. */
  async insertVersion(v: ProviderVersion): Promise<void> {
    await INSERT_VERSION.execute(this.db, versionRow(v));
  }

  async countVersions(providerId: string): Promise<number> {
    const r = await this.db
      .selectFrom('rfs_provider_versions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The stored rendering of a version. */
  async versionDoc(providerId: string, version: string): Promise<RenderedVersion | undefined> {
    return (await VERSION_DOC.first(this.db, { provider: providerId, version }, this.reader))?.doc as
      RenderedVersion | undefined;
  }

  /** A page of versions, in keyset order (paging.ts). */
  listVersions(
    providerId: string,
    dir: SortDir,
    forward: boolean,
    after: Boundary | undefined,
    limit: number,
  ): Promise<ListedVersion[]> {
    const params = { provider: providerId, time: after?.time, id: after?.id, limit };
    return versionPage(dir, forward, after !== undefined)
      .column(this.db, params, 'listed', this.reader)
      .then((texts) => texts.map(listed));
  }

  /**
   * Rewrites the rendering of every version from its columns, a batch per transaction in
   * primary-key order; on PostgreSQL a batch holds its rows while it rewrites them. Returns how many
   * versions it rewrote.
   */
  async rebuildRenderings(): Promise<number> {
    let after: ProviderVersion | undefined;
    let total = 0;
    for (;;) {
      const rows = await this.transact(async (trx) => {
        let q = trx
          .selectFrom('rfs_provider_versions')
          .select(['provider_id', 'provider_version', 'version_description', 'function_graph_urn', 'create_time'])
          .orderBy('provider_id')
          .orderBy('provider_version')
          .limit(REBUILD_BATCH);
        if (after)
          q = q.where(
            sql<SqlBool>`(provider_id, provider_version) > (${after.provider_id}, ${after.provider_version})`,
          );
        q = forUpdate(q, this.dialect);
        const page = await q.execute();
        for (const row of page) await SET_RENDERING.execute(trx, { ...row, doc: renderVersion(row) });
        return page;
      });
      total += rows.length;
      if (rows.length < REBUILD_BATCH) return total;
      after = rows[rows.length - 1]!;
    }
  }

  async deleteVersion(providerId: string, version: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('rfs_provider_versions')
      .where('provider_id', '=', providerId)
      .where('provider_version', '=', version)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
