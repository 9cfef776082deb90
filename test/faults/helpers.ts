import type { TestServer } from '../helpers/server.js';
import { passwordBody } from '../helpers/server.js';

/** Calls of the fault rules' admin API with a token. */
export function faultApi(s: TestServer, token: string) {
  const headers = { 'x-auth-token': token };
  return {
    add: (rule: unknown, query = '') =>
      s.app.inject({ method: 'POST', url: `/_versionary/faults${query}`, headers, payload: rule as object }),
    list: (query = '') => s.app.inject({ method: 'GET', url: `/_versionary/faults${query}`, headers }),
    delete: (id: string) => s.app.inject({ method: 'DELETE', url: `/_versionary/faults/${id}`, headers }),
    clear: () => s.app.inject({ method: 'DELETE', url: '/_versionary/faults', headers }),
  };
}

/** A second domain `acme` with a project and an administrator; its token. */
export async function otherDomain(s: TestServer, opts: { admin?: boolean } = {}): Promise<{ token: string }> {
  const iam = s.opened.iam;
  if (!(await iam.listDomains()).some((d) => d.name === 'acme')) {
    await iam.createDomain({ name: 'acme' });
    await iam.createProject({ name: 'cn-north-7', domain: 'acme', id: 'acme0project0000000000000000000a' });
  }
  const name = opts.admin === false ? 'worker' : 'boss';
  if (!(await iam.listUsers()).some((u) => u.name === name))
    await iam.createUser({ name, password: 'acme-password-1', admin: opts.admin !== false, domain: 'acme' });
  const res = await s.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: passwordBody({ user: name, password: 'acme-password-1', domain: 'acme' }),
  });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return { token: res.headers['x-subject-token'] as string };
}

export const APP = { edge_app_id: 'opcua-driver', edge_app_name: 'OPCUA', function_type: 'PROTOCOL_PARSING' };
