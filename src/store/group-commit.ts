import type { Kysely } from 'kysely';
import type { Database } from './types.js';

/** Transaction statements run directly on the SQLite connection (no query building per job). */
export interface Statements {
  begin(): void;
  commit(): void;
  /** Rolls the whole transaction back, if one is still open. */
  rollback(): void;
  savepoint(): void;
  release(): void;
  /** Rolls back to the savepoint and releases it; false when the transaction itself is gone. */
  undo(): boolean;
}

interface Job {
  fn: (trx: Kysely<Database>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for SQLite with synchronous=FULL: the write transactions that arrive together run
 * in one database transaction, each inside its own savepoint (so one failing request rolls back
 * alone), then one commit makes them all durable with a single fsync, and only then is each
 * caller answered. A success therefore still means "on disk".
 *
 * When SQLite gives up the whole transaction (a full disk, an I/O error), every job of the batch
 * fails with that error and the next batch starts afresh; nothing is answered as a success that
 * was not committed.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private draining = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: Statements,
    private readonly maxBatch = 256,
    private readonly onBatch?: (size: number) => void,
    /** Told of every batch's outcome: null when it committed, else the error that undid it. */
    private readonly onOutcome?: (error: unknown) => void,
  ) {}

  run<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        outcomes = await this.db.connection().execute((conn) => this.runBatch(conn, batch));
        this.onOutcome?.(null);
      } catch (error) {
        this.onOutcome?.(error);
        for (const job of batch) job.reject(error);
        continue;
      }
      this.onBatch?.(batch.length);
      batch.forEach((job, i) => (outcomes[i]!.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]!.value)));
    }
    this.draining = false;
  }

  /** One transaction for the batch; throws when it could not be committed (then nothing of it is stored). */
  private async runBatch(conn: Kysely<Database>, batch: Job[]): Promise<{ ok: boolean; value: unknown }[]> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    this.sql.begin();
    try {
      for (const job of batch) {
        this.sql.savepoint();
        try {
          const value = await job.fn(conn);
          this.sql.release();
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!this.sql.undo()) throw error;
          outcomes.push({ ok: false, value: error });
        }
      }
      this.sql.commit();
    } catch (error) {
      this.sql.rollback();
      throw error;
    }
    return outcomes;
  }
}
