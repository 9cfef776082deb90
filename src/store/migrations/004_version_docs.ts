import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';

const BATCH = 1000;

/** The fields of the spec column of 002_iotedge, as this migration found them. */
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

interface OldVersion {
  version: string;
  deploy_type: string;
  deploy_multi_instance: number;
  arch: string;
  state: string;
  create_time: string;
  update_time: string;
  publish_time: string | null;
  off_shelf_time: string | null;
  spec: string;
}

/**
 * The show body (doc) and list item (brief) of a version, without edge_app_id and name, in the
 * field order of the responses of this release. Later releases rebuild these texts from the data
 * (src/renderings.ts); doc must carry every spec field, which 006_version_spec takes back.
 */
function versionTexts(row: OldVersion): { doc: string; brief: string } {
  const parsed = JSON.parse(row.spec) as Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) if (parsed[k] !== undefined) spec[k] = parsed[k];
  const v = {
    ...spec,
    version: row.version,
    deploy_type: row.deploy_type,
    deploy_multi_instance: row.deploy_multi_instance === 1,
    create_time: row.create_time,
    update_time: row.update_time,
    state: row.state,
    arch: JSON.parse(row.arch) as unknown,
    publish_time: row.publish_time ?? undefined,
    off_shelf_time: row.off_shelf_time ?? undefined,
  } as Record<string, unknown>;
  const doc = {
    deploy_type: v.deploy_type,
    deploy_multi_instance: v.deploy_multi_instance,
    version: v.version,
    sdk_version: v.sdk_version,
    description: v.description,
    create_time: v.create_time,
    update_time: v.update_time,
    state: v.state,
    liveness_probe: v.liveness_probe,
    readiness_probe: v.readiness_probe,
    arch: v.arch,
    command: v.command,
    args: v.args,
    container_settings: v.container_settings,
    outputs: v.outputs,
    inputs: v.inputs,
    services: v.services,
    publish_time: v.publish_time,
    off_shelf_time: v.off_shelf_time,
    supplier: v.supplier,
    tpl_id: v.tpl_id,
  };
  const brief = {
    version: v.version,
    sdk_version: v.sdk_version,
    description: v.description,
    deploy_type: v.deploy_type,
    deploy_multi_instance: v.deploy_multi_instance,
    create_time: v.create_time,
    update_time: v.update_time,
    state: v.state,
    arch: v.arch,
    publish_time: v.publish_time,
    off_shelf_time: v.off_shelf_time,
  };
  return { doc: JSON.stringify(doc), brief: JSON.stringify(brief) };
}

interface OldProviderVersion {
  provider_version: string;
  version_description: string | null;
  function_graph_urn: string;
  create_time: string;
}

/** The version summary of a provider version without provider_id and provider_name. */
function providerVersionDoc(row: OldProviderVersion): string {
  return JSON.stringify({
    provider_version: row.provider_version,
    version_description: row.version_description ?? undefined,
    function_graph_urn: row.function_graph_urn,
    create_time: row.create_time,
  });
}

/**
 * Versions of both families keep their renderings (IoTEdge: doc and brief, instead of a spec
 * column; RFS: doc). The IoTEdge list index follows the list order (newest first) and, on SQLite,
 * carries the list rendering, so a page of the list is read from the index alone.
 *
 * Frozen: this file depends on nothing of the application.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('edge_app_versions').addColumn('doc', 'text').execute();
  await db.schema.alterTable('edge_app_versions').addColumn('brief', 'text').execute();
  await db.schema.alterTable('rfs_provider_versions').addColumn('doc', 'text').execute();

  await backfill(db, 'edge_app_versions', ['project_id', 'edge_app_id', 'version'], versionTexts);
  await backfill(db, 'rfs_provider_versions', ['provider_id', 'provider_version'], (row: OldProviderVersion) => ({
    doc: providerVersionDoc(row),
  }));

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
