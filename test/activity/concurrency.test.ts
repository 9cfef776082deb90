import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';
import { iotedge, versionWith } from '../helpers/iotedge.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'postgres'] as const)('activity under concurrency on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  const rowsByRequest = async () => {
    await sleep(300);
    const rows = await s.opened.store.db.selectFrom('activity').selectAll().execute();
    const by = new Map<string, typeof rows>();
    for (const r of rows) by.set(r.request_id, [...(by.get(r.request_id) ?? []), r]);
    return by;
  };

  it('records each of 50 simultaneous creates (different and same version) and racing deletes exactly once', async () => {
    const api = iotedge(s, token);
    expect((await api.createApp({ edge_app_id: 'conc' })).statusCode).toBe(201);
    const diff = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.createVersion('conc', versionWith('version', `1.0.${i}`))),
    );
    const same = await Promise.all(
      Array.from({ length: 50 }, () => api.createVersion('conc', versionWith('version', '9.9.9'))),
    );
    const dels = await Promise.all(Array.from({ length: 20 }, () => api.deleteVersion('conc', '1.0.0')));
    const by = await rowsByRequest();
    for (const res of [...diff, ...same, ...dels]) {
      const rows = by.get(res.headers['x-request-id'] as string) ?? [];
      expect(
        rows.map((r) => r.status),
        `${res.statusCode} ${res.body.slice(0, 80)}`,
      ).toEqual([res.statusCode]);
    }
    expect(same.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(dels.filter((r) => r.statusCode === 204)).toHaveLength(1);
  });
});
