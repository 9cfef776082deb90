import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/types.js';
import { BACKENDS, freshBackend } from '../helpers/backends.js';
import { BOOTSTRAP_ENV, PROJECT_ID } from '../helpers/server.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';

const APP = {
  project_id: PROJECT_ID,
  edge_app_id: 'seeded-app',
  edge_app_name: 'seeded',
  function_type: 'PROTOCOL_PARSING',
  app_type: 'USER',
  create_time: '2024-05-01T08:30:00.000Z',
  update_time: '2024-05-01T08:30:00.000Z',
};
const SEED = {
  format: 'versionary-snapshot',
  version: 1,
  edge_apps: [APP],
  edge_app_versions: [],
  rfs_providers: [],
  rfs_provider_versions: [],
};
const BAD_SECOND = { ...SEED, edge_apps: [APP, { ...APP, edge_app_id: 'second-app', function_type: 'NOPE' }] };

const count = async (db: Kysely<Database>, table: string) =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);

describe.each(BACKENDS)('--seed refused at a first start (%s)', (kind) => {
  it('leaves no identity and nothing of the seed, so that the next start is a first start with its seed', async () => {
    const backend = await freshBackend(kind);
    const file = (name: string, body: unknown) => {
      const p = path.join(backend.dataDir, name);
      fs.writeFileSync(p, JSON.stringify(body));
      return p;
    };
    const config = (seed: string) =>
      loadConfig({ dataDir: backend.dataDir, database: backend.database, seed }, BOOTSTRAP_ENV);
    try {
      const refused = openApp(config(file('bad.json', BAD_SECOND)));
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow(/^--seed .*bad\.json: edge_apps\[1\]: .*function_type must be one of/);
      const opened = await openApp(config(file('good.json', SEED)));
      try {
        expect(opened.bootstrap?.project.id).toBe(PROJECT_ID);
        const db = opened.store.db;
        expect(await db.selectFrom('edge_apps').select('edge_app_id').execute()).toEqual([
          { edge_app_id: 'seeded-app' },
        ]);
        expect([await count(db, 'domains'), await count(db, 'users'), await count(db, 'access_keys')]).toEqual([
          1, 1, 1,
        ]);
      } finally {
        await opened.store.close();
      }
    } finally {
      await backend.drop();
    }
  }, 60_000);
});

describe('--seed files a memory store refuses or takes', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'versionary-seed-'));
  const file = (name: string, body: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, body);
    return p;
  };
  const open = (seed: string) => openApp(loadConfig({ store: 'memory', seed }, BOOTSTRAP_ENV));

  it('takes a snapshot that starts with a UTF-8 byte order mark', async () => {
    const opened = await open(
      file('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(SEED))])),
    );
    expect(await opened.store.db.selectFrom('edge_apps').select('edge_app_id').execute()).toEqual([
      { edge_app_id: 'seeded-app' },
    ]);
    await opened.store.close();
  });

  it.each([
    ['invalid.json', '{"format":', /invalid\.json: the snapshot is not valid JSON/],
    ['empty.json', '', /empty\.json: not a snapshot/],
    [
      'other-domain.json',
      JSON.stringify({ ...SEED, domain_id: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' }),
      /other-domain\.json: edge_apps\[0\]\.project_id: project 0123456789abcdef0123456789abcdef does not exist in/,
    ],
    [
      'other-project.json',
      JSON.stringify({ ...SEED, edge_apps: [{ ...APP, project_id: 'f'.repeat(32) }] }),
      /other-project\.json: edge_apps\[0\]\.project_id: project f{32} does not exist/,
    ],
  ])('refuses %s, naming the record and field', async (name, body, message) => {
    const refused = open(file(name, body));
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(message);
  });

  it('refuses a directory as a seed with a setting error, not a crash', async () => {
    const refused = open(dir);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/^--seed .*: EISDIR/);
  });
});
