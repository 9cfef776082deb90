import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { openStore } from '../../src/store/db.js';
import { migrate, MigrationError } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';

describe.each(BACKENDS)('migrations on %s', (kind) => {
  let backend: Backend;
  afterEach(async () => backend.drop());

  it('creates every table once and is idempotent', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    expect(await migrate(store)).toEqual(Object.keys(MIGRATIONS));
    expect(await migrate(store)).toEqual([]);
    const tables = (await store.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['domains', 'projects', 'users', 'access_keys', 'tokens', 'versionary_meta']));
    await store.close();
  });

  it('migrates once when several servers start together', async () => {
    backend = await freshBackend(kind);
    const stores = [1, 2, 3].map(() => openStore({ database: backend.database }));
    const results = await Promise.allSettled(stores.map((s) => migrate(s)));
    if (kind === 'postgres') {
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      expect(applied).toEqual(Object.keys(MIGRATIONS));
    }
    const rows = await sql<{ name: string }>`select name from versionary_migration`.execute(stores[0]!.db);
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a database migrated by a newer release', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    await migrate(store);
    await sql`insert into versionary_migration (name, timestamp) values ('999_from_the_future', '2030-01-01T00:00:00.000Z')`.execute(store.db);
    await expect(migrate(store)).rejects.toThrow(MigrationError);
    await expect(migrate(store)).rejects.toThrow(/newer Versionary.*999_from_the_future/);
    await store.close();
  });
});
