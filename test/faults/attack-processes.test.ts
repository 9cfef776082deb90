import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { runCli, startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';

describe('fault rules on two server processes of one PostgreSQL, under attack', () => {
  let backend: Backend;
  let replicas: Replica[];
  let headers: Record<string, string>;
  beforeAll(async () => {
    backend = await freshBackend('postgres');
    const args = ['--database', backend.database, '--data-dir', backend.dataDir];
    const first = await startReplica([...args, '--auth-cache', '0']);
    replicas = [first, await startReplica([...args, '--auth-cache', '2000'])];
    const login = await fetch(`${first.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody()),
    });
    headers = { 'x-auth-token': login.headers.get('x-subject-token')!, 'content-type': 'application/json' };
  }, 60_000);
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await backend.drop();
  });

  const add = (url: string, rule: object) =>
    fetch(`${url}/_versionary/faults`, { method: 'POST', headers, body: JSON.stringify(rule) });

  it('times: 1 answers exactly one of 200 concurrent reads on both, and the command adds in order', async () => {
    const [a, b] = replicas.map((r) => r.url) as [string, string];
    const rule = await (await add(b, { operation: 'BatchListEdgeApps', status: 503, times: 1 })).json();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${i % 2 ? a : b}/v2/${PROJECT_ID}/edge-apps`, { headers }).then((r) => [
          r.status,
          r.headers.get('x-versionary-fault'),
        ]),
      ),
    );
    expect(answers.filter(([s]) => s === 503)).toEqual([[503, rule.id]]);
    expect(answers.filter(([s]) => s === 200)).toHaveLength(199);
    // Rules added by the command and by both servers at once keep one order, and stop at 100.
    const cli = runCli([
      'admin',
      'faults',
      'add',
      '--database',
      backend.database,
      '--data-dir',
      backend.dataDir,
      '--operation',
      'ShowEdgeApp',
      '--status',
      '500',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const added = await Promise.all(
      Array.from({ length: 120 }, (_, i) => add(i % 2 ? a : b, { operation: 'ShowEdgeApp', status: 500 })),
    );
    expect(added.filter((r) => r.status === 201)).toHaveLength(98);
    expect(added.filter((r) => r.status === 400)).toHaveLength(22);
    const listed = (await (await fetch(`${a}/_versionary/faults`, { headers })).json()).faults;
    expect(listed).toHaveLength(100);
    expect(listed[0]).toMatchObject({ id: rule.id, hits: 1, remaining: 0 });
    expect(listed[1]).toMatchObject({ operation: 'ShowEdgeApp', status: 500 });
    expect((await (await fetch(`${a}/_versionary/faults`, { method: 'DELETE', headers })).json()).deleted).toBe(100);
  }, 60_000);

  it('a server stopped while requests wait on a delay answers them and exits at once', async () => {
    const [, b] = replicas as [Replica, Replica];
    expect((await add(b.url, { operation: 'BatchListEdgeApps', delay_ms: 60_000 })).status).toBe(201);
    const waiting = Array.from({ length: 20 }, () =>
      fetch(`${b.url}/v2/${PROJECT_ID}/edge-apps`, { headers }).then((r) => r.status),
    );
    await new Promise((r) => setTimeout(r, 500));
    const started = performance.now();
    expect(await b.stop('SIGTERM')).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await Promise.all(waiting)).toEqual(Array(20).fill(200));
    expect(b.output()).not.toMatch(/MaxListenersExceededWarning/);
  }, 60_000);
});
