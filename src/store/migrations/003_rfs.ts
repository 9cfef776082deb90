import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rfs_providers')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('provider_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('provider_id', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('provider_description', 'varchar(1024)')
    .addColumn('provider_agency_name', 'varchar(64)')
    .addColumn('provider_agency_urn', 'varchar(256)')
    .addColumn('create_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('update_time', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('rfs_providers_pk', ['tenant_id', 'provider_name'])
    .execute();
  await db.schema
    .createIndex('rfs_providers_list_idx')
    .on('rfs_providers')
    .columns(['tenant_id', 'create_time', 'provider_name'])
    .execute();

  await db.schema
    .createTable('rfs_provider_versions')
    .addColumn('provider_id', 'varchar(36)', (c) =>
      c.notNull().references('rfs_providers.provider_id').onDelete('cascade'),
    )
    .addColumn('provider_version', 'varchar(128)', (c) => c.notNull())
    .addColumn('version_description', 'varchar(1024)')
    .addColumn('function_graph_urn', 'varchar(256)', (c) => c.notNull())
    .addColumn('create_time', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('rfs_provider_versions_pk', ['provider_id', 'provider_version'])
    .execute();
  await db.schema
    .createIndex('rfs_provider_versions_list_idx')
    .on('rfs_provider_versions')
    .columns(['provider_id', 'create_time', 'provider_version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rfs_provider_versions').execute();
  await db.schema.dropTable('rfs_providers').execute();
}
