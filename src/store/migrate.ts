import { Migrator, sql } from 'kysely';
import type { Store } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { rfsDomains, type Resolution } from './migrations/005_rfs_domains.js';

export class MigrationError extends Error {}

const TABLE = 'versionary_migration';

async function executedNames(store: Store): Promise<string[]> {
  try {
    const res = await sql<{ name: string }>`select name from ${sql.table(TABLE)}`.execute(store.db);
    return res.rows.map((r) => r.name);
  } catch {
    return [];
  }
}

export interface MigrateOptions {
  /** What 005_rfs_domains does with providers that cannot move to their domain by themselves (default: refuse). */
  rfs?: Resolution;
}

/**
 * Brings the schema up to date. On PostgreSQL Kysely holds an advisory lock for the whole run,
 * so replicas starting together migrate once. A database migrated by a newer release is refused.
 */
export async function migrate(store: Store, options: MigrateOptions = {}): Promise<string[]> {
  const unknown = (await executedNames(store)).filter((n) => !(n in MIGRATIONS));
  if (unknown.length > 0) {
    throw new MigrationError(
      `the database ${store.location} was migrated by a newer Versionary (unknown migrations: ${unknown.join(', ')}); upgrade this server`,
    );
  }
  const migrator = new Migrator({
    db: store.db,
    provider: {
      getMigrations: async () =>
        options.rfs ? { ...MIGRATIONS, '005_rfs_domains': rfsDomains(options.rfs) } : MIGRATIONS,
    },
    migrationTableName: TABLE,
    migrationLockTableName: `${TABLE}_lock`,
  });
  // SQLite cannot run DDL in Kysely's migration transaction: each statement commits alone. Those
  // commits need not each wait for an fsync (WAL stays consistent); the last one is synced below.
  if (store.dialect === 'sqlite') await sql`pragma synchronous = NORMAL`.execute(store.db);
  const { error, results } = await migrator.migrateToLatest().finally(async () => {
    if (store.dialect === 'sqlite') {
      await sql.raw(`pragma synchronous = ${store.sqliteSync ?? 'full'}`).execute(store.db);
      await sql`pragma wal_checkpoint(FULL)`.execute(store.db);
    }
  });
  if (error) throw new MigrationError(`migration failed on ${store.location}: ${(error as Error).message}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
