import { describe, expect, it } from 'vitest';
import { startVersionary } from '../../src/index.js';
import type { Versionary } from '../../src/kit/types.js';

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const APP = { edge_app_id: 'opcua-driver', edge_app_name: 'OPCUA-driver', function_type: 'PROTOCOL_PARSING' };

/** The same calls on a fresh server: every answer's status, request id, token header and body (times masked). */
async function recording(vx: Versionary): Promise<string[]> {
  const out: string[] = [];
  const token = await vx.token();
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${vx.url}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        'client-request-id': '00000000-0000-4000-8000-000000000001',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = (await res.text()).replace(TIME, '<time>').replaceAll(vx.url, '<url>');
    out.push(
      `${method} ${path} ${res.status} ${res.headers.get('x-request-id')} ${res.headers.get('x-subject-token')} ${text}`,
    );
  };
  out.push(token);
  await send('POST', '/v3/auth/tokens', {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', password: vx.adminPassword, domain: { name: 'default' } } },
      },
      scope: { project: { name: 'cn-north-7' } },
    },
  });
  await send('POST', `/v2/${vx.projectId}/edge-apps`, APP);
  await send('GET', `/v2/${vx.projectId}/edge-apps`);
  for (const name of ['first-provider', 'second-provider'])
    await send('POST', '/v1/private-providers', { provider_name: name });
  await send('GET', '/v1/private-providers?limit=10');
  await send('GET', '/v3/auth/projects');
  const rule = await vx.faults.add({ operation: 'ShowEdgeApp', status: 503, probability: 0.5 });
  out.push(rule.id);
  for (let i = 0; i < 8; i++) await send('GET', `/v2/${vx.projectId}/edge-apps/${APP.edge_app_id}`);
  await send('GET', '/no/such/route');
  return out;
}

describe('--id-seed', () => {
  it('makes two servers started alike and called alike answer alike', async () => {
    const runs: string[][] = [];
    for (const idSeed of [42, 42, 43, undefined]) {
      const vx = await startVersionary({ idSeed });
      try {
        runs.push(await recording(vx));
      } finally {
        await vx.stop();
      }
    }
    const [a, b, c, random] = runs as [string[], string[], string[], string[]];
    expect(a).toEqual(b);
    expect(a.join('\n')).toMatch(/"provider_id":"[0-9a-f-]{36}"/);
    expect(a.join('\n')).toContain(' 503 ');
    expect(a.join('\n')).toMatch(/ 200 [0-9a-f]{32} /);
    for (const other of [c, random]) {
      expect(other).toHaveLength(a.length);
      a.forEach((line, i) => {
        if (/ [0-9a-f]{32} /.test(line)) expect(other[i]).not.toBe(line);
      });
    }
  });
});
