import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

/** What an export reads: one state of the store, however long it takes, while writes go on. */
describe.each(BACKENDS)('a consistent read on %s', (kind) => {
  let backend: Backend;
  let store: Store;
  afterEach(async () => {
    await store.close();
    await backend.drop();
  });

  it('sees the state of its start only, and no write waits for it', async () => {
    backend = await freshBackend(kind);
    store = openStore({ database: backend.database });
    await migrate(store);
    const t = '2026-08-06T09:00:00.000Z';
    const insert = (id: string) =>
      store.transact((trx) =>
        sql`insert into edge_apps (project_id, edge_app_id, function_type, app_type, version_count, create_time, update_time)
          values ('p1', ${id}, 'DATA_PROCESSING', 'USER', 0, ${t}, ${t})`.execute(trx),
      );
    const count = async (db: Store['db']) =>
      Number((await sql<{ n: number }>`select count(*) as n from edge_apps`.execute(db)).rows[0]!.n);
    await insert('before');
    const seen = await store.readConsistent(async (db) => {
      const first = await count(db);
      await insert('during');
      return [first, await count(db)];
    });
    expect(seen).toEqual([1, 1]);
    expect(await count(store.db)).toBe(2);
  });
});
