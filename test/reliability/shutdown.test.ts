import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';
import { versionWith } from '../helpers/iotedge.js';
import { request, Wire } from '../helpers/wire.js';
import { openStore } from '../../src/store/db.js';

/**
 * SIGTERM under load, watched on the wire: clients keep their connections alive and send request
 * after request. Every request that reached the server gets an answer (in flight: its own; after
 * the stop: 503), the last answer on each connection says Connection: close before the server
 * closes it, no connection is reset, and only new connections are refused.
 */
describe('graceful stop under load', () => {
  let backend: Backend;
  let args: string[];
  beforeAll(async () => {
    backend = await freshBackend('sqlite');
    args = ['--database', backend.database, '--data-dir', backend.dataDir];
  });
  afterAll(async () => backend?.drop());

  interface Outcome {
    statuses: Map<number, number>;
    acknowledged: string[];
    /** Requests written on an open connection that got no answer, and why. */
    lost: string[];
    refused: number;
    /** Connections the server closed after an answer that did not say Connection: close. */
    closedUnannounced: number;
    announcedClose: number;
  }

  /**
   * `clients` loops, each on keep-alive connections: create a version, then show it, until the
   * server refuses new connections. `established` resolves once every client has had an answer on
   * its first connection (the server has accepted them all: a connection still waiting in the
   * listen queue when the server stops is refused by the kernel, with a reset).
   */
  function load(r: Replica, token: string, prefix: string, clients: number, outcome: Outcome) {
    const port = Number(new URL(r.url).port);
    const base = `/v2/${PROJECT_ID}/edge-apps/stop-app/versions`;
    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    let n = 0;
    let pending = clients;
    let established!: () => void;
    const allEstablished = new Promise<void>((resolve) => (established = resolve));
    const exchange = async (w: Wire, bytes: Buffer, what: string) => {
      await w.write(bytes);
      const res = await w.read(20_000);
      if (!res) {
        outcome.lost.push(
          `${what}: ${w.error ? (w.error as NodeJS.ErrnoException).code : w.closed ? 'closed without an answer' : 'no answer'}`,
        );
        return undefined;
      }
      outcome.statuses.set(res.status, (outcome.statuses.get(res.status) ?? 0) + 1);
      return res;
    };
    const done = Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let first = true; ; first = false) {
          let w: Wire;
          try {
            w = await Wire.connect(port);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') outcome.refused++;
            else outcome.lost.push(`connect: ${(err as NodeJS.ErrnoException).code}`);
            return;
          }
          if (first) {
            const hello = await exchange(w, request('GET', '/healthz'), `client ${client} hello`);
            if (!hello) return;
            if (--pending === 0) established();
          }
          for (;;) {
            const version = `${prefix}.${n++}`;
            const created = await exchange(
              w,
              request('POST', base, headers, JSON.stringify(versionWith('version', version))),
              `create ${version}`,
            );
            if (!created) return;
            if (created.status === 201) outcome.acknowledged.push(version);
            else expect(created.status).toBe(503);
            if (created.headers.connection !== 'close') {
              const shown = await exchange(
                w,
                request('GET', `${base}/${version}`, { 'x-auth-token': token }),
                `show ${version}`,
              );
              if (!shown) return;
              if (shown.headers.connection !== 'close') {
                if (w.closed) outcome.closedUnannounced++;
                continue;
              }
            }
            outcome.announcedClose++;
            if (!(await w.waitClosed(5000)))
              outcome.lost.push('the server did not close a connection it said it would close');
            break;
          }
        }
      }),
    );
    return { done, established: allEstablished };
  }

  it(
    'answers every request that reached it, announces every close, and loses no acknowledged write',
    { timeout: 90_000 },
    async () => {
      let first = true;
      for (let round = 0; round < 3; round++) {
        const server = await startReplica(args);
        const auth = await fetch(`${server.url}/v3/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(passwordBody()),
        });
        const token = auth.headers.get('x-subject-token')!;
        if (first) {
          const app = await fetch(`${server.url}/v2/${PROJECT_ID}/edge-apps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-auth-token': token },
            body: '{"edge_app_id":"stop-app"}',
          });
          expect(app.status).toBe(201);
          first = false;
        }
        const outcome: Outcome = {
          statuses: new Map(),
          acknowledged: [],
          lost: [],
          refused: 0,
          closedUnannounced: 0,
          announcedClose: 0,
        };
        const running = load(server, token, `7.${round}`, 32, outcome);
        await running.established;
        await new Promise((r) => setTimeout(r, 300 + round * 200));
        const exit = server.stop('SIGTERM');
        await running.done;
        expect(await exit).toBe(0);

        const summary = JSON.stringify({
          ...outcome,
          statuses: Object.fromEntries(outcome.statuses),
          acknowledged: outcome.acknowledged.length,
        });
        expect(outcome.lost, summary).toEqual([]);
        expect(outcome.closedUnannounced, summary).toBe(0);
        expect(outcome.acknowledged.length, summary).toBeGreaterThan(0);
        expect(outcome.announcedClose, summary).toBe(32);
        expect(outcome.refused, summary).toBe(32);
        expect(
          [...outcome.statuses.keys()].every((s) => s === 200 || s === 201 || s === 503),
          summary,
        ).toBe(true);
        expect(outcome.statuses.get(503) ?? 0, summary).toBeGreaterThan(0);

        const store = openStore({ database: backend.database });
        const stored = new Set(
          (
            await store.db
              .selectFrom('edge_app_versions')
              .select('version')
              .where('edge_app_id', '=', 'stop-app')
              .execute()
          ).map((r) => r.version),
        );
        await store.close();
        for (const v of outcome.acknowledged) expect(stored.has(v), `acknowledged ${v} is missing`).toBe(true);
      }
    },
  );
});
