import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshBackend, type Backend } from './helpers/backends.js';
import { MASTER_KEY } from './helpers/server.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VERSIONARY_MASTER_KEY: MASTER_KEY, ...env },
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('versionary command', () => {
  it('documents every command and setting in --help', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'admin']) expect(top.stdout).toContain(cmd);
    expect(top.stdout).toContain('VERSIONARY_MASTER_KEY');
    const serve = cli(['serve', '--help']);
    for (const flag of [
      '--host',
      '--port',
      '--data-dir',
      '--database',
      '--region',
      '--log-level',
      'VERSIONARY_DATABASE_URL',
    ])
      expect(serve.stdout).toContain(flag);
    const admin = cli(['admin', '--help']);
    for (const cmd of ['domain', 'user', 'key', 'project', 'show-bootstrap']) expect(admin.stdout).toContain(cmd);
  });

  it('lists for each command exactly the options it takes', () => {
    const serveOnly = ['--host', '--port', '--body-limit', '--rate-limit', '--token-ttl', '--request-timeout'];
    const store = ['--data-dir', '--database', '--sqlite-sync', '--pg-pool-size'];
    const migrate = cli(['migrate', '--help']).stdout;
    for (const flag of store) expect(migrate).toContain(flag);
    for (const flag of [...serveOnly, '--region']) expect(migrate).not.toContain(flag);
    const create = cli(['admin', 'user', 'create', '--help']).stdout;
    for (const flag of [...store, '--region', '--domain', '--password', '--admin', '--json'])
      expect(create).toContain(flag);
    for (const flag of serveOnly) expect(create).not.toContain(flag);
    const top = cli(['--help']).stdout;
    expect(top).toContain('versionary <command> --help');
    for (const flag of [...serveOnly, ...store]) expect(top).not.toContain(flag);
  });

  it.each([
    [['serve', '--port', 'abc'], {}, '--port / VERSIONARY_PORT must be a whole number'],
    [['serve'], { VERSIONARY_REGION: 'NOPE' }, 'must be a region id'],
    [['migrate', '--database', 'mysql://x'], {}, 'must be sqlite:<file> or postgres://'],
  ])('refuses bad configuration %j with one line and exit code 2', (args, env, message) => {
    const res = cli(args, env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toContain('    at ');
  });
});

describe.each(BACKENDS)('versionary admin on %s', (kind) => {
  let backend: Backend;
  let db: string[];
  beforeAll(async () => {
    backend = await freshBackend(kind);
    db = ['--data-dir', backend.dataDir, '--database', backend.database];
  });
  afterAll(async () => backend.drop());

  it('migrates', () => {
    const res = cli(['migrate', ...db]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('applied: 001_identity');
    expect(cli(['migrate', ...db]).stdout).toContain('schema is up to date');
  });

  it('creates the identity on first use and then shows it without secrets', () => {
    const first = cli(['admin', 'show-bootstrap', '--json', ...db], {
      VERSIONARY_PROJECT_ID: 'p-cli-1',
      VERSIONARY_ACCESS_KEY: 'CLIACCESSKEY00000001',
      VERSIONARY_SECRET_KEY: 'cli-secret-key-000000000001',
    });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('created its first identity');
    const shown = JSON.parse(first.stdout);
    expect(shown).toMatchObject({
      domain_name: 'default',
      admin_user: 'admin',
      access_keys: 'CLIACCESSKEY00000001',
      projects: 'cn-north-7:p-cli-1',
    });
    const again = cli(['admin', 'show-bootstrap', ...db]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('created its first identity');
    expect(again.stdout).toContain('CLIACCESSKEY00000001');
    expect(again.stdout).not.toContain('cli-secret-key-000000000001');
  });

  it('creates, lists and deletes users', () => {
    const created = cli(['admin', 'user', 'create', 'dave', '--json', ...db]);
    expect(created.code).toBe(0);
    const dave = JSON.parse(created.stdout);
    expect(dave).toMatchObject({
      name: 'dave',
      domain: 'default',
      password: expect.stringMatching(/^[A-Za-z0-9]{20}$/),
    });
    expect(cli(['admin', 'user', 'create', 'dave', ...db]).code).toBe(1);
    const listed = JSON.parse(cli(['admin', 'user', 'list', '--json', ...db]).stdout);
    expect(listed.map((u: { name: string }) => u.name)).toEqual(['admin', 'dave']);
    expect(JSON.stringify(listed)).not.toContain(dave.password);
    expect(cli(['admin', 'user', 'delete', 'dave', ...db]).code).toBe(0);
    expect(
      JSON.parse(cli(['admin', 'user', 'list', '--json', ...db]).stdout).map((u: { name: string }) => u.name),
    ).toEqual(['admin']);
    const missing = cli(['admin', 'user', 'delete', 'dave', ...db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('user dave does not exist');
  });

  it('creates, lists and deletes access keys; the secret shows once', () => {
    const created = JSON.parse(cli(['admin', 'key', 'create', 'admin', '--description', 'ci', '--json', ...db]).stdout);
    expect(created.access_key).toMatch(/^[A-Z0-9]{20}$/);
    expect(created.secret_key).toMatch(/^[A-Za-z0-9]{40}$/);
    const listed = cli(['admin', 'key', 'list', '--json', ...db]);
    const keys = JSON.parse(listed.stdout);
    expect(keys.map((k: { access_key: string }) => k.access_key)).toContain(created.access_key);
    expect(listed.stdout).not.toContain(created.secret_key);
    expect(cli(['admin', 'key', 'delete', created.access_key, ...db]).code).toBe(0);
    expect(cli(['admin', 'key', 'list', '--json', ...db]).stdout).not.toContain(created.access_key);
    expect(cli(['admin', 'key', 'create', 'nobody', ...db]).code).toBe(1);
  });

  it('creates and lists projects', () => {
    const p = JSON.parse(cli(['admin', 'project', 'create', 'cn-east-3', '--id', 'east3', '--json', ...db]).stdout);
    expect(p).toEqual({ id: 'east3', name: 'cn-east-3', domain: 'default' });
    expect(cli(['admin', 'project', 'create', 'cn-east-3', ...db]).code).toBe(1);
    const names = JSON.parse(cli(['admin', 'project', 'list', '--json', ...db]).stdout).map(
      (x: { name: string }) => x.name,
    );
    expect(names).toEqual(['cn-east-3', 'cn-north-7']);
  });
});

describe('versionary serve', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend('sqlite');
  });
  afterAll(async () => backend.drop());

  /** Starts serve, waits for the listening line, returns what it printed; stops it with SIGTERM. */
  async function runServe(): Promise<{ out: string; url: string; code: number | null }> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', backend.dataDir], {
      env: { ...process.env, VERSIONARY_MASTER_KEY: '' },
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /"url":"(http:\/\/[^"]+)".*versionary listening/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.stderr.on('data', (d) => (out += d));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    return { out, url, code };
  }

  it('prints the generated identity once, with a curl line that works, and exits 0 on SIGTERM', async () => {
    const first = await runServe();
    expect(first.code).toBe(0);
    expect(first.out).toContain('created its first identity');
    expect(first.out).toMatch(/master key\s+generated in .*master\.key/);
    const curl = /curl -si -X POST (\S+) -H 'Content-Type: application\/json' -d '(.+)'/.exec(first.out)!;
    expect(curl).not.toBeNull();

    const second = await runServe();
    expect(second.out).not.toContain('created its first identity');
    expect(second.out).not.toMatch(/password [A-Za-z0-9]{20}/);

    // The printed request works against the restarted server.
    const body = curl[2]!;
    const res = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', backend.dataDir], {
        env: { ...process.env, VERSIONARY_MASTER_KEY: '' },
      });
      let out = '';
      child.stdout.on('data', async (d) => {
        out += d;
        const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m && !out.includes('#sent')) {
          out += '#sent';
          try {
            const r = await fetch(`${m[1]}/v3/auth/tokens`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            resolve(r.status);
          } catch (e) {
            reject(e);
          } finally {
            child.kill('SIGTERM');
          }
        }
      });
    });
    expect(res).toBe(201);
  });
});

describe.each(BACKENDS)('versionary admin export, import and reset on %s', (kind) => {
  let backend: Backend;
  let db: string[];
  beforeAll(async () => {
    backend = await freshBackend(kind);
    db = ['--data-dir', backend.dataDir, '--database', backend.database];
  });
  afterAll(async () => backend.drop());

  it('round-trips a snapshot through files', async () => {
    const { startServer, adminToken } = await import('./helpers/server.js');
    const s = await startServer(kind, { backend, env: { VERSIONARY_MASTER_KEY: MASTER_KEY } });
    const token = await adminToken(s);
    const res = await s.app.inject({
      method: 'POST',
      url: `/v2/${s.opened.bootstrap!.project.id}/edge-apps`,
      headers: { 'x-auth-token': token },
      payload: { edge_app_id: 'cli-app' },
    });
    expect(res.statusCode).toBe(201);
    await s.app.close();
    await s.opened.store.close();

    const file = `${backend.dataDir}/snap.json`;
    expect(cli(['admin', 'export', '--out', file, ...db]).code).toBe(0);
    const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(snap.edge_apps.map((a: { edge_app_id: string }) => a.edge_app_id)).toEqual(['cli-app']);
    const refused = cli(['admin', 'reset', ...db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--yes');
    expect(JSON.parse(cli(['admin', 'reset', '--yes', '--json', ...db]).stdout)).toEqual({
      edge_apps: 1,
      rfs_providers: 0,
    });
    const imported = cli(['admin', 'import', file, '--json', ...db]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({
      edge_apps: 1,
      edge_app_versions: 0,
      rfs_providers: 0,
      rfs_provider_versions: 0,
    });
    const conflict = cli(['admin', 'import', file, ...db]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('already exists');
    const again = cli(['admin', 'export', ...db]);
    expect({ ...JSON.parse(again.stdout), exported_at: 0 }).toEqual({ ...snap, exported_at: 0 });
  });
});
