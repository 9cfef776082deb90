import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';
import { versionWith } from '../helpers/iotedge.js';
import { openStore } from '../../src/store/db.js';
import { sql } from 'kysely';

/**
 * A success status means the write is durable: many clients create versions, the server is
 * killed (SIGKILL, or SIGTERM for a graceful stop) in mid-stream, and after a restart every
 * acknowledged version is there and the store opens cleanly.
 */
describe.each(BACKENDS)('crash safety on %s', (kind) => {
  let backend: Backend;
  let args: string[];
  beforeAll(async () => {
    backend = await freshBackend(kind);
    args = ['--database', backend.database, '--data-dir', backend.dataDir];
  });
  afterAll(async () => backend.drop());

  async function tokenFor(r: Replica) {
    const res = await fetch(`${r.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody()),
    });
    return res.headers.get('x-subject-token')!;
  }

  /** Creates versions from `clients` loops until stopped; returns the versions that got 201. */
  function createLoad(r: Replica, token: string, prefix: string, clients: number) {
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    const loops = Array.from({ length: clients }, async () => {
      while (!stop) {
        const version = `${prefix}.${n++}`;
        try {
          const res = await fetch(`${r.url}/v2/${PROJECT_ID}/edge-apps/crash-app/versions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-auth-token': token },
            body: JSON.stringify(versionWith('version', version)),
          });
          await res.arrayBuffer();
          if (res.status === 201) acknowledged.push(version);
          else if (res.status === 503)
            return; // the server is closing
          else throw new Error(`unexpected ${res.status}`);
        } catch (err) {
          if ((err as Error).message.startsWith('unexpected')) throw err;
          return; // the server went away
        }
      }
    });
    return { acknowledged, stop: () => ((stop = true), Promise.all(loops)), done: Promise.all(loops) };
  }

  async function stored(): Promise<Set<string>> {
    const store = openStore({ database: backend.database });
    const rows = await store.db
      .selectFrom('edge_app_versions')
      .select('version')
      .where('edge_app_id', '=', 'crash-app')
      .execute();
    if (kind === 'sqlite') {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
      expect(check.rows[0]!.integrity_check).toBe('ok');
    }
    await store.close();
    return new Set(rows.map((r) => r.version));
  }

  it('keeps every acknowledged create through repeated kill -9', { timeout: 120_000 }, async () => {
    let server = await startReplica(args);
    const token = await tokenFor(server);
    expect(
      (
        await fetch(`${server.url}/v2/${PROJECT_ID}/edge-apps`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-auth-token': token },
          body: '{"edge_app_id":"crash-app"}',
        })
      ).status,
    ).toBe(201);
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const load = createLoad(server, token, `9.${round}`, 16);
      await new Promise((r) => setTimeout(r, 400 + round * 150));
      server.child.kill('SIGKILL');
      await load.done;
      if (server.child.exitCode === null && server.child.signalCode === null)
        await new Promise((r) => server.child.once('exit', r));
      acknowledged.push(...load.acknowledged);
      expect(load.acknowledged.length).toBeGreaterThan(0);
      const present = await stored();
      for (const v of acknowledged) expect(present.has(v), `acknowledged ${v} is missing`).toBe(true);
      server = await startReplica(args);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    }
    await server.stop();
  });

  it(
    'finishes in-flight requests, loses no acknowledged write and exits 0 on SIGTERM',
    { timeout: 60_000 },
    async () => {
      const server = await startReplica(args);
      const token = await tokenFor(server);
      const load = createLoad(server, token, '8.0', 16);
      await new Promise((r) => setTimeout(r, 500));
      const exit = server.stop('SIGTERM');
      await load.done;
      expect(await exit).toBe(0);
      // The log is buffered; everything logged before the exit is written, the last lines included.
      const lines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; status?: number });
      expect(lines.filter((l) => l.msg === 'request' && l.status === 201).length).toBeGreaterThanOrEqual(
        load.acknowledged.length,
      );
      expect(lines.some((l) => l.msg === 'shutting down')).toBe(true);
      const present = await stored();
      expect(load.acknowledged.length).toBeGreaterThan(0);
      for (const v of load.acknowledged) expect(present.has(v), `acknowledged ${v} is missing`).toBe(true);
    },
  );
});
