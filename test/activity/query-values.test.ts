import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, startServer, type TestServer } from '../helpers/server.js';

describe.each(['sqlite', 'postgres'] as const)('activity filter values on %s', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('answers a NUL in a filter the same on both stores, naming the field when refused', async () => {
    for (const field of ['user', 'operation', 'resource']) {
      const res = await s.app.inject({
        method: 'GET',
        url: `/_versionary/activity?${field}=%00`,
        headers: { 'x-auth-token': token },
      });
      console.log(kind, field, res.statusCode, res.body);
      if (res.statusCode === 400) expect(res.json().error_msg).toContain(field);
      else expect(res.statusCode).toBe(200);
    }
  });
});
