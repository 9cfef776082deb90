import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type SQLiteType from 'better-sqlite3';
import type pgType from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type KyselyConfig } from 'kysely';

// Each database driver is loaded only when a store of its kind is opened.
const require = createRequire(import.meta.filename);
import type { Database, NewActivity } from './types.js';
import { GroupCommit, type Statements } from './group-commit.js';
import { Prepared } from './prepared.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Runs fn in a write transaction; all of it is durable when the promise resolves. The one way the
 * repositories write. fn only computes and talks to the database through `trx`: on SQLite it runs
 * inside the group commit's shared transaction (a savepoint each, one at a time), on PostgreSQL it
 * may run again after a conflict (retryConflicts). Row locks: locks.ts. An `activity` row is
 * inserted in the same transaction once fn has succeeded: stored exactly when the change is.
 */
export type Transact = <T>(fn: (trx: Kysely<Database>) => Promise<T>, activity?: NewActivity) => Promise<T>;

const ACTIVITY_COLUMNS = [
  'at',
  'request_id',
  'domain_id',
  'project_id',
  'user_id',
  'user_name',
  'access_key',
  'operation',
  'method',
  'resource',
  'status',
  'error_code',
] as const satisfies readonly (keyof NewActivity)[];
const INSERT_ACTIVITY = new Prepared(ACTIVITY_COLUMNS, (db, row) => db.insertInto('activity').values(row));

/** Inserts an activity row (src/activity/) on db. */
export async function insertActivity(db: Kysely<Database>, row: NewActivity): Promise<void> {
  await INSERT_ACTIVITY.execute(db, row);
}

/** fn, then (when given) the activity row of its change, on the same transaction. */
function recorded<T>(fn: (trx: Kysely<Database>) => Promise<T>, activity?: NewActivity) {
  if (!activity) return fn;
  return async (trx: Kysely<Database>): Promise<T> => {
    const value = await fn(trx);
    await insertActivity(trx, activity);
    return value;
  };
}

/** Runs a read-only statement synchronously and returns its rows (or, `pluck`ed, their first column). */
export type Reader = <R>(sql: string, parameters: readonly unknown[], pluck?: boolean) => R[];

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  transact: Transact;
  /** Throws unless the store answers, and (after writes failed for lack of space) takes a write again. */
  ready(): Promise<void>;
  /** Runs fn on one consistent view of the data, taken when it starts; writers do not wait for it. */
  readConsistent<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * SQLite only: a second connection for the hot reads. It sees only committed data (WAL), never
   * waits behind a group commit, and answers without a promise.
   */
  reader?: Reader;
  /** PostgreSQL only: the connection pool's state. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** SQLite only: the synchronous mode chosen for normal operation. */
  sqliteSync?: 'full' | 'normal';
  /** Where the data lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  database: string;
  /** Called after every statement with its kind (select, insert …) and duration. */
  onQuery?: (kind: string, ms: number) => void;
  /** Called with the size of every group-commit batch (SQLite). */
  onBatch?: (size: number) => void;
  sqliteSync?: 'full' | 'normal';
  pgPoolSize?: number;
  pgStatementTimeoutMs?: number;
  pgConnectTimeoutMs?: number;
}

export class StoreConfigError extends Error {}

export function openStore(opts: StoreOptions): Store {
  if (opts.database.startsWith('sqlite:'))
    return openSqlite(opts.database.slice('sqlite:'.length), opts.sqliteSync ?? 'full', opts);
  if (/^postgres(ql)?:\/\//.test(opts.database)) return openPostgres(opts);
  throw new StoreConfigError(`unsupported database URL: ${opts.database}`);
}

const KINDS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

function queryLog(onQuery?: StoreOptions['onQuery']): KyselyConfig['log'] {
  if (!onQuery) return undefined;
  return (event) => {
    if (event.level === 'query') onQuery(KINDS[event.query.query.kind] ?? 'other', event.queryDurationMillis);
  };
}

function openSqlite(file: string, sync: 'full' | 'normal', opts: StoreOptions): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const SQLite = require('better-sqlite3') as typeof SQLiteType;
  let sqlite: SQLiteType.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw new StoreConfigError(`cannot open SQLite database ${file}: ${(err as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${sync.toUpperCase()}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: statementCache(sqlite) }),
    log: queryLog(opts.onQuery),
  });
  const statement = (source: string) => {
    const stmt = sqlite.prepare(source);
    return () => void stmt.run();
  };
  const rollbackTo = statement('rollback to savepoint versionary_job');
  const release = statement('release savepoint versionary_job');
  const statements: Statements = {
    begin: statement('begin'),
    commit: statement('commit'),
    rollback: () => {
      if (sqlite.inTransaction) sqlite.prepare('rollback').run();
    },
    savepoint: statement('savepoint versionary_job'),
    release,
    undo: () => {
      if (!sqlite.inTransaction) return false;
      rollbackTo();
      release();
      return true;
    },
  };
  const space = new SpaceWatch();
  const group = new GroupCommit(db, statements, 256, opts.onBatch, (error) => space.saw(error));
  const readConnection = file === ':memory:' ? undefined : new SQLite(file);
  let reader: Reader | undefined;
  if (readConnection) {
    const cached = statementCache(readConnection);
    readConnection.pragma('query_only = ON');
    readConnection.pragma('busy_timeout = 5000');
    const onQuery = opts.onQuery;
    reader = <R>(source: string, parameters: readonly unknown[], pluck = false) => {
      const started = onQuery ? performance.now() : 0;
      const rows = cached.prepare(source).pluck(pluck).all(parameters) as R[];
      onQuery?.('select', performance.now() - started);
      return rows;
    };
  }
  const close = async () => {
    readConnection?.close();
    await db.destroy();
  };
  const transact: Transact = (fn, activity) => group.run(recorded(fn, activity));
  const ready = async () => {
    if (file !== ':memory:') assertRoom(path.dirname(path.resolve(file)));
    await space.probe(transact);
    if (reader) reader('select 1', []);
    else await sql`select 1`.execute(db);
  };
  // A connection of its own, so that one long read transaction sees one state while writes go on (WAL).
  const readConsistent = async <T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> => {
    if (file === ':memory:') return db.transaction().execute(fn);
    const own = new SQLite(file, { readonly: true });
    own.pragma('busy_timeout = 5000');
    const view = new Kysely<Database>({ dialect: new SqliteDialect({ database: own }) });
    try {
      own.prepare('begin').run();
      own.prepare('select count(*) from versionary_meta').get();
      return await fn(view);
    } finally {
      if (own.inTransaction) own.prepare('rollback').run();
      await view.destroy();
    }
  };
  return {
    db,
    dialect: 'sqlite',
    sqliteSync: sync,
    transact,
    ready,
    readConsistent,
    reader,
    location: `sqlite:${file}`,
    close,
  };
}

/**
 * A connection's prepared statements, kept by SQL text: a repeated query skips SQLite's parser and
 * planner (about 20 µs a query here). Kysely is given this cache as the database it prepares
 * statements on.
 */
function statementCache(sqlite: SQLiteType.Database, max = 500) {
  const cache = new Map<string, SQLiteType.Statement>();
  const prepare = (source: string): SQLiteType.Statement => {
    let stmt = cache.get(source);
    if (stmt === undefined) {
      stmt = sqlite.prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return { prepare, close: () => sqlite.close() };
}

function openPostgres(opts: StoreOptions): Store {
  const url = opts.database;
  const statementTimeout = opts.pgStatementTimeoutMs ?? 10_000;
  const pg = require('pg') as typeof pgType;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.pgPoolSize ?? 10,
    connectionTimeoutMillis: opts.pgConnectTimeoutMs ?? 5_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1_000,
    idle_in_transaction_session_timeout: statementTimeout * 2,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(opts.onQuery) });
  const u = new URL(url);
  const space = new SpaceWatch();
  const transact: Transact = (fn, activity) => {
    const run = recorded(fn, activity);
    return space.watch(retryConflicts(() => db.transaction().execute(run)));
  };
  return {
    db,
    dialect: 'postgres',
    transact,
    ready: async () => {
      await space.probe(transact);
      await sql`select 1`.execute(db);
    },
    readConsistent: (fn) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await sql`set transaction read only`.execute(trx);
          return fn(trx);
        }),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    location: `postgres://${u.host}${u.pathname}`,
    close: () => db.destroy(),
  };
}

/** How often a PostgreSQL transaction runs at most when it keeps losing to a conflict (retryConflicts). */
export const TRANSACTION_ATTEMPTS = 4;
/** The first pause before a retry; it doubles with each retry and is jittered (×0.5–1.5). */
export const RETRY_BASE_DELAY_MS = 5;

/**
 * True when PostgreSQL aborted the transaction only because of another one running at the same
 * time: a deadlock (40P01) or a serialization failure (40001). Running it again can succeed.
 */
export function isTransientConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs a whole transaction again, from its beginning, when PostgreSQL aborted it for a conflict
 * (isTransientConflict): up to `attempts` runs in all, with a short jittered pause between them
 * (about 5, 10, 20 ms). The transaction function must only compute and talk to the database, so
 * that running it again is safe; any other error, and the last conflict, goes to the caller.
 */
export async function retryConflicts<T>(
  run: () => Promise<T>,
  attempts = TRANSACTION_ATTEMPTS,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= attempts || !isTransientConflict(err)) throw err;
      await pause(RETRY_BASE_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}

/** Below this much free space on its disk, a SQLite store is not ready (a small write may still fit). */
export const MIN_FREE_BYTES = 256 * 1024;

/** Throws a disk-full error when the filesystem holding dir has less than MIN_FREE_BYTES free. */
function assertRoom(dir: string): void {
  const { bavail, bsize } = fs.statfsSync(dir);
  if (bavail * bsize >= MIN_FREE_BYTES) return;
  const err = new Error(`the disk holding ${dir} has less than ${MIN_FREE_BYTES / 1024} KiB free`);
  throw Object.assign(err, { code: 'SQLITE_FULL' });
}

/** True when err means the database's disk is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC';
}

/**
 * Remembers that writes fail for lack of disk space, until one succeeds: while they do, the
 * store is not ready, and each readiness check tries one small write to see whether space is back.
 */
class SpaceWatch {
  private full = false;

  /** Takes the outcome of a write: null for a success, else its error. */
  saw(error: unknown): void {
    if (error === null) this.full = false;
    else if (isDiskFull(error)) this.full = true;
  }

  async watch<T>(write: Promise<T>): Promise<T> {
    try {
      const value = await write;
      this.saw(null);
      return value;
    } catch (error) {
      this.saw(error);
      throw error;
    }
  }

  /** While writes fail for lack of space, one small write (throws if it still fails). */
  async probe(transact: Transact): Promise<void> {
    if (!this.full) return;
    const value = new Date().toISOString();
    await transact((trx) =>
      trx
        .insertInto('versionary_meta')
        .values({ key: 'ready_probe', value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute(),
    );
  }
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

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '40P01',
  '40001',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '25P03',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  '53100',
  'ENOSPC',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i;

/**
 * True when err means the database cannot answer now (down, unreachable, overloaded or timed out,
 * or a transaction still losing to conflicts after its retries).
 */
export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

/** True when the database refused a value itself (a NUL character, a string too long for its column …). */
export function isValueRejected(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05' || code === '22001' || code === '22003' || code === '22P02';
}
