import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, DOMAIN_ID, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';
import { faultApi } from './helpers.js';

describe.each(BACKENDS)('fault rules under contention (%s)', (kind) => {
  let s: TestServer;
  let other: TestServer;
  let token: string;
  beforeAll(async () => {
    // One clock that never moves: every rule is added within the same millisecond.
    s = await startServer(kind, { clock: { now: () => Date.parse('2030-01-01T00:00:00.000Z') } });
    other = await startServer(kind, { backend: s.backend, flags: { authCacheMs: '60000' } });
    token = await adminToken(s);
  }, 60_000);
  afterAll(async () => {
    await other?.app.close();
    await other?.opened.store.close();
    await s?.close();
  });

  it('keeps the order rules were added in when they share a millisecond: the oldest answers first', async () => {
    const api = faultApi(s, token);
    const added: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await api.add({ operation: '*', status: 500 + i, times: 1 });
      expect(res.json().created_at).toBe('2030-01-01T00:00:00.000Z');
      added.push(res.json().id);
    }
    const listed = (await api.list()).json().faults;
    expect(listed.map((r: { id: string }) => r.id)).toEqual(added);
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        'id',
        'operation',
        'project_id',
        'status',
        'error_code',
        'error_msg',
        'probability',
        'times',
        'remaining',
        'hits',
        'delay_ms',
        'created_at',
      ].sort(),
    );
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await iotedge(s, token).listApps()).statusCode);
    expect(statuses).toEqual(Array.from({ length: 20 }, (_, i) => 500 + i));
    expect((await iotedge(s, token).listApps()).statusCode).toBe(200);
    await api.clear();
  });

  it('holds at most 100 rules when 150 adds race on two servers of one store', async () => {
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        faultApi(i % 2 ? s : other, token).add({ operation: 'ShowEdgeApp', status: 500 + (i % 100) }),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(100);
    expect(codes.filter((c) => c === 400)).toHaveLength(50);
    for (const a of answers.filter((x) => x.statusCode === 400))
      expect(a.json()).toEqual({
        error_code: 'IAM.0001',
        error_msg: expect.stringContaining('a domain holds at most 100 fault rules'),
      });
    const rows = (
      await sql<{ n: number | string; places: number | string }>`
        select count(*) as n, count(distinct seq) as places from fault_rules`.execute(s.opened.store.db)
    ).rows[0]!;
    expect([Number(rows.n), Number(rows.places)]).toEqual([100, 100]);
    expect((await faultApi(s, token).clear()).json()).toEqual({ deleted: 100 });
  }, 60_000);

  it('a rule added while the rules are being read applies to the next request (rules remembered)', async () => {
    // A read that takes its time to come back, as on a busy database.
    const repo = (other.app.faults as unknown as { repo: { list: (d: string) => Promise<unknown[]> } }).repo;
    const list = repo.list.bind(repo);
    let read: () => void = () => undefined;
    repo.list = async (domain) => {
      const rows = await list(domain);
      read();
      await new Promise((r) => setTimeout(r, 40));
      return rows;
    };
    const reading = () => new Promise<void>((resolve) => (read = resolve));
    const api = faultApi(other, token);
    const apps = iotedge(other, token);
    try {
      for (let round = 0; round < 5; round++) {
        await api.clear(); // nothing remembered: the next request reads the rules
        const hasRead = reading();
        const before = apps.listApps(); // reads no rule, and comes back after the add
        await hasRead;
        // As the test kit and the command add a rule: straight to the service, not through a request.
        const added = await other.app.faults.add(
          DOMAIN_ID,
          { operation: 'BatchListEdgeApps', status: 503, times: 1 },
          () => Promise.resolve(true),
        );
        expect((await before).statusCode).toBe(200);
        const next = await apps.listApps();
        expect([round, next.statusCode, next.headers['x-versionary-fault']]).toEqual([round, 503, added.id]);
      }
    } finally {
      repo.list = list;
    }
  }, 60_000);
});
