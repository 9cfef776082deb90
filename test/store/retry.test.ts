import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { isStoreUnavailable, openStore, retryConflicts, TRANSACTION_ATTEMPTS, type Store } from '../../src/store/db.js';

const conflict = (code: string) => Object.assign(new Error(`conflict ${code}`), { code });

describe('retrying transactions that lost to a conflict', () => {
  it('runs again after a deadlock or a serialization failure, with short growing jittered pauses', async () => {
    const pauses: number[] = [];
    let runs = 0;
    const value = await retryConflicts(
      async () => {
        runs++;
        if (runs < 3) throw conflict(runs === 1 ? '40P01' : '40001');
        return 'done';
      },
      TRANSACTION_ATTEMPTS,
      async (ms) => void pauses.push(ms),
    );
    expect(value).toBe('done');
    expect(runs).toBe(3);
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(2.5);
    expect(pauses[0]).toBeLessThan(7.5);
    expect(pauses[1]).toBeGreaterThanOrEqual(5);
    expect(pauses[1]).toBeLessThan(15);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} runs with the last conflict, which answers as unavailable (503)`, async () => {
    let runs = 0;
    const failing = retryConflicts(
      async () => {
        runs++;
        throw conflict('40P01');
      },
      TRANSACTION_ATTEMPTS,
      async () => {},
    );
    await expect(failing).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(TRANSACTION_ATTEMPTS);
    expect(isStoreUnavailable(conflict('40P01'))).toBe(true);
    expect(isStoreUnavailable(conflict('40001'))).toBe(true);
  });

  it('never runs again after any other error', async () => {
    for (const err of [conflict('23505'), conflict('57014'), new Error('not found')]) {
      let runs = 0;
      await expect(
        retryConflicts(
          async () => {
            runs++;
            throw err;
          },
          TRANSACTION_ATTEMPTS,
          async () => {},
        ),
      ).rejects.toBe(err);
      expect(runs).toBe(1);
    }
  });
});

describe('PostgreSQL transactions through the store', () => {
  let backend: Backend;
  let store: Store;
  beforeAll(async () => {
    backend = await freshBackend('postgres');
    store = openStore({ database: backend.database });
    await sql`create table counters (id int primary key, n int not null)`.execute(store.db);
    await sql`insert into counters values (1, 0), (2, 0)`.execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.drop();
  });

  it('end committed when two of them deadlock: PostgreSQL aborts one, and it runs again', async () => {
    let arrived = 0;
    let meet!: () => void;
    const bothLocked = new Promise<void>((resolve) => (meet = resolve));
    const runs = [0, 0];
    // Each locks one row, waits until the other holds the other row, then wants that row too.
    const crossing = (i: 0 | 1, first: number, second: number) =>
      store.transact(async (trx) => {
        runs[i]!++;
        await sql`update counters set n = n + 1 where id = ${first}`.execute(trx);
        if (runs[i] === 1 && ++arrived === 2) meet();
        if (runs[i] === 1) await bothLocked;
        await sql`update counters set n = n + 1 where id = ${second}`.execute(trx);
        return runs[i];
      });
    const results = await Promise.allSettled([crossing(0, 1, 2), crossing(1, 2, 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect([...runs].sort()).toEqual([1, 2]);
    const rows = await sql<{ id: number; n: number }>`select id, n from counters order by id`.execute(store.db);
    expect(rows.rows).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });
});
