import { afterEach, describe, expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { runCli } from '../helpers/processes.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrate, MigrationError } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { RfsRepo } from '../../src/rfs/repo.js';
import { RfsService } from '../../src/rfs/service.js';
import { MarkerCodec } from '../../src/rfs/paging.js';

/**
 * 005_rfs_domains: providers move from their project to its domain. What cannot move by itself
 * (one name in two projects of a domain, a provider whose project is gone) is refused, naming
 * each, with nothing changed, unless the operator chose to rename or delete it.
 */

const T = '2026-08-06T09:00:00.000Z';
const URN = 'urn:fss:cn-north-7:0123456789abcdef0123456789abcdef:function:default:hello:latest';
const id = (n: number) => `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A store with the schema of 004_version_docs, two domains and their projects. */
async function at004(backend: Backend): Promise<Store> {
  const store = openStore({ database: backend.database });
  const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '005'));
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => before },
    migrationTableName: 'versionary_migration',
    migrationLockTableName: 'versionary_migration_lock',
  });
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  for (const [domain, name] of [
    ['dom-a', 'acme'],
    ['dom-b', 'beta'],
  ])
    await sql`insert into domains (id, name, created_at) values (${domain}, ${name}, ${T})`.execute(store.db);
  for (const [project, domain, name] of [
    ['proj-a1', 'dom-a', 'cn-north-7'],
    ['proj-a2', 'dom-a', 'cn-east-3'],
    ['proj-b1', 'dom-b', 'cn-north-7'],
  ]) {
    await sql`insert into projects (id, domain_id, name, created_at) values (${project}, ${domain}, ${name}, ${T})`.execute(
      store.db,
    );
  }
  return store;
}

async function provider(
  store: Store,
  project: string,
  name: string,
  n: number,
  versions = 0,
  created = T,
): Promise<void> {
  await sql`insert into rfs_providers (tenant_id, provider_name, provider_id, provider_description, create_time, update_time) values (${project}, ${name}, ${id(n)}, ${`of ${project}`}, ${created}, ${created})`.execute(
    store.db,
  );
  for (let v = 0; v < versions; v++) {
    const doc = JSON.stringify({ provider_version: `1.0.${v}`, function_graph_urn: URN, create_time: created });
    await sql`insert into rfs_provider_versions (provider_id, provider_version, function_graph_urn, create_time, doc) values (${id(n)}, ${`1.0.${v}`}, ${URN}, ${created}, ${doc})`.execute(
      store.db,
    );
  }
}

const rows = async (store: Store) =>
  (await sql<Record<string, unknown>>`select * from rfs_providers order by provider_id`.execute(store.db)).rows;
const versions = async (store: Store) =>
  (
    await sql<{
      provider_id: string;
      provider_version: string;
    }>`select provider_id, provider_version from rfs_provider_versions order by provider_id, provider_version`.execute(
      store.db,
    )
  ).rows;
const applied = async (store: Store) =>
  (await sql<{ name: string }>`select name from versionary_migration order by name`.execute(store.db)).rows.map(
    (r) => r.name,
  );
const columns = async (store: Store) =>
  (await store.db.introspection.getTables()).find((t) => t.name === 'rfs_providers')!.columns.map((c) => c.name);
const service = (store: Store) =>
  new RfsService(new RfsRepo(store.db, store.dialect, store.transact), new MarkerCodec(Buffer.alloc(32, 7)), {
    region: 'cn-north-7',
    providerQuota: 0,
    versionQuota: 0,
  });
const listed = async (store: Store, domain: string) =>
  (await service(store).listProviders(domain, { limit: 1000 })).providers.map((p) => p.provider_name).sort();

describe.each(BACKENDS)('005_rfs_domains on %s', (kind) => {
  let backend: Backend;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await backend.drop();
  });

  it('moves every provider to the domain of its project, with its versions, keyed by (domain, name)', async () => {
    backend = await freshBackend(kind);
    store = await at004(backend);
    await provider(store, 'proj-a1', 'alpha', 1, 3);
    await provider(store, 'proj-a2', 'beta', 2, 1);
    await provider(store, 'proj-b1', 'alpha', 3, 2);
    const versionsBefore = await versions(store);

    expect(await migrate(store)).toEqual(['005_rfs_domains', '006_version_spec', '007_activity', '008_faults']);
    expect(await columns(store)).toEqual([
      'domain_id',
      'provider_name',
      'provider_id',
      'provider_description',
      'provider_agency_name',
      'provider_agency_urn',
      'create_time',
      'update_time',
    ]);
    expect(
      (await rows(store)).map((r) => [r.domain_id, r.provider_name, r.provider_id, r.provider_description]),
    ).toEqual([
      ['dom-a', 'alpha', id(1), 'of proj-a1'],
      ['dom-a', 'beta', id(2), 'of proj-a2'],
      ['dom-b', 'alpha', id(3), 'of proj-b1'],
    ]);
    expect(await versions(store)).toEqual(versionsBefore);

    // The API reads them by domain, and the domain holds each name once.
    expect(await listed(store, 'dom-a')).toEqual(['alpha', 'beta']);
    expect(await listed(store, 'dom-b')).toEqual(['alpha']);
    const shown = JSON.parse((await service(store).showVersion('dom-a', 'alpha', '1.0.2')).text);
    expect(shown).toMatchObject({
      provider_id: id(1),
      provider_name: 'alpha',
      provider_version: '1.0.2',
      function_graph_urn: URN,
    });
    await expect(service(store).createProvider('dom-a', { provider_name: 'beta' })).rejects.toMatchObject({
      pinned: { status: 409, code: 'RF.10015001' },
    });
    await expect(
      sql`insert into rfs_providers (domain_id, provider_name, provider_id, create_time, update_time) values ('dom-a', 'alpha', ${id(9)}, ${T}, ${T})`.execute(
        store.db,
      ),
    ).rejects.toThrow();
    expect(await migrate(store)).toEqual([]);
  });

  it('refuses one name in two projects of a domain, and providers of a project that is gone, naming each and changing nothing', async () => {
    backend = await freshBackend(kind);
    store = await at004(backend);
    await provider(store, 'proj-a1', 'shared', 1, 2, '2026-01-01T00:00:00.000Z');
    await provider(store, 'proj-a2', 'shared', 2, 1, '2026-02-01T00:00:00.000Z');
    await provider(store, 'proj-b1', 'shared', 3, 0);
    await provider(store, 'proj-gone', 'lost', 4, 1);
    const before = { rows: await rows(store), versions: await versions(store), columns: await columns(store) };

    const refused = await migrate(store).catch((err: Error) => err);
    expect(refused).toBeInstanceOf(MigrationError);
    const message = (refused as Error).message;
    expect(message).toContain('RFS private providers are now unique per domain');
    expect(message).toContain('nothing was changed');
    expect(message).toContain(
      `domain acme (dom-a): provider "shared" is held by 2 of its projects: project cn-north-7 (proj-a1; provider_id ${id(1)}, created 2026-01-01T00:00:00.000Z, 2 versions); project cn-east-3 (proj-a2; provider_id ${id(2)}, created 2026-02-01T00:00:00.000Z, 1 version)`,
    );
    expect(message).toContain(
      `provider "lost" (provider_id ${id(4)}, created ${T}, 1 version) belongs to project proj-gone, which no longer exists`,
    );
    expect(message).not.toContain('dom-b');
    expect(message).toContain('versionary migrate --rfs-rename-duplicates');
    expect(message).toContain('--rfs-drop-orphans');
    expect({ rows: await rows(store), versions: await versions(store), columns: await columns(store) }).toEqual(before);
    expect(await applied(store)).not.toContain('005_rfs_domains');

    // Only what was not resolved is named again.
    const half = await migrate(store, { rfs: { renameDuplicates: true } }).catch((err: Error) => err);
    expect((half as Error).message).toContain('belongs to project proj-gone');
    expect((half as Error).message).not.toContain('"shared" is held by');
    expect({ rows: await rows(store), versions: await versions(store), columns: await columns(store) }).toEqual(before);

    const report: string[] = [];
    expect(
      await migrate(store, { rfs: { renameDuplicates: true, dropOrphans: true, report: (line) => report.push(line) } }),
    ).toEqual(['005_rfs_domains', '006_version_spec', '007_activity', '008_faults']);
    expect(report).toEqual([
      `renamed provider "shared" of project cn-east-3 (proj-a2; provider_id ${id(2)}, created 2026-02-01T00:00:00.000Z, 1 version) in domain acme (dom-a) to "shared-2"; "shared" stays with project cn-north-7 (proj-a1)`,
      `deleted provider "lost" (provider_id ${id(4)}, 1 version) of project proj-gone, which no longer exists`,
    ]);
    expect((await rows(store)).map((r) => [r.domain_id, r.provider_name, r.provider_id])).toEqual([
      ['dom-a', 'shared', id(1)],
      ['dom-a', 'shared-2', id(2)],
      ['dom-b', 'shared', id(3)],
    ]);
    expect((await versions(store)).map((v) => v.provider_id)).toEqual([id(1), id(1), id(2)]);
    expect(await listed(store, 'dom-a')).toEqual(['shared', 'shared-2']);
  });

  it('goes back down to providers of the oldest project of their domain', async () => {
    backend = await freshBackend(kind);
    store = await at004(backend);
    await provider(store, 'proj-a2', 'alpha', 1, 2);
    await provider(store, 'proj-b1', 'alpha', 2);
    await migrate(store);
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: 'versionary_migration',
      migrationLockTableName: 'versionary_migration_lock',
    });
    expect((await migrator.migrateTo('004_version_docs')).error).toBeUndefined();
    expect(await columns(store)).toContain('tenant_id');
    expect(await columns(store)).not.toContain('domain_id');
    expect((await rows(store)).map((r) => [r.tenant_id, r.provider_name])).toEqual([
      ['proj-a1', 'alpha'],
      ['proj-b1', 'alpha'],
    ]);
    expect((await versions(store)).length).toBe(2);
  });

  it('renames to a free name within 64 characters, the oldest keeping the name', async () => {
    backend = await freshBackend(kind);
    store = await at004(backend);
    const long = `${'a'.repeat(61)}-bc`;
    await sql`insert into projects (id, domain_id, name, created_at) values ('proj-a3', 'dom-a', 'cn-south-1', ${T})`.execute(
      store.db,
    );
    await provider(store, 'proj-a2', 'p', 1, 0, '2026-03-01T00:00:00.000Z');
    await provider(store, 'proj-a1', 'p', 2, 0, '2026-01-01T00:00:00.000Z');
    await provider(store, 'proj-a3', 'p', 3, 0, '2026-02-01T00:00:00.000Z');
    await provider(store, 'proj-a1', 'p-2', 4);
    await provider(store, 'proj-a1', long, 5, 0, '2026-01-01T00:00:00.000Z');
    await provider(store, 'proj-a2', long, 6, 0, '2026-01-02T00:00:00.000Z');
    await migrate(store, { rfs: { renameDuplicates: true } });
    const names = Object.fromEntries(
      (await rows(store)).map((r) => [r.provider_id as string, r.provider_name as string]),
    );
    expect(names).toEqual({
      [id(1)]: 'p-4',
      [id(2)]: 'p',
      [id(3)]: 'p-3',
      [id(4)]: 'p-2',
      [id(5)]: long,
      [id(6)]: `${'a'.repeat(61)}-2`,
    });
    for (const name of Object.values(names)) expect(name.length).toBeLessThanOrEqual(64);
  });
});

describe('versionary migrate and 005_rfs_domains', () => {
  let backend: Backend;
  afterEach(async () => backend.drop());

  it('exits 1 with the refusal, and resolves with --rfs-rename-duplicates --rfs-drop-orphans, printing each change', async () => {
    backend = await freshBackend('sqlite');
    const store = await at004(backend);
    await provider(store, 'proj-a1', 'shared', 1);
    await provider(store, 'proj-a2', 'shared', 2);
    await provider(store, 'proj-gone', 'lost', 3);
    await store.close();
    const db = ['--data-dir', backend.dataDir, '--database', backend.database];

    const refused = runCli(['migrate', ...db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('domain acme (dom-a): provider "shared" is held by 2 of its projects');
    expect(refused.stderr).toContain('belongs to project proj-gone, which no longer exists');
    const serve = runCli(['admin', 'project', 'list', ...db]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain('RFS private providers are now unique per domain');

    const resolved = runCli(['migrate', '--rfs-rename-duplicates', '--rfs-drop-orphans', ...db]);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('renamed provider "shared" of project cn-east-3');
    expect(resolved.stdout).toContain('to "shared-2"');
    expect(resolved.stdout).toContain('deleted provider "lost"');
    expect(resolved.stdout).toContain('applied: 005_rfs_domains');
    expect(runCli(['migrate', ...db]).stdout).toContain('schema is up to date');
  }, 60_000);
});
