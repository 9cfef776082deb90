import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../helpers/backends.js';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, versionWith, VALID_VERSION } from '../helpers/iotedge.js';

/** A small filesystem of the test's own for the data directory (needs root, as in CI). */
function smallDisk(): { dir: string; unmount(): void } | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versionary-full-'));
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { encoding: 'utf8' });
  if (res.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(res.stderr || res.error?.message || '').trim()}): run as root to test a full disk`;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the filesystem holding dir to the last byte; returns the filler file. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) fs.writeSync(fd, block, 0, 512);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  fs.closeSync(fd);
  return filler;
}

const disk = smallDisk();

describe.skipIf(typeof disk === 'string')('a full disk under SQLite', () => {
  let s: TestServer;
  let token: string;

  beforeAll(async () => {
    const { dir, unmount } = disk as Exclude<typeof disk, string>;
    const backend: Backend = {
      name: 'sqlite',
      database: `sqlite:${path.join(dir, 'versionary.db')}`,
      dataDir: dir,
      drop: async () => unmount(),
    };
    s = await startServer('sqlite', { backend, flags: { sqliteSync: 'full' } });
    token = await adminToken(s);
  });
  afterAll(async () => s?.close());

  it('answers writes 503 with Retry-After, says not ready, loses nothing and recovers by itself', async () => {
    const iot = iotedge(s, token);
    expect((await iot.createApp({ edge_app_id: 'full-app' })).statusCode).toBe(201);
    const filler = fill((disk as { dir: string }).dir);

    const acknowledged: string[] = [];
    let refused = 0;
    for (let i = 0; i < 400 && refused < 5; i++) {
      const res = await iot.createVersion('full-app', versionWith('version', `1.${i}.0`, VALID_VERSION));
      expect([201, 503], res.body).toContain(res.statusCode);
      if (res.statusCode === 201) acknowledged.push(`1.${i}.0`);
      else {
        refused++;
        expect(res.headers['retry-after']).toBeDefined();
        expect(res.json()).toMatchObject({ error_code: 'IoTEdge.00000001' });
      }
    }
    expect(refused).toBeGreaterThan(0);
    for (const version of acknowledged.slice(0, 3)) {
      const res = await iot.deleteVersion('full-app', version);
      expect([204, 503], res.body).toContain(res.statusCode);
      if (res.statusCode === 204) acknowledged.splice(acknowledged.indexOf(version), 1);
    }
    // An import spools its records to the temporary directory first: no space there is a 503 too.
    const exported = await s.app.inject({
      method: 'GET',
      url: '/_versionary/export',
      headers: { 'x-auth-token': token },
    });
    expect(exported.statusCode).toBe(200);
    const snapshot = exported.body;
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = (disk as { dir: string }).dir;
    try {
      const noRoom = await s.app.inject({
        method: 'GET',
        url: '/_versionary/export',
        headers: { 'x-auth-token': token },
      });
      expect(noRoom.statusCode, noRoom.body).toBe(503);
      const imported = await s.app.inject({
        method: 'POST',
        url: '/_versionary/import?mode=replace',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        payload: snapshot,
      });
      expect(imported.statusCode, imported.body).toBe(503);
      expect(imported.headers['retry-after']).toBeDefined();
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    const ready = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBeDefined();
    expect((await iot.showApp('full-app')).statusCode).toBe(200);

    fs.rmSync(filler);
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const after = await iot.createVersion('full-app', versionWith('version', '9.9.9', VALID_VERSION));
    expect(after.statusCode, after.body).toBe(201);
    const listed = (await iot.listVersions('full-app', '?limit=1000')).json();
    expect(listed.versions.map((v: { version: string }) => v.version).sort()).toEqual(
      [...acknowledged, '9.9.9'].sort(),
    );
    expect(listed.count).toBe(acknowledged.length + 1);
  }, 120_000);
});

it.runIf(typeof disk === 'string')('skips the full-disk test where no tmpfs can be mounted', () => {
  console.warn(disk);
});
