import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../helpers/backends.js';
import { startServer, type TestServer } from '../helpers/server.js';

function smallDisk(): { dir: string; unmount(): void } | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-free-'));
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { encoding: 'utf8' });
  if (res.status !== 0) return `cannot mount tmpfs: ${res.stderr}`;
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const free = (dir: string) => {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
};

const disk = smallDisk();

describe.skipIf(typeof disk === 'string')('readiness with little free space (SQLite)', () => {
  let s: TestServer;
  beforeAll(async () => {
    const { dir, unmount } = disk as Exclude<typeof disk, string>;
    const backend: Backend = {
      name: 'sqlite',
      database: `sqlite:${path.join(dir, 'versionary.db')}`,
      dataDir: dir,
      drop: async () => unmount(),
    };
    s = await startServer('sqlite', { backend, flags: { sqliteSync: 'full' } });
  });
  afterAll(async () => s?.close());

  it('answers /readyz 503 while the disk holding the database has less than 256 KiB free, before any write fails', async () => {
    const { dir } = disk as { dir: string };
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // Leave about 64 KiB free (no write has failed yet).
    const filler = fs.openSync(path.join(dir, 'filler'), 'w');
    const block = Buffer.alloc(4096, 1);
    while (free(dir) > 64 * 1024) fs.writeSync(filler, block);
    fs.closeSync(filler);
    expect(free(dir)).toBeLessThan(256 * 1024);
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode, `free ${free(dir)} bytes: ${res.body}`).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    fs.rmSync(path.join(dir, 'filler'));
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
