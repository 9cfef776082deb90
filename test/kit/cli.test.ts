import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, startReplica } from '../helpers/processes.js';
import { ADMIN_PASSWORD, BOOTSTRAP_ENV, passwordBody, PROJECT_ID } from '../helpers/server.js';

const SEED = {
  format: 'versionary-snapshot',
  version: 1,
  edge_apps: [
    {
      project_id: PROJECT_ID,
      edge_app_id: 'seeded-app',
      edge_app_name: 'seeded',
      function_type: 'PROTOCOL_PARSING',
      app_type: 'USER',
      create_time: '2024-05-01T08:30:00.000Z',
      update_time: '2024-05-01T08:30:00.000Z',
    },
  ],
  edge_app_versions: [],
  rfs_providers: [],
  rfs_provider_versions: [],
};

interface Served {
  url: string;
  out: () => string;
  stop(): Promise<number | null>;
}

/** `versionary serve` in a directory of its own, with only the given environment of Versionary's. */
async function serve(args: string[], env: Record<string, string>, cwd: string): Promise<Served> {
  const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VERSIONARY_')));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd, env: { ...own, ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*versionary listening/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  return {
    url,
    out: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function token(url: string, password = ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(passwordBody({ password })),
  });
  expect(res.status).toBe(201);
  return res.headers.get('x-subject-token')!;
}

describe('versionary serve, for tests', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-kit-cli-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('--store memory writes nothing to disk, not even a master key', async () => {
    const [cwd, dataDir] = [tmp(), tmp()];
    const env = { ...BOOTSTRAP_ENV, VERSIONARY_MASTER_KEY: '' };
    const s = await serve(['--store', 'memory', '--data-dir', dataDir], env, cwd);
    const t = await token(s.url);
    const created = await fetch(`${s.url}/v2/${PROJECT_ID}/edge-apps`, {
      method: 'POST',
      headers: { 'x-auth-token': t, 'content-type': 'application/json' },
      body: JSON.stringify({ edge_app_id: 'memory-app', edge_app_name: 'memory', function_type: 'PROTOCOL_PARSING' }),
    });
    expect(created.status).toBe(201);
    expect(s.out()).toContain('"store":"sqlite::memory:"');
    expect(await s.stop()).toBe(0);
    expect([fs.readdirSync(cwd), fs.readdirSync(dataDir)]).toEqual([[], []]);
  });

  it('--seed imports a snapshot at the first start (also as VERSIONARY_SEED)', async () => {
    const file = path.join(tmp(), 'seed.json');
    fs.writeFileSync(file, JSON.stringify(SEED));
    for (const [args, env] of [
      [['--store', 'memory', '--seed', file], BOOTSTRAP_ENV],
      [['--store', 'memory'], { ...BOOTSTRAP_ENV, VERSIONARY_SEED: file }],
    ] as const) {
      const s = await serve([...args], env, tmp());
      const res = await fetch(`${s.url}/v2/${PROJECT_ID}/edge-apps/seeded-app`, {
        headers: { 'x-auth-token': await token(s.url) },
      });
      expect(res.status).toBe(200);
      await s.stop();
    }
  });

  it('a bad seed, a missing one, or a bad setting stops the start with exit code 2 and one line', () => {
    const bad = path.join(tmp(), 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...SEED, edge_apps: [{ ...SEED.edge_apps[0], function_type: 'NOPE' }] }));
    const cases: [string[], RegExp][] = [
      [['--seed', bad], /^versionary: --seed .*bad\.json: edge_apps\[0\]: function_type must be one of/],
      [['--seed', path.join(tmp(), 'missing.json')], /^versionary: --seed .*missing\.json: ENOENT/],
      [['--database', 'sqlite:x.db'], /--store \/ VERSIONARY_STORE memory keeps the data in memory/],
      [['--id-seed', 'abc'], /--id-seed \/ VERSIONARY_ID_SEED must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const res = spawnSync(process.execPath, [CLI, 'serve', '--store', 'memory', '--port', '0', ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...BOOTSTRAP_ENV },
        timeout: 30_000,
      });
      expect(res.status, res.stderr).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(runCli(['serve', '--store', 'disk']).stderr).toMatch(/must be memory or database/);
  });

  it('--id-seed (or VERSIONARY_ID_SEED) generates the same identity and request ids on every run', async () => {
    const runs: string[] = [];
    for (const [args, env] of [
      [['--id-seed', '7'], {}],
      [[], { VERSIONARY_ID_SEED: '7' }],
      [['--id-seed', '8'], {}],
    ] as const) {
      const s = await serve(['--store', 'memory', ...args], env, tmp());
      const banner = s
        .out()
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n')
        .replaceAll(s.url, '<url>');
      const password = /password (\S+)/.exec(banner)![1]!;
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await fetch(`${s.url}/healthz`)).headers.get('x-request-id'));
      const issued = await fetch(`${s.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(passwordBody({ password })),
      });
      runs.push(`${banner}\n${ids.join(' ')}\n${issued.headers.get('x-subject-token')}`);
      await s.stop();
    }
    expect(runs[0]).toMatch(/access key {3}[A-Z0-9]{20} {2}secret key [A-Za-z0-9]{40}/);
    expect(runs[1]).toBe(runs[0]);
    expect(runs[2]).not.toBe(runs[0]);
  });

  it('versionary admin faults reaches a running server through the store', async () => {
    const dataDir = tmp();
    const server = await startReplica(['--data-dir', dataDir, '--auth-cache', '0']);
    try {
      const env = { VERSIONARY_DATA_DIR: dataDir };
      const added = runCli(
        ['admin', 'faults', 'add', '--operation', 'BatchListEdgeApps', '--status', '503', '--times', '1', '--json'],
        env,
      );
      expect(added.code, added.stderr).toBe(0);
      const rule = JSON.parse(added.stdout);
      const t = await token(server.url);
      const list = () => fetch(`${server.url}/v2/${PROJECT_ID}/edge-apps`, { headers: { 'x-auth-token': t } });
      const refused = await list();
      expect([refused.status, await refused.json()]).toEqual([
        503,
        { error_code: 'IoTEdge.00000001', error_msg: 'The service is temporarily unavailable.' },
      ]);
      expect((await list()).status).toBe(200);
      const listed = runCli(['admin', 'faults', 'list', '--json'], env);
      expect(JSON.parse(listed.stdout)).toEqual([{ ...rule, remaining: 0, hits: 1 }]);
      const wrong = runCli(['admin', 'faults', 'add', '--operation', 'Nope', '--status', '503'], env);
      expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('operation Nope is not an IoTEdge')]);
      expect(runCli(['admin', 'faults', 'delete', rule.id], env).stdout).toBe(`deleted=${rule.id}\n`);
      expect(runCli(['admin', 'faults', 'clear'], env).stdout).toBe('deleted=0\n');
    } finally {
      await server.stop();
    }
  });
});
