import { afterEach, describe, expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import { IotEdgeRepo } from '../../src/iotedge/repo.js';
import { renderVersion } from '../../src/iotedge/renderings.js';
import { specOf, type CreateVersionBody } from '../../src/iotedge/schemas.js';
import { IotEdgeService, newVersion } from '../../src/iotedge/service.js';
import { refreshRenderings } from '../../src/renderings.js';
import { VALID_VERSION } from '../helpers/iotedge.js';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrate, MigrationError } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';

/** Runs the migrations named before `upTo` only, as a release of that time did. */
async function migrateBefore(store: Store, upTo: string): Promise<void> {
  const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < upTo));
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => before },
    migrationTableName: 'versionary_migration',
    migrationLockTableName: 'versionary_migration_lock',
  });
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
}

const iotedgeService = (store: Store) =>
  new IotEdgeService(new IotEdgeRepo(store.db, store.dialect, store.transact, store.reader));

describe.each(BACKENDS)('migrations on %s', (kind) => {
  let backend: Backend;
  afterEach(async () => backend.drop());

  it('creates every table once and is idempotent', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    expect(await migrate(store)).toEqual(Object.keys(MIGRATIONS));
    expect(await migrate(store)).toEqual([]);
    const tables = (await store.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(
      expect.arrayContaining(['domains', 'projects', 'users', 'access_keys', 'tokens', 'versionary_meta']),
    );
    await store.close();
  });

  it('migrates once when several servers start together', async () => {
    backend = await freshBackend(kind);
    const stores = [1, 2, 3].map(() => openStore({ database: backend.database }));
    const results = await Promise.allSettled(stores.map((s) => migrate(s)));
    if (kind === 'postgres') {
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      expect(applied).toEqual(Object.keys(MIGRATIONS));
    }
    const rows = await sql<{ name: string }>`select name from versionary_migration`.execute(stores[0]!.db);
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a database migrated by a newer release', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    await migrate(store);
    await sql`insert into versionary_migration (name, timestamp) values ('999_from_the_future', '2030-01-01T00:00:00.000Z')`.execute(
      store.db,
    );
    await expect(migrate(store)).rejects.toThrow(MigrationError);
    await expect(migrate(store)).rejects.toThrow(/newer Versionary.*999_from_the_future/);
    await store.close();
  });

  it('keeps every field of versions stored before 004_version_docs, unchanged for clients', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    await migrateBefore(store, '004');
    const t = '2026-08-06T09:00:00.000Z';
    await sql`insert into edge_apps (project_id, edge_app_id, edge_app_name, function_type, app_type, deploy_type, version_count, create_time, update_time)
      values ('p1', 'old-app', 'Old app', 'DATA_PROCESSING', 'USER', 'docker', 1001, ${t}, ${t})`.execute(store.db);
    const { version: _v, deploy_type: _d, arch: _a, ...spec } = VALID_VERSION;
    for (let i = 0; i < 1001; i++) {
      await sql`insert into edge_app_versions (project_id, edge_app_id, version, state, deploy_type, arch, ai_card_type, description, sdk_version, deploy_multi_instance, create_time, update_time, publish_time, off_shelf_time, spec)
        values ('p1', 'old-app', ${`1.0.${i}`}, 'PUBLISHED', 'docker', '["x86_64","arm64"]', 'NPU', 'first release', '2.1.0', 0, ${t}, ${t}, ${t}, null, ${JSON.stringify(spec)})`.execute(
        store.db,
      );
    }

    await sql`insert into domains (id, name, created_at) values ('d1', 'd1', ${t})`.execute(store.db);
    await sql`insert into projects (id, domain_id, name, created_at) values ('p1', 'd1', 'cn-north-7', ${t})`.execute(
      store.db,
    );
    await sql`insert into rfs_providers (tenant_id, provider_name, provider_id, create_time, update_time) values ('p1', 'old-provider', 'c0ffee00-0000-4000-8000-000000000009', ${t}, ${t})`.execute(
      store.db,
    );
    await sql`insert into rfs_provider_versions (provider_id, provider_version, version_description, function_graph_urn, create_time)
      values ('c0ffee00-0000-4000-8000-000000000009', '1.0.0', 'first', 'urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest', ${t})`.execute(
      store.db,
    );

    expect(await migrate(store)).toEqual([
      '004_version_docs',
      '005_rfs_domains',
      '006_version_spec',
      '007_activity',
      '008_faults',
    ]);
    // The spec is the data again, taken back from the renderings 004 made.
    const stored = await sql<{ spec: string }>`select spec from edge_app_versions where version = '1.0.7'`.execute(
      store.db,
    );
    expect(JSON.parse(stored.rows[0]!.spec)).toEqual(
      specOf({ ...spec, deploy_multi_instance: false } as CreateVersionBody),
    );
    expect(await refreshRenderings(store)).toBe(1002);
    expect(await refreshRenderings(store)).toBe(0);
    const rfsDoc = await sql<{ doc: string }>`select doc from rfs_provider_versions`.execute(store.db);
    expect(JSON.parse(rfsDoc.rows[0]!.doc)).toEqual({
      provider_version: '1.0.0',
      version_description: 'first',
      function_graph_urn: 'urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest',
      create_time: t,
    });
    const service = iotedgeService(store);
    const shownText = (await service.getVersion('p1', 'old-app', '1.0.1000')).text;
    const shown = JSON.parse(shownText);
    expect(shown).toEqual({
      edge_app_id: 'old-app',
      name: 'Old app',
      version: '1.0.1000',
      deploy_type: 'docker',
      arch: ['x86_64', 'arm64'],
      ...spec,
      create_time: t,
      update_time: t,
      publish_time: t,
      state: 'PUBLISHED',
    });
    // Byte for byte what the API answers for the same version made today.
    const today = newVersion('p1', 'old-app', { ...spec, version: '1.0.1000', arch: ['x86_64', 'arm64'] } as never, t, {
      state: 'PUBLISHED',
      update_time: t,
      publish_time: t,
      off_shelf_time: null,
    });
    expect(shownText).toBe(`{"edge_app_id":"old-app","name":"Old app",${renderVersion(today).doc.slice(1)}`);
    const page = JSON.parse((await service.listVersions('p1', 'old-app', { offset: 0, limit: 5 } as never)).text);
    expect(page.count).toBe(1001);
    expect(page.versions).toHaveLength(5);
    expect(page.versions[0]).toEqual({
      edge_app_id: 'old-app',
      name: 'Old app',
      version: '1.0.0',
      sdk_version: '2.1.0',
      description: 'first release',
      deploy_type: 'docker',
      deploy_multi_instance: false,
      create_time: t,
      update_time: t,
      state: 'PUBLISHED',
      arch: ['x86_64', 'arm64'],
      publish_time: t,
    });
    const columns = (await store.db.introspection.getTables())
      .find((x) => x.name === 'edge_app_versions')!
      .columns.map((c) => c.name);
    expect(columns).toContain('spec');
    await store.close();
  });

  it('takes the spec of versions stored before 006_version_spec back from their renderings', async () => {
    backend = await freshBackend(kind);
    const store = openStore({ database: backend.database });
    await migrateBefore(store, '006');
    const t = '2026-08-06T09:00:00.000Z';
    await sql`insert into edge_apps (project_id, edge_app_id, function_type, app_type, deploy_type, version_count, create_time, update_time)
      values ('p1', 'app-5', 'DATA_PROCESSING', 'USER', 'docker', 2, ${t}, ${t})`.execute(store.db);
    // Rows as a release with 005 stored them: columns and renderings, no spec.
    const bodies = [
      { ...VALID_VERSION, version: '1.0.0' },
      { ...VALID_VERSION, version: '1.0.1', deploy_multi_instance: true, description: undefined, supplier: undefined },
    ] as CreateVersionBody[];
    const docs: string[] = [];
    for (const body of bodies) {
      const v = newVersion('p1', 'app-5', body, t, {
        state: 'OFF_SHELF',
        update_time: t,
        publish_time: t,
        off_shelf_time: t,
      });
      const { spec: _spec, ...columns } = v;
      const { doc, brief } = renderVersion(v);
      docs.push(doc);
      await store.db
        .insertInto('edge_app_versions')
        .values({ ...columns, doc, brief } as never)
        .execute();
    }
    await sql`insert into versionary_meta (key, value) values ('renderings', 'of an older release')`.execute(store.db);

    expect(await migrate(store)).toEqual(['006_version_spec', '007_activity', '008_faults']);
    const specs = await sql<{
      spec: string;
    }>`select spec from edge_app_versions where edge_app_id = 'app-5' order by version`.execute(store.db);
    expect(specs.rows.map((r) => JSON.parse(r.spec))).toEqual(
      bodies.map((b) => specOf({ ...b, deploy_multi_instance: b.deploy_multi_instance ?? false })),
    );
    // 006 leaves the renderings to be rebuilt; the rebuild makes them again, byte for byte.
    const stamp = await sql`select value from versionary_meta where key = 'renderings'`.execute(store.db);
    expect(stamp.rows).toEqual([]);
    await sql`update edge_app_versions set doc = null, brief = null`.execute(store.db);
    expect(await refreshRenderings(store)).toBe(2);
    const service = iotedgeService(store);
    for (const [i, body] of bodies.entries()) {
      const shown = await service.getVersion('p1', 'app-5', body.version);
      expect(shown.text).toBe(`{"edge_app_id":"app-5","name":"app-5",${docs[i]!.slice(1)}`);
    }
    await store.close();
  });
});
