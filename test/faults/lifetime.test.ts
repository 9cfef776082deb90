import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { DOMAIN_ID, adminToken, startServer, type TestServer } from '../helpers/server.js';

/** Fault rules are settings: a reset and an export leave them out; a deleted project takes its rules along. */
describe.each(BACKENDS)('the lifetime of fault rules on %s', (kind) => {
  let s: TestServer;
  let token: string;
  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    s.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  it('survive a reset, stay out of an export, and go with their project', async () => {
    await s.opened.iam.createProject({ name: 'cn-south-1' });
    const other = (await s.opened.iam.listProjects(DOMAIN_ID, 'cn-south-1'))[0]!;
    expect(
      (await call('POST', '/_versionary/faults', { operation: '*', status: 503, probability: 0 })).statusCode,
    ).toBe(201);
    const scoped = await call('POST', '/_versionary/faults', {
      operation: '*',
      status: 503,
      probability: 0,
      project_id: other.id,
    });
    expect(scoped.statusCode, scoped.body).toBe(201);
    expect((await call('POST', '/_versionary/reset')).statusCode).toBe(200);
    expect((await call('GET', '/_versionary/faults')).json().faults).toHaveLength(2);
    const exported = await call('GET', '/_versionary/export');
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain('fault');
    await s.opened.iam.deleteProject('cn-south-1', undefined, true);
    const left = (await call('GET', '/_versionary/faults')).json().faults;
    expect(left.map((r: { project_id?: string | null }) => r.project_id ?? null)).toEqual([null]);
  });
});
