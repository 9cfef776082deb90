import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

describe('the SQLite reader connection', () => {
  let backend: Backend;
  let store: Store;
  afterEach(async () => {
    await store.close();
    await backend.drop();
  });

  it('sees a write only once its group commit is done, and never waits for it', async () => {
    backend = await freshBackend('sqlite');
    store = openStore({ database: backend.database });
    await migrate(store);
    const reader = store.reader!;
    const count = () => reader<number>('select count(*) from edge_apps where project_id = ?', ['p1'], true)[0];
    const t = '2026-08-06T09:00:00.000Z';

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const write = store.transact(async (trx) => {
      await sql`insert into edge_apps (project_id, edge_app_id, function_type, app_type, version_count, create_time, update_time)
        values ('p1', 'held-app', 'DATA_PROCESSING', 'USER', 0, ${t}, ${t})`.execute(trx);
      inserted();
      await held;
    });

    await insertedYet;
    expect(count()).toBe(0); // inserted in an open transaction: not visible, and the read did not block
    release();
    await write;
    expect(count()).toBe(1);
  });
});
