import type { Kysely } from 'kysely';

/** Fault rules: answers an administrator asks for on purpose, per domain, with their hit counts. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fault_rules')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('domains.id').onDelete('cascade'))
    .addColumn('operation', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('status', 'integer')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_msg', 'text')
    .addColumn('probability', 'double precision', (c) => c.notNull())
    .addColumn('times', 'integer')
    .addColumn('remaining', 'integer')
    .addColumn('hits', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delay_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    // The order of the rules within their domain (1, 2, …): the oldest matches first, even when
    // several were added within one millisecond.
    .addColumn('seq', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fault_rules_domain_idx')
    .on('fault_rules')
    .columns(['domain_id', 'seq'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fault_rules').execute();
}
