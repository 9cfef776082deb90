import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedge } from '../helpers/iotedge.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DOMAIN_X = '1111222233334444aaaabbbbccccdddd';
const PROJECT_X = '5555666677778888eeeeffff00001111';

describe.each(['sqlite', 'postgres'] as const)('the trail of a deleted domain on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => s.close());
  const tokenOf = async (body: object) => {
    const res = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.headers['x-subject-token'] as string;
  };

  it('is not shown to the next domain created with the same id', async () => {
    const iam = s.opened.iam;
    await iam.createDomain({ name: 'acme', id: DOMAIN_X });
    await iam.createProject({ name: 'acme-east', id: PROJECT_X, domain: 'acme' });
    await iam.createUser({ name: 'acme-admin', password: 'acme-password-1', admin: true, domain: 'acme' });
    const acme = await tokenOf(
      passwordBody({ user: 'acme-admin', password: 'acme-password-1', domain: 'acme', project: 'acme-east' }),
    );
    expect((await iotedge(s, acme, PROJECT_X).createApp({ edge_app_id: 'acme-secret-plan' })).statusCode).toBe(201);
    await iotedge(s, acme, PROJECT_X).deleteApp('acme-secret-plan');
    await sleep(100);

    // The operator removes the tenant; later a different tenant gets a domain with that id.
    await iam.deleteDomain('acme', true);
    await iam.createDomain({ name: 'globex', id: DOMAIN_X });
    await iam.createProject({ name: 'globex-west', domain: 'globex' });
    await iam.createUser({ name: 'globex-admin', password: 'globex-password-1', admin: true, domain: 'globex' });
    const globex = await tokenOf(
      passwordBody({ user: 'globex-admin', password: 'globex-password-1', domain: 'globex', project: 'globex-west' }),
    );
    const res = await s.app.inject({
      method: 'GET',
      url: '/_versionary/activity',
      headers: { 'x-auth-token': globex },
    });
    expect(res.statusCode).toBe(200);
    const seen = res
      .json()
      .activity.map((r: { user_name: string; resource: string }) => `${r.user_name} ${r.resource}`);
    console.log(kind, seen);
    expect(seen).toEqual([]);
  });
});
