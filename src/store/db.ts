import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './types.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  database: string;
  sqliteSync?: 'full' | 'normal';
  pgPoolSize?: number;
}

export class StoreConfigError extends Error {}

export function openStore(opts: StoreOptions): Store {
  if (opts.database.startsWith('sqlite:')) return openSqlite(opts.database.slice('sqlite:'.length), opts.sqliteSync ?? 'full');
  if (/^postgres(ql)?:\/\//.test(opts.database)) return openPostgres(opts.database, opts.pgPoolSize ?? 10);
  throw new StoreConfigError(`unsupported database URL: ${opts.database}`);
}

function openSqlite(file: string, sync: 'full' | 'normal'): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw new StoreConfigError(`cannot open SQLite database ${file}: ${(err as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${sync.toUpperCase()}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: `sqlite:${file}`, close: () => db.destroy() };
}

function openPostgres(url: string, max: number): Store {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(url);
  return { db, dialect: 'postgres', location: `postgres://${u.host}${u.pathname}`, close: () => db.destroy() };
}

/** True when err is a unique or primary-key violation, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when err is a foreign-key violation (the parent row is gone), on either database. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
