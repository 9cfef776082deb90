import { sql, type Kysely } from 'kysely';
import type { Dialect, Reader, Transact } from '../store/db.js';
import { forNoKeyUpdate } from '../store/locks.js';
import { Prepared } from '../store/prepared.js';
import type { Database, FaultRuleTable, NewActivity } from '../store/types.js';

/** A rule as added: its place in the domain's order is the store's to give. */
export type NewRule = Omit<FaultRuleTable, 'seq'>;

const SEQ = sql<number>`seq`;

const RULES_OF_DOMAIN = new Prepared(['domain'] as const, (db: Kysely<Database>, p) =>
  db.selectFrom('fault_rules').selectAll().where('domain_id', '=', p.domain).orderBy(SEQ),
);

/** SQL of the fault rules, always within one domain. */
export class FaultRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
    private readonly dialect: Dialect,
    /** Requests read the rules on the SQLite reader, when there is one: never behind a group commit. */
    private readonly reader?: Reader,
  ) {}

  list(domainId: string): Promise<FaultRuleTable[]> {
    return RULES_OF_DOMAIN.rows(this.db, { domain: domainId }, this.reader);
  }

  /**
   * Inserts the rule last in its domain's order unless the domain holds `max` already; false then.
   * The adds of one domain take their turn on the domain's row (PostgreSQL; SQLite writes one at a
   * time anyway), so that concurrent adds on any replica neither pass `max` nor share a place.
   */
  insert(row: NewRule, max: number, activity?: NewActivity): Promise<boolean> {
    return this.transact(async (trx) => {
      await forNoKeyUpdate(
        trx.selectFrom('domains').select('id').where('id', '=', row.domain_id),
        this.dialect,
      ).execute();
      const { n, last } = await trx
        .selectFrom('fault_rules')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), sql<number | string | null>`max(seq)`.as('last')])
        .where('domain_id', '=', row.domain_id)
        .executeTakeFirstOrThrow();
      if (Number(n) >= max) return false;
      const seq = Number(last ?? 0) + 1;
      await trx
        .insertInto('fault_rules')
        .values({ ...row, seq })
        .execute();
      return true;
    }, activity);
  }

  /** Deletes one rule (or, without an id, all) of the domain (without one, of every domain); how many. */
  async delete(domainId: string | undefined, id?: string, activity?: NewActivity): Promise<number> {
    const result = await this.transact((trx) => {
      let q = trx.deleteFrom('fault_rules');
      if (domainId !== undefined) q = q.where('domain_id', '=', domainId);
      if (id !== undefined) q = q.where('id', '=', id);
      return q.executeTakeFirst();
    }, activity);
    return Number(result.numDeletedRows);
  }

  /**
   * Counts one hit of the rule, if it has one left: one conditional update, which the database
   * runs one at a time per row, so `times` holds across every replica. False when the rule is gone
   * or used up.
   */
  async take(id: string): Promise<boolean> {
    const result = await this.transact((trx) =>
      trx
        .updateTable('fault_rules')
        .set({
          hits: sql`hits + 1`,
          remaining: sql`case when remaining is null then null else remaining - 1 end`,
        })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('remaining', 'is', null), eb('remaining', '>', 0)]))
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }
}
