import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { specOf, withDocs, type VersionColumns } from '../../iotedge/views.js';
import { withDoc } from '../../rfs/views.js';
import type { RfsProviderVersionTable } from '../types.js';

const BATCH = 1000;

/**
 * Versions of both families keep their renderings (IoTEdge: doc and brief, instead of a spec
 * column; RFS: doc), made by the views of their families. The IoTEdge list index follows the
 * list order (newest first) and, on SQLite, carries the list rendering, so a page of the list is
 * read from the index alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('edge_app_versions').addColumn('doc', 'text').execute();
  await db.schema.alterTable('edge_app_versions').addColumn('brief', 'text').execute();
  await db.schema.alterTable('rfs_provider_versions').addColumn('doc', 'text').execute();

  await backfill(
    db,
    'edge_app_versions',
    ['project_id', 'edge_app_id', 'version'],
    (row: VersionColumns & { spec: string }) => {
      const { spec, ...columns } = row;
      const { doc, brief } = withDocs(columns, specOf(JSON.parse(spec)));
      return { doc, brief };
    },
  );
  await backfill(
    db,
    'rfs_provider_versions',
    ['provider_id', 'provider_version'],
    (row: Omit<RfsProviderVersionTable, 'doc'>) => ({ doc: withDoc(row).doc }),
  );

  await db.schema.alterTable('edge_app_versions').dropColumn('spec').execute();
  // PostgreSQL limits an index entry to ~2.7 KB, and a list rendering can be far longer (arch may
  // hold up to 1,000,000 items): there the index does not carry it.
  const covering = !(db.getExecutor().adapter instanceof PostgresAdapter);
  await db.schema.dropIndex('edge_app_versions_list_idx').execute();
  await db.schema
    .createIndex('edge_app_versions_list_idx')
    .on('edge_app_versions')
    .columns(['project_id', 'edge_app_id', 'create_time desc', 'version', ...(covering ? ['brief'] : [])])
    .execute();
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
  await db.schema.dropIndex('edge_app_versions_list_idx').execute();
  await db.schema
    .createIndex('edge_app_versions_list_idx')
    .on('edge_app_versions')
    .columns(['project_id', 'edge_app_id', 'create_time', 'version'])
    .execute();
  await db.schema
    .alterTable('edge_app_versions')
    .addColumn('spec', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await sql`update edge_app_versions set spec = doc`.execute(db);
  await db.schema.alterTable('edge_app_versions').dropColumn('brief').execute();
  await db.schema.alterTable('edge_app_versions').dropColumn('doc').execute();
  await db.schema.alterTable('rfs_provider_versions').dropColumn('doc').execute();
}
