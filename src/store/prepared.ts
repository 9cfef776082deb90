import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Reader } from './db.js';

/**
 * A Kysely query whose SQL is compiled once (per database kind) and then run with new parameter
 * values: the hot paths skip building and compiling the query tree on every request. The query
 * is built with placeholder values that must only travel as bound parameters.
 */
export class Prepared<P extends string, R> {
  private readonly compiled = new Map<unknown, { query: CompiledQuery<R>; slots: (P | { value: unknown })[] }>();

  constructor(
    private readonly names: readonly P[],
    private readonly build: (db: Kysely<any>, params: Record<P, any>) => Compilable<R>,
  ) {}

  private compile(db: Kysely<any>) {
    const kind = db.getExecutor().adapter.constructor;
    let entry = this.compiled.get(kind);
    if (!entry) {
      const marks = Object.fromEntries(this.names.map((n, i) => [n, `\u0000prepared:${i}\u0000`])) as Record<P, string>;
      const query = this.build(db, marks).compile();
      const byMark = new Map(this.names.map((n) => [marks[n], n]));
      const slots = query.parameters.map((v) =>
        typeof v === 'string' && byMark.has(v) ? byMark.get(v)! : { value: v },
      );
      const used = new Set(slots.filter((s): s is P => typeof s === 'string'));
      for (const n of this.names) if (!used.has(n)) throw new Error(`prepared query: parameter ${n} is not bound`);
      entry = { query, slots };
      this.compiled.set(kind, entry);
    }
    return entry;
  }

  async execute(db: Kysely<any>, params: Record<P, unknown>): Promise<QueryResult<R>> {
    const { query, slots } = this.compile(db);
    return db.executeQuery<R>({ ...query, parameters: this.bind(slots, params) });
  }

  /** The rows of a read: on the SQLite reader connection when one is given, else through Kysely. */
  async rows(db: Kysely<any>, params: Record<P, unknown>, reader?: Reader): Promise<R[]> {
    if (!reader) return (await this.execute(db, params)).rows;
    const { query, slots } = this.compile(db);
    return reader<R>(query.sql, this.bind(slots, params));
  }

  /** The first column of every row of a read (no row objects are made on the SQLite reader). */
  async column<C extends keyof R>(
    db: Kysely<any>,
    params: Record<P, unknown>,
    name: C,
    reader?: Reader,
  ): Promise<R[C][]> {
    if (!reader) return (await this.execute(db, params)).rows.map((r) => r[name]);
    const { query, slots } = this.compile(db);
    return reader<R[C]>(query.sql, this.bind(slots, params), true);
  }

  async first(db: Kysely<any>, params: Record<P, unknown>, reader?: Reader): Promise<R | undefined> {
    return (await this.rows(db, params, reader))[0];
  }

  private bind(slots: (P | { value: unknown })[], params: Record<P, unknown>): unknown[] {
    return slots.map((s) => (typeof s === 'string' ? params[s] : s.value));
  }
}
