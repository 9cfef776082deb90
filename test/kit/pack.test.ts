import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * The package as users get it: `npm pack` of the built tree, installed from the tarball into an
 * empty folder. Install scripts are skipped, and better-sqlite3's native addon is taken from this
 * checkout when it is the same version (else rebuilt there), so the test needs no compiler and no
 * download of prebuilt binaries.
 */
describe('the packed package', () => {
  let dir: string;
  let app: string;
  let files: string[];
  const run = (cmd: string, args: string[], cwd = app) =>
    execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, npm_config_fund: 'false' },
    });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-pack-'));
    app = path.join(dir, 'app');
    fs.mkdirSync(app);
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
    files = packed[0].files.map((f: { path: string }) => f.path);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    run('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--ignore-scripts',
      path.join(dir, packed[0].filename),
    ]);
    const version = (p: string) =>
      JSON.parse(fs.readFileSync(path.join(p, 'better-sqlite3/package.json'), 'utf8')).version;
    const ours = path.join(ROOT, 'node_modules');
    const theirs = path.join(app, 'node_modules');
    if (version(ours) === version(theirs)) {
      const build = path.join(theirs, 'better-sqlite3/build/Release');
      fs.mkdirSync(build, { recursive: true });
      fs.copyFileSync(
        path.join(ours, 'better-sqlite3/build/Release/better_sqlite3.node'),
        path.join(build, 'better_sqlite3.node'),
      );
    } else run('npm', ['rebuild', 'better-sqlite3']);
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds the command, the bundles, their types and the public files, and no sources', () => {
    for (const f of [
      'dist/cli.js',
      'dist/versionary.cjs',
      'dist/index.cjs',
      'dist/index.mjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'public/explorer.html',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([]);
  });

  it('npx versionary serve starts and answers', async () => {
    const child = spawn('npx', ['--no-install', 'versionary', 'serve', '--store', 'memory', '--port', '0'], {
      cwd: app,
      env: { ...process.env, VERSIONARY_ADMIN_PASSWORD: 'packed-password-1' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /"url":"(http:\/\/[^"]+)"[^\n]*versionary listening/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const login = await fetch(`${url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', password: 'packed-password-1', domain: { name: 'default' } } },
            },
            scope: { project: { name: 'cn-north-7' } },
          },
        }),
      });
      expect(login.status).toBe(201);
      expect((await fetch(`${url}/explorer`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
  });

  const SCRIPT = `
const vx = await startVersionary({ idSeed: 1 });
const token = await vx.token();
const res = await fetch(vx.url + '/v2/' + vx.projectId + '/edge-apps', {
  method: 'POST',
  headers: { 'x-auth-token': token, 'content-type': 'application/json' },
  body: JSON.stringify({ edge_app_id: 'packed-app', edge_app_name: 'packed', function_type: 'PROTOCOL_PARSING' }),
});
await vx.faults.add({ operation: 'ShowEdgeApp', status: 503, times: 1 });
const shown = await fetch(vx.url + '/v2/' + vx.projectId + '/edge-apps/packed-app', { headers: { 'x-auth-token': token } });
const apps = (await vx.export()).edge_apps.length;
await vx.stop();
console.log(JSON.stringify({ created: res.status, shown: shown.status, apps }));
`;

  it.each([
    ['esm.mjs', `import { startVersionary } from 'versionary';\n${SCRIPT}`],
    ['cjs.cjs', `const { startVersionary } = require('versionary');\n(async () => {${SCRIPT}})();`],
  ])('%s imports startVersionary and runs a server', (file, source) => {
    fs.writeFileSync(path.join(app, file), source);
    expect(JSON.parse(run(process.execPath, [file]))).toEqual({ created: 201, shown: 503, apps: 1 });
  });

  it('has types for import and require that TypeScript checks', () => {
    const check = (files: Record<string, string>) => {
      for (const [f, source] of Object.entries(files)) fs.writeFileSync(path.join(app, f), source);
      const args = [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
      ];
      try {
        run(process.execPath, [TSC, ...args, ...Object.keys(files)]);
        return '';
      } catch (err) {
        return String((err as { stdout?: string }).stdout);
      }
    };
    fs.symlinkSync(path.join(ROOT, 'node_modules/@types'), path.join(app, 'node_modules/@types'), 'dir');
    const good = `
const vx: Versionary = await startVersionary({ store: 'memory', seed: './seed.json', settings: { 'rate-limit': 0 } });
const rule: FaultRule = await vx.faults.add({ operation: 'CreateEdgeApp', status: 503, times: 2 });
const url: string = vx.url;
await vx.reset();
await vx.stop();
export { rule, url };
`;
    expect(
      check({ 'typed.mts': `import { startVersionary, type Versionary, type FaultRule } from 'versionary';\n${good}` }),
    ).toBe('');
    expect(
      check({
        'typed.cts': `import kit = require('versionary');\nexport async function main(): Promise<string> {\n  const vx: kit.Versionary = await kit.startVersionary();\n  return vx.projectId;\n}\n`,
      }),
    ).toBe('');
    const wrong = check({
      'wrong.mts': `import { startVersionary } from 'versionary';\nconst vx = await startVersionary({ port: 'x' });\nawait vx.faults.add({ status: 503 });\n`,
    });
    expect(wrong).toContain("Type 'string' is not assignable to type 'number'");
    expect(wrong).toContain("Property 'operation' is missing");
  });
});
