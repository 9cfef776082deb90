import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';
import { VALID_VERSION } from '../helpers/iotedge.js';
import { request, Wire } from '../helpers/wire.js';
import { openStore } from '../../src/store/db.js';
import { versionRow } from '../../src/iotedge/repo.js';
import { newVersion } from '../../src/iotedge/service.js';
import type { CreateVersionBody } from '../../src/iotedge/schemas.js';

/** The most memory the server may use (VmHWM) while it is attacked below. */
const RSS_BOUND_MB = 512;
/** Versions stored before the size bounds, each with an arch list of this many items (~1 MB of JSON). */
const LEGACY_ARCH = 110_000;
const LEGACY_VERSIONS = 40;

function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/**
 * No request can exhaust the server's memory, not even with data stored before the size bounds
 * (the attack of issue #14, scaled down): versions whose arch lists hold 110,000 items are written
 * straight into the store, as the server wrote them then, and listed by many clients at once, some
 * of them reading slowly or not at all. The server stays up, answers every request with a 2xx, a
 * 4xx or a 503, and stays within RSS_BOUND_MB.
 */
describe('memory under large responses', () => {
  let backend: Backend;
  let server: Replica;
  let token: string;
  const app = 'legacy-app';
  const versions = `/v2/${PROJECT_ID}/edge-apps/${app}/versions`;

  beforeAll(async () => {
    backend = await freshBackend('sqlite');
    // A modest heap: the server must not need more than it.
    server = await startReplica(['--database', backend.database, '--data-dir', backend.dataDir], {
      NODE_OPTIONS: '--max-old-space-size=256',
    });
    const auth = await fetch(`${server.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody()),
    });
    token = auth.headers.get('x-subject-token')!;
    const created = await fetch(`${server.url}/v2/${PROJECT_ID}/edge-apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ edge_app_id: app }),
    });
    expect(created.status).toBe(201);

    // The legacy rows (their arch is beyond the size bounds the API now keeps), stored as the repository stores them.
    const store = openStore({ database: backend.database, sqliteSync: 'normal' });
    const arch = Array.from({ length: LEGACY_ARCH }, (_, i) => ['x86_64', 'arm32', 'arm64'][i % 3]!);
    const t0 = Date.parse('2024-01-01T00:00:00.000Z');
    for (let i = 0; i < LEGACY_VERSIONS; i++) {
      const body = { ...VALID_VERSION, version: `0.0.${i}`, arch } as CreateVersionBody;
      await store.db
        .insertInto('edge_app_versions')
        .values(versionRow(newVersion(PROJECT_ID, app, body, new Date(t0 + i * 1000).toISOString())))
        .execute();
    }
    await store.db
      .updateTable('edge_apps')
      .set({ version_count: LEGACY_VERSIONS, deploy_type: 'docker' })
      .where('edge_app_id', '=', app)
      .execute();
    const { rows } = await sql<{ bytes: number }>`select sum(length(brief)) as bytes from edge_app_versions`.execute(
      store.db,
    );
    expect(rows[0]!.bytes).toBeGreaterThan(LEGACY_VERSIONS * 900_000);
    await store.close();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await backend?.drop();
  });

  async function list(query: string): Promise<number> {
    try {
      const res = await fetch(`${server.url}${versions}${query}`, { headers: { 'x-auth-token': token } });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return -1; // the connection failed: the server went away
    }
  }

  it(`stays up, answers 2xx/4xx/503 and within ${RSS_BOUND_MB} MB`, { timeout: 90_000 }, async () => {
    const pid = server.child.pid!;
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);

    // A page of all of them is larger than one response may be: refused before it is assembled.
    const whole = await fetch(`${server.url}${versions}?limit=1000`, { headers: { 'x-auth-token': token } });
    expect(whole.status).toBe(400);
    expect((await whole.json()).error_msg).toMatch(
      /^The request parameter is invalid\. limit: the 40 items of this page hold 3\d\.\d MiB, more than one response may carry \(32\.0 MiB\); ask for at most \d+ at a time\.$/,
    );

    // Clients that ask for large pages and do not read them hold the response budget.
    const stalled: Wire[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await Wire.connect(Number(new URL(server.url).port));
      w.socket.pause();
      await w.write(request('GET', `${versions}?limit=25`, { 'x-auth-token': token }));
      stalled.push(w);
    }

    for (const [clients, query] of [
      [10, '?limit=1000'],
      [10, '?limit=600'],
      [20, '?limit=25'],
      [60, '?limit=100'],
      [60, '?limit=10'],
    ] as const) {
      (await Promise.all(Array.from({ length: clients }, () => list(query)))).forEach(count);
      expect(server.child.exitCode, server.output()).toBeNull();
    }
    for (const w of stalled) w.destroy();
    (await Promise.all(Array.from({ length: 20 }, () => list('?limit=10')))).forEach(count);

    const { hwmMb } = memoryOf(pid);
    const seen = Object.fromEntries(statuses);
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(
      Object.keys(seen)
        .map(Number)
        .every((s) => (s >= 200 && s < 500) || s === 503),
      JSON.stringify(seen),
    ).toBe(true);
    expect(seen[200], JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen[400], JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen[503], JSON.stringify(seen)).toBeGreaterThan(0);
    expect(hwmMb, `peak RSS ${hwmMb.toFixed(0)} MB; answers ${JSON.stringify(seen)}`).toBeLessThan(RSS_BOUND_MB);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    console.log(`peak RSS ${hwmMb.toFixed(0)} MB; answers ${JSON.stringify(seen)}`);
  });
});
