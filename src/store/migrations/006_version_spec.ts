import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';

// Small batches: a version stored before the size bounds may hold megabytes.
const BATCH = 100;

/** The fields of a version that have no column of their own, as this migration knew them. */
const SPEC_KEYS = [
  'description',
  'sdk_version',
  'deploy_multi_instance',
  'container_settings',
  'liveness_probe',
  'readiness_probe',
  'command',
  'args',
  'outputs',
  'inputs',
  'services',
  'supplier',
  'tpl_id',
];

/**
 * An IoTEdge version keeps its data in columns again: `spec` holds what the client sent beyond
 * the other columns (JSON object text), taken back from each version's show rendering (doc, which
 * carries every spec field). The renderings become a cache made from the data: the stamp of the
 * renderings is removed, so that they are all rebuilt (src/renderings.ts) before the store serves.
 *
 * Frozen: this file depends on nothing of the application.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // SQLite adds a NOT NULL column to a table with rows only with a default.
  await db.schema
    .alterTable('edge_app_versions')
    .addColumn('spec', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await backfill(db, 'edge_app_versions', ['project_id', 'edge_app_id', 'version'], (row: { doc: string | null }) => {
    const doc = JSON.parse(row.doc ?? '{}') as Record<string, unknown>;
    const spec: Record<string, unknown> = {};
    for (const k of SPEC_KEYS) if (doc[k] !== undefined) spec[k] = doc[k];
    return { spec: JSON.stringify(spec) };
  });
  if (db.getExecutor().adapter instanceof PostgresAdapter)
    await db.schema
      .alterTable('edge_app_versions')
      .alterColumn('spec', (c) => c.dropDefault())
      .execute();
  await db.deleteFrom('versionary_meta').where('key', '=', 'renderings').execute();
}

/** Sets columns computed from each row, a batch of rows per transaction, in primary-key order. */
async function backfill<R extends Record<string, any>>(
  db: Kysely<any>,
  table: string,
  key: string[],
  compute: (row: R) => Record<string, string>,
): Promise<void> {
  // SQLite runs migrations outside a transaction: each batch gets one, not each row.
  const inTransaction = <T>(fn: (trx: Kysely<any>) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<any>) => fn(trx));
  let after: unknown[] | undefined;
  for (;;) {
    const rows: R[] = await inTransaction(async (trx) => {
      let q = trx.selectFrom(table).selectAll().limit(BATCH);
      for (const k of key) q = q.orderBy(k);
      if (after) q = q.where(sql<boolean>`(${sql.join(key.map((k) => sql.ref(k)))}) > (${sql.join(after)})`);
      const page = (await q.execute()) as R[];
      for (const row of page) {
        let u = trx.updateTable(table).set(compute(row));
        for (const k of key) u = u.where(k, '=', row[k]);
        await u.execute();
      }
      return page;
    });
    if (rows.length < BATCH) return;
    after = key.map((k) => rows[rows.length - 1]![k]);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('edge_app_versions').dropColumn('spec').execute();
}
