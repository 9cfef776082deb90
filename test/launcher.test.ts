import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
const ENV = { VERSIONARY_MASTER_KEY: 'ab'.repeat(32), VERSIONARY_ADMIN_PASSWORD: 'launcher-password-1' };
/** The cache of a run without V8 flags. */
let plain: string;

/** A copy of the built command in its own folder, so that its code cache starts empty. */
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-launcher-'));
  for (const f of ['cli.js', 'versionary.cjs']) fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, f));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const f of ['node_modules', 'public']) fs.symlinkSync(path.join(ROOT, f), path.join(dir, f));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(flags: string[] = []) {
  const res = spawnSync(process.execPath, [...flags, path.join(dir, 'cli.js'), 'serve', '--help'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const caches = () =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cache'))
    .sort();
const stamp = (f: string) => fs.statSync(path.join(dir, f)).mtimeMs;

describe('the versionary command and its code cache', () => {
  it('writes a cache on the first run and uses it unchanged on the next', () => {
    const first = run();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('--data-dir');
    expect(caches()).toHaveLength(1);
    const [cache] = caches();
    plain = cache!;
    const before = stamp(cache!);
    const second = run();
    expect(second).toEqual(first);
    expect(caches()).toEqual([cache]);
    expect(stamp(cache!)).toBe(before);
  });

  it('keeps one cache per set of V8 flags', () => {
    const res = run(['--stack-size=900']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('--data-dir');
    expect(caches()).toHaveLength(2);
    expect(caches()).toContain(plain);
  });

  it('runs normally from a damaged cache and replaces it', () => {
    const file = path.join(dir, plain);
    const size = fs.statSync(file).size;
    fs.writeFileSync(file, Buffer.alloc(size, 7));
    const res = run();
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('--data-dir');
    expect(res.stderr).toBe('');
    expect(fs.readFileSync(file).equals(Buffer.alloc(size, 7))).toBe(false);
  });

  it('leaves no temporary files behind', () => {
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the program run from its code cache', () => {
  it('serves the API and loads the explorer script, an ES module, on demand', async () => {
    const cache = path.join(dir, plain);
    const before = stamp(plain);
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-launcher-data-'));
    const child = spawn(process.execPath, [path.join(dir, 'cli.js'), 'serve', '--port', '0', '--data-dir', data], {
      env: { ...process.env, ...ENV },
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
      expect((await fetch(`${url}/explorer`)).status).toBe(200);
      const script = await fetch(`${url}/explorer/reference/js/scalar.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await script.text()).length).toBeGreaterThan(100_000);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (child.exitCode === null) child.kill('SIGTERM');
      expect(child.exitCode ?? (await exited), out).toBe(0);
      fs.rmSync(data, { recursive: true, force: true });
    }
    // The cache was used: a refused one would have been written again.
    expect(stamp(plain)).toBe(before);
    expect(fs.existsSync(cache)).toBe(true);
  }, 60_000);
});
