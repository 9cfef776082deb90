import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './types.js';

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
            await sql`savepoint versionary_job`.execute(trx);
            try {
              const value = await job.fn(trx);
              await sql`release savepoint versionary_job`.execute(trx);
              outcomes.push({ ok: true, value });
            } catch (error) {
              await sql`rollback to savepoint versionary_job`.execute(trx);
              await sql`release savepoint versionary_job`.execute(trx);
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
