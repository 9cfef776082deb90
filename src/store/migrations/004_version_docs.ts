import { sql, type Kysely, type Transaction } from 'kysely';
import { specOf, withDocs, type VersionColumns } from '../../iotedge/views.js';

const BATCH = 1000;

/**
 * Versions keep their show and list renderings (doc, brief) instead of a spec column, and the
 * list index follows the list order (newest first), so a page is read in index order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('edge_app_versions').addColumn('doc', 'text').execute();
  await db.schema.alterTable('edge_app_versions').addColumn('brief', 'text').execute();

  // SQLite runs migrations outside a transaction: each batch gets one, not each row.
  const inTransaction = <T>(fn: (trx: Kysely<any>) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<any>) => fn(trx)));
  let after: [string, string, string] | undefined;
  for (;;) {
    const rows: (VersionColumns & { spec: string })[] = await inTransaction(async (trx) => {
      let q = trx.selectFrom('edge_app_versions').selectAll().orderBy('project_id').orderBy('edge_app_id').orderBy('version').limit(BATCH);
      if (after) q = q.where(sql<boolean>`(project_id, edge_app_id, version) > (${after[0]}, ${after[1]}, ${after[2]})`);
      const page = (await q.execute()) as (VersionColumns & { spec: string })[];
      for (const { spec, ...columns } of page) {
        const { doc, brief } = withDocs(columns, specOf(JSON.parse(spec)));
        await trx
          .updateTable('edge_app_versions')
          .set({ doc, brief })
          .where('project_id', '=', columns.project_id)
          .where('edge_app_id', '=', columns.edge_app_id)
          .where('version', '=', columns.version)
          .execute();
      }
      return page;
    });
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1]!;
    after = [last.project_id, last.edge_app_id, last.version];
  }

  await db.schema.alterTable('edge_app_versions').dropColumn('spec').execute();
  await db.schema.dropIndex('edge_app_versions_list_idx').execute();
  await db.schema.createIndex('edge_app_versions_list_idx').on('edge_app_versions').columns(['project_id', 'edge_app_id', 'create_time desc', 'version']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('edge_app_versions_list_idx').execute();
  await db.schema.createIndex('edge_app_versions_list_idx').on('edge_app_versions').columns(['project_id', 'edge_app_id', 'create_time', 'version']).execute();
  await db.schema.alterTable('edge_app_versions').addColumn('spec', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await sql`update edge_app_versions set spec = doc`.execute(db);
  await db.schema.alterTable('edge_app_versions').dropColumn('brief').execute();
  await db.schema.alterTable('edge_app_versions').dropColumn('doc').execute();
}
