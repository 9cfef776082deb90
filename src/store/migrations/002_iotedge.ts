import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('edge_apps')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('edge_app_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('edge_app_name', 'varchar(64)')
    .addColumn('description', 'varchar(255)')
    .addColumn('function_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(64)')
    .addColumn('delivered_app', 'integer')
    .addColumn('app_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('deploy_type', 'varchar(16)')
    .addColumn('last_published_version', 'varchar(32)')
    .addColumn('version_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('create_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('update_time', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('edge_apps_pk', ['project_id', 'edge_app_id'])
    .execute();
  await db.schema
    .createIndex('edge_apps_list_idx')
    .on('edge_apps')
    .columns(['project_id', 'create_time', 'edge_app_id'])
    .execute();

  await db.schema
    .createTable('edge_app_versions')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('edge_app_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('version', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('deploy_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('ai_card_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('sdk_version', 'varchar(32)')
    .addColumn('deploy_multi_instance', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('create_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('update_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('publish_time', 'varchar(32)')
    .addColumn('off_shelf_time', 'varchar(32)')
    // Every other field of the version, as stored; the brief fields above are also in it.
    .addColumn('spec', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('edge_app_versions_pk', ['project_id', 'edge_app_id', 'version'])
    .addForeignKeyConstraint(
      'edge_app_versions_app_fk',
      ['project_id', 'edge_app_id'],
      'edge_apps',
      ['project_id', 'edge_app_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addCheckConstraint('edge_app_versions_state_ck', sql`state in ('DRAFT', 'PUBLISHED', 'OFF_SHELF')`)
    .execute();
  await db.schema
    .createIndex('edge_app_versions_list_idx')
    .on('edge_app_versions')
    .columns(['project_id', 'edge_app_id', 'create_time', 'version'])
    .execute();
  await db.schema
    .createIndex('edge_app_versions_published_idx')
    .on('edge_app_versions')
    .columns(['project_id', 'edge_app_id', 'state', 'publish_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('edge_app_versions').execute();
  await db.schema.dropTable('edge_apps').execute();
}
