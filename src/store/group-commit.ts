import type { Kysely, Transaction } from 'kysely';
import type { Database } from './types.js';

/** Savepoint statements run directly on the SQLite connection (no query building per job). */
export interface Savepoints {
  begin(): void;
  release(): void;
  rollback(): void;
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
 */
export class GroupCommit {
  private queue: Job[] = [];
  private draining = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly savepoints: Savepoints,
    private readonly maxBatch = 256,
    private readonly onBatch?: (size: number) => void,
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
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        await this.db.transaction().execute(async (trx: Transaction<Database>) => {
          for (const job of batch) {
            this.savepoints.begin();
            try {
              const value = await job.fn(trx);
              this.savepoints.release();
              outcomes.push({ ok: true, value });
            } catch (error) {
              this.savepoints.rollback();
              this.savepoints.release();
              outcomes.push({ ok: false, value: error });
            }
          }
        });
      } catch (error) {
        for (const job of batch) job.reject(error);
        continue;
      }
      this.onBatch?.(batch.length);
      batch.forEach((job, i) => (outcomes[i]!.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]!.value)));
    }
    this.draining = false;
  }
}
