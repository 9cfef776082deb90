import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, passwordBody, PROJECT_ID, startServer, type TestServer } from '../helpers/server.js';
import { faultApi, otherDomain } from './helpers.js';

describe.each(BACKENDS)('fault rules admin API (%s)', (kind) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer(kind);
    token = await adminToken(s);
  });
  afterAll(async () => s.close());

  const stored = async () =>
    (await sql<{ id: string; domain_id: string }>`select id, domain_id from fault_rules`.execute(s.opened.store.db))
      .rows;

  it('adds a rule with its defaults, lists it with its hit count, deletes it', async () => {
    const api = faultApi(s, token);
    const added = await api.add({ operation: 'CreateEdgeApp', status: 503, times: 2 });
    expect(added.statusCode).toBe(201);
    expect(added.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const rule = added.json();
    expect(rule).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      operation: 'CreateEdgeApp',
      project_id: null,
      status: 503,
      error_code: null,
      error_msg: null,
      probability: 1,
      times: 2,
      remaining: 2,
      hits: 0,
      delay_ms: 0,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await api.list()).json()).toEqual({ faults: [rule] });
    expect(await stored()).toEqual([{ id: rule.id, domain_id: s.opened.bootstrap!.domain.id }]);
    expect((await api.delete(rule.id)).statusCode).toBe(204);
    expect((await api.delete(rule.id)).json()).toEqual({
      error_code: 'IAM.0003',
      error_msg: `The resource could not be found. fault rule ${rule.id} does not exist in your domain`,
    });
    expect(await stored()).toEqual([]);
  });

  it('records every change of the rules, and every refusal, in the activity trail', async () => {
    const api = faultApi(s, token);
    const settle = () => new Promise((r) => setTimeout(r, 200)); // failure rows are stored after their answer
    await settle();
    const before = await s.opened.store.db.selectFrom('activity').select('id').execute();
    const rule = (await api.add({ operation: 'CreateEdgeApp', status: 503 })).json();
    await api.add({ operation: 'CreateEdgeApp' });
    await api.delete(rule.id);
    await api.clear();
    await settle();
    const rows = await s.opened.store.db
      .selectFrom('activity')
      .select(['operation', 'method', 'resource', 'status', 'error_code'])
      .where('id', 'not in', before.length ? before.map((r) => r.id) : [0])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { operation: 'CreateFault', method: 'POST', resource: '/_versionary/faults', status: 201, error_code: null },
      {
        operation: 'CreateFault',
        method: 'POST',
        resource: '/_versionary/faults',
        status: 400,
        error_code: 'IAM.0001',
      },
      {
        operation: 'DeleteFault',
        method: 'DELETE',
        resource: `/_versionary/faults/${rule.id}`,
        status: 204,
        error_code: null,
      },
      { operation: 'DeleteFaults', method: 'DELETE', resource: '/_versionary/faults', status: 200, error_code: null },
    ]);
  });

  it('deletes every rule of the domain at once', async () => {
    const api = faultApi(s, token);
    await api.add({ operation: '*', status: 500 });
    await api.add({ operation: 'ShowEdgeApp', delay_ms: 10, project_id: PROJECT_ID });
    const res = await api.clear();
    expect([res.statusCode, res.json()]).toEqual([200, { deleted: 2 }]);
    expect((await api.list()).json()).toEqual({ faults: [] });
  });

  it.each([
    [{}, 'operation is required'],
    [{ operation: 'CreateEdgeApp', status: 503, colour: 'red' }, 'colour is not a known parameter'],
    [{ operation: 'NoSuchOperation', status: 503 }, 'operation NoSuchOperation is not an IoTEdge, RFS or IAM'],
    [{ operation: 'ExportSnapshot', status: 503 }, 'operation ExportSnapshot is not an IoTEdge, RFS or IAM'],
    [{ operation: 'CreateFault', status: 503 }, 'operation CreateFault is not'],
    [{ operation: 'drop table', status: 503 }, 'operation must'],
    [{ operation: 'CreateEdgeApp', status: 200 }, 'status must be >= 400'],
    [{ operation: 'CreateEdgeApp', status: 600 }, 'status must be <= 599'],
    [{ operation: 'CreateEdgeApp', status: '503' }, 'status must be integer'],
    [{ operation: 'CreateEdgeApp', status: 503, probability: 1.5 }, 'probability must be <= 1'],
    [{ operation: 'CreateEdgeApp', status: 503, probability: -0.1 }, 'probability must be >= 0'],
    [{ operation: 'CreateEdgeApp', status: 503, times: 0 }, 'times must be >= 1'],
    [{ operation: 'CreateEdgeApp', status: 503, times: 1.5 }, 'times must be integer'],
    [{ operation: 'CreateEdgeApp', delay_ms: 60_001 }, 'delay_ms must be <= 60000'],
    [{ operation: 'CreateEdgeApp', delay_ms: -1 }, 'delay_ms must be >= 0'],
    [{ operation: 'CreateEdgeApp' }, 'a rule needs a status, a delay_ms, or both'],
    [{ operation: 'CreateEdgeApp', delay_ms: 0 }, 'a rule needs a status, a delay_ms, or both'],
    [{ operation: 'CreateEdgeApp', error_code: 'X.1', delay_ms: 5 }, 'error_code and error_msg need a status'],
    [{ operation: 'CreateEdgeApp', status: 503, error_code: 'bad code' }, 'error_code must'],
    [{ operation: 'CreateEdgeApp', status: 503, error_msg: 'x'.repeat(1025) }, 'error_msg must'],
    [{ operation: 'CreateEdgeApp', status: 503, error_msg: 'line\nbreak' }, 'error_msg must'],
    [{ operation: 'CreateEdgeApp', status: 503, project_id: 'a b' }, 'project_id must'],
    [[{ operation: 'CreateEdgeApp', status: 503 }], 'must be object'],
  ])('refuses %j with 400 IAM.0001 naming the field', async (rule, message) => {
    const res = await faultApi(s, token).add(rule);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json().error_code).toBe('IAM.0001');
    expect(res.json().error_msg).toContain(message);
    expect(await stored()).toEqual([]);
  });

  it('refuses a body that is not JSON, and unknown query parameters', async () => {
    const bad = await s.app.inject({
      method: 'POST',
      url: '/_versionary/faults',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: '{"operation":',
    });
    expect([bad.statusCode, bad.json().error_code]).toEqual([400, 'IAM.0001']);
    for (const res of [
      await faultApi(s, token).list('?domain_id=x'),
      await faultApi(s, token).add({ operation: '*', status: 503 }, '?project_id=x'),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error_code: 'IAM.0001',
        error_msg: expect.stringMatching(/is not a known parameter/),
      });
    }
    expect(await stored()).toEqual([]);
  });

  it("refuses a project outside the administrator's domain as a missing one", async () => {
    await otherDomain(s);
    const res = await faultApi(s, token).add({
      operation: 'CreateEdgeApp',
      status: 503,
      project_id: 'acme0project0000000000000000000a',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toBe('IAM.0003');
    expect(await stored()).toEqual([]);
  });

  it('holds at most 100 rules per domain', async () => {
    const api = faultApi(s, token);
    for (let i = 0; i < 100; i++) expect((await api.add({ operation: '*', status: 500 })).statusCode).toBe(201);
    const res = await api.add({ operation: '*', status: 500 });
    expect([res.statusCode, res.json().error_msg]).toEqual([400, expect.stringContaining('at most 100 fault rules')]);
    expect((await api.clear()).json()).toEqual({ deleted: 100 });
  });

  it('is for administrators only', async () => {
    await s.opened.iam.createUser({ name: 'worker', password: 'worker-password-1' });
    const login = await s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordBody({ user: 'worker', password: 'worker-password-1' }),
    });
    const worker = faultApi(s, login.headers['x-subject-token'] as string);
    for (const res of [await worker.add({ operation: '*', status: 503 }), await worker.list(), await worker.clear()]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error_code).toBe('APIGW.0302');
    }
    const anonymous = await s.app.inject({ method: 'GET', url: '/_versionary/faults' });
    expect([anonymous.statusCode, anonymous.json().error_code]).toEqual([401, 'APIGW.0301']);
    expect(await stored()).toEqual([]);
  });

  it("never shows, deletes or clears another domain's rules", async () => {
    const mine = (await faultApi(s, token).add({ operation: 'CreateEdgeApp', status: 503 })).json();
    const theirs = faultApi(s, (await otherDomain(s)).token);
    expect((await theirs.list()).json()).toEqual({ faults: [] });
    expect((await theirs.delete(mine.id)).statusCode).toBe(404);
    expect((await theirs.clear()).json()).toEqual({ deleted: 0 });
    expect((await faultApi(s, token).list()).json().faults.map((r: { id: string }) => r.id)).toEqual([mine.id]);
    await faultApi(s, token).clear();
  });
});
