import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica } from './helpers/processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
/** The cache of a run without V8 flags. */
let plain: string;

/** A copy of the built command in its own folder, so that its code cache starts empty. */
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-launcher-'));
  for (const f of ['cli.js', 'versionary.cjs']) fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, f));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
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

describe('the built command', () => {
  it('serves the API and loads the explorer script on demand (a dynamic import inside the bundle)', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-launcher-data-'));
    const replica = await startReplica(['--data-dir', data]);
    try {
      const health = await fetch(`${replica.url}/healthz`);
      expect(health.status).toBe(200);
      const script = await fetch(`${replica.url}/explorer/reference/js/scalar.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await script.text()).length).toBeGreaterThan(100_000);
    } finally {
      expect(await replica.stop()).toBe(0);
      fs.rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
