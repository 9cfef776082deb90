import type { Dialect } from './db.js';

/**
 * Row locks of write transactions (Store.transact), decided here for every repository.
 *
 * PostgreSQL takes them: `for update` on the rows a transaction is about to change or delete (its
 * writers queue on them, and what they read after the lock is current), `for share` on a parent row
 * it writes under, so that a delete of the parent waits for the commit.
 *
 * SQLite takes none, and has no such clause: its writes go through the group commit
 * (group-commit.ts), which runs one transaction function at a time on its one connection, so no
 * other writer comes between a read and the writes after it.
 */
export const takesRowLocks = (dialect: Dialect): boolean => dialect === 'postgres';

interface Lockable<Q> {
  forUpdate(): Q;
  forShare(): Q;
  forNoKeyUpdate(): Q;
}

/** The select with `for update` where rows are locked (takesRowLocks); as it is elsewhere. */
export const forUpdate = <Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q =>
  takesRowLocks(dialect) ? query.forUpdate() : query;

/** The select with `for share` where rows are locked (takesRowLocks); as it is elsewhere. */
export const forShare = <Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q =>
  takesRowLocks(dialect) ? query.forShare() : query;

/**
 * The select with `for no key update` where rows are locked (takesRowLocks): writers that take it
 * on a parent row go one at a time, while inserts of other children that refer to it go on.
 */
export const forNoKeyUpdate = <Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q =>
  takesRowLocks(dialect) ? query.forNoKeyUpdate() : query;
