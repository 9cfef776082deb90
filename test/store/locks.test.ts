import { describe, expect, it } from 'vitest';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Database } from '../../src/store/types.js';
import { forShare, forUpdate, takesRowLocks } from '../../src/store/locks.js';

/** A Kysely that only compiles, for one database kind. */
const compiler = (kind: 'sqlite' | 'postgres') =>
  new Kysely<Database>({
    dialect: {
      createAdapter: () => (kind === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (kind === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (kind === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });

describe('row locks', () => {
  it('are taken on PostgreSQL and not on SQLite, whose group commit runs one writer at a time', () => {
    expect(takesRowLocks('postgres')).toBe(true);
    expect(takesRowLocks('sqlite')).toBe(false);
    const pg = compiler('postgres');
    const q = pg.selectFrom('projects').select('id').where('id', '=', 'p');
    expect(forUpdate(q, 'postgres').compile().sql).toBe('select "id" from "projects" where "id" = $1 for update');
    expect(forShare(q, 'postgres').compile().sql).toBe('select "id" from "projects" where "id" = $1 for share');
    const lite = compiler('sqlite');
    const r = lite.selectFrom('projects').select('id').where('id', '=', 'p');
    expect(forUpdate(r, 'sqlite').compile().sql).toBe('select "id" from "projects" where "id" = ?');
    expect(forShare(r, 'sqlite').compile().sql).toBe('select "id" from "projects" where "id" = ?');
  });
});
