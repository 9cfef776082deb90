import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { passwordBody, startServer, type TestServer } from '../helpers/server.js';
import { iotedgeSnapshot, iotedge } from '../helpers/iotedge.js';
import { rfs, rfsSnapshot } from '../helpers/rfs.js';

/**
 * A token may outlive its project or domain by the auth cache. What it writes then must not land
 * under the deleted id, where a project or domain created later with the same id would find it.
 */
describe.each(BACKENDS)('writes for a deleted project or domain on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind, { flags: { authCacheMs: '60000' } });
  });
  afterAll(async () => s.close());

  const tokenOf = async (body: object) => {
    const res = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.headers['x-subject-token'] as string;
  };

  it('refuses a new app in a project deleted while its token is still remembered', async () => {
    const project = await s.opened.iam.createProject({ name: 'doomed', id: 'doomed-project' });
    const token = await tokenOf(passwordBody({ project: project.name }));
    expect((await iotedge(s, token, project.id).createApp({ edge_app_id: 'before-delete' })).statusCode).toBe(201);
    await s.opened.iam.deleteProject('doomed', undefined, true);
    const res = await iotedge(s, token, project.id).createApp({ edge_app_id: 'after-delete' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error_code).toBe('APIGW.0302');
    expect((await iotedgeSnapshot(s)).apps.filter((a) => a.project_id === project.id)).toEqual([]);
  });

  it('refuses a new provider in a domain deleted while its token is still remembered', async () => {
    await s.opened.iam.createDomain({ name: 'doomed-domain', id: 'doomed-domain-id' });
    await s.opened.iam.createUser({ name: 'owner', password: 'owner-password-1', domain: 'doomed-domain' });
    const token = await tokenOf(
      passwordBody({
        user: 'owner',
        password: 'owner-password-1',
        domain: 'doomed-domain',
        scopeDomain: 'doomed-domain',
      }),
    );
    expect((await rfs(s, token).createProvider({ provider_name: 'before-delete' })).statusCode).toBe(201);
    await s.opened.iam.deleteDomain('doomed-domain', true);
    const res = await rfs(s, token).createProvider({ provider_name: 'after-delete' });
    expect(res.statusCode).toBe(403);
    expect((await rfsSnapshot(s)).providers.filter((p) => p.domain_id === 'doomed-domain-id')).toEqual([]);
  });
});
