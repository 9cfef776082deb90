import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Transact } from '../store/db.js';
import type { Database, RfsProviderTable, RfsProviderVersionTable } from '../store/types.js';
import { keysetPlan, type Boundary, type SortDir } from './paging.js';


/** `time <op> t or (time = t and id <op> i)`: the keyset condition of paging.ts. */
function beyond(timeCol: string, idCol: string, dir: SortDir, forward: boolean, at: Boundary) {
  const p = keysetPlan(dir, forward);
  return sql<SqlBool>`(${sql.ref(timeCol)} ${sql.raw(p.timeCmp)} ${at.time} or (${sql.ref(timeCol)} = ${at.time} and ${sql.ref(idCol)} ${sql.raw(p.idCmp)} ${at.id}))`;
}

/** SQL for private providers and their versions; providers are scoped by tenant (project). */
export class RfsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  transaction<T>(fn: (repo: RfsRepo) => Promise<T>): Promise<T> {
    return this.transact((trx) => fn(new RfsRepo(trx, this.transact)));
  }

  async insertProvider(row: RfsProviderTable): Promise<void> {
    await this.db.insertInto('rfs_providers').values(row).execute();
  }

  getProvider(tenant: string, name: string): Promise<RfsProviderTable | undefined> {
    return this.db.selectFrom('rfs_providers').selectAll().where('tenant_id', '=', tenant).where('provider_name', '=', name).executeTakeFirst();
  }

  async countProviders(tenant: string): Promise<number> {
    const r = await this.db.selectFrom('rfs_providers').select((eb) => eb.fn.countAll<number | string>().as('n')).where('tenant_id', '=', tenant).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  listProviders(tenant: string, dir: SortDir, forward: boolean, after: Boundary | undefined, limit: number): Promise<RfsProviderTable[]> {
    const p = keysetPlan(dir, forward);
    let q = this.db.selectFrom('rfs_providers').selectAll().where('tenant_id', '=', tenant);
    if (after) q = q.where(beyond('create_time', 'provider_name', dir, forward, after));
    return q.orderBy('create_time', p.timeOrder).orderBy('provider_name', p.idOrder).limit(limit).execute();
  }

  async updateDescription(tenant: string, providerId: string, description: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('rfs_providers')
      .set({ provider_description: description, update_time: now })
      .where('tenant_id', '=', tenant)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Deletes the provider; its versions go with it (foreign key cascade). */
  async deleteProvider(tenant: string, providerId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('rfs_providers').where('tenant_id', '=', tenant).where('provider_id', '=', providerId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async insertVersion(row: RfsProviderVersionTable): Promise<void> {
    await this.db.insertInto('rfs_provider_versions').values(row).execute();
  }

  async countVersions(providerId: string): Promise<number> {
    const r = await this.db.selectFrom('rfs_provider_versions').select((eb) => eb.fn.countAll<number | string>().as('n')).where('provider_id', '=', providerId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  getVersion(providerId: string, version: string): Promise<RfsProviderVersionTable | undefined> {
    return this.db.selectFrom('rfs_provider_versions').selectAll().where('provider_id', '=', providerId).where('provider_version', '=', version).executeTakeFirst();
  }

  listVersions(providerId: string, dir: SortDir, forward: boolean, after: Boundary | undefined, limit: number): Promise<RfsProviderVersionTable[]> {
    const p = keysetPlan(dir, forward);
    let q = this.db.selectFrom('rfs_provider_versions').selectAll().where('provider_id', '=', providerId);
    if (after) q = q.where(beyond('create_time', 'provider_version', dir, forward, after));
    return q.orderBy('create_time', p.timeOrder).orderBy('provider_version', p.idOrder).limit(limit).execute();
  }

  async deleteVersion(providerId: string, version: string): Promise<boolean> {
    const res = await this.db.deleteFrom('rfs_provider_versions').where('provider_id', '=', providerId).where('provider_version', '=', version).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
