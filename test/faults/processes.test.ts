import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBackend, type Backend } from '../helpers/backends.js';
import { startReplica, type Replica } from '../helpers/processes.js';
import { passwordBody, PROJECT_ID } from '../helpers/server.js';

describe('fault rules on two server processes of one PostgreSQL', () => {
  let backend: Backend;
  let replicas: Replica[];
  beforeAll(async () => {
    backend = await freshBackend('postgres');
    const args = ['--database', backend.database, '--data-dir', backend.dataDir];
    const first = await startReplica([...args, '--auth-cache', '0']);
    replicas = [first, await startReplica([...args, '--auth-cache', '0'])];
  }, 60_000);
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await backend.drop();
  });

  it('times: 2 answers exactly twice over 200 concurrent creates, and stores only the others', async () => {
    const [a, b] = replicas.map((r) => r.url) as [string, string];
    const login = await fetch(`${a}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordBody()),
    });
    const headers = { 'x-auth-token': login.headers.get('x-subject-token')!, 'content-type': 'application/json' };
    const added = await fetch(`${b}/_versionary/faults`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ operation: 'CreateEdgeApp', status: 503, times: 2 }),
    });
    expect(added.status).toBe(201);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await fetch(`${i % 2 ? a : b}/v2/${PROJECT_ID}/edge-apps`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            edge_app_id: `app-${i}`,
            edge_app_name: `app-${i}`,
            function_type: 'DATA_PROCESSING',
          }),
        });
        return { i, status: res.status };
      }),
    );
    const refused = statuses.filter((r) => r.status === 503);
    expect(refused).toHaveLength(2);
    expect(statuses.filter((r) => r.status === 201)).toHaveLength(198);
    const listed = await (await fetch(`${a}/v2/${PROJECT_ID}/edge-apps?limit=1000`, { headers })).json();
    expect(listed.count).toBe(198);
    const ids = new Set(listed.edge_apps.map((app: { edge_app_id: string }) => app.edge_app_id));
    for (const r of refused) expect(ids.has(`app-${r.i}`)).toBe(false);
    const rules = await (await fetch(`${a}/_versionary/faults`, { headers })).json();
    expect(rules.faults).toEqual([expect.objectContaining({ hits: 2, remaining: 0 })]);
  });
});
