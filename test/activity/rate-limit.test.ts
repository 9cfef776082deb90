import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'postgres'] as const)('rate-limited requests and the trail on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind, { flags: { rateLimit: '5', rateWindowMs: '600000' } });
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('a request refused by the rate limiter costs no trail row (else the limiter does not bound the writes)', async () => {
    const long = (c: string) => c.repeat(1024);
    const url = `/v2/${long('p')}/edge-apps/${long('a')}/versions/${long('v')}/state`;
    const answers = [];
    for (let i = 0; i < 200; i++)
      answers.push(await s.app.inject({ method: 'PUT', url, headers: { 'x-auth-token': token }, payload: {} }));
    expect(answers.filter((r) => r.statusCode === 429).length).toBe(195);
    await sleep(500);
    const rows = await s.opened.store.db.selectFrom('activity').select(['status', 'resource']).execute();
    const throttled = rows.filter((r) => r.status === 429);
    const bytes = throttled.reduce((n, r) => n + r.resource.length, 0);
    console.log(
      `${kind}: ${rows.length} rows, ${throttled.length} of them 429, ${bytes} bytes of resource in 429 rows`,
    );
    expect(throttled.length).toBe(0);
  });
});
