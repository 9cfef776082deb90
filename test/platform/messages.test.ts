import { describe, expect, it } from 'vitest';
import { adminToken, startServer } from '../helpers/server.js';
import { rfs } from '../helpers/rfs.js';

/** Refusals say what is wrong in the API's terms and what to send. */
describe('messages say what to send', () => {
  it('names the shape of a URN that is too short, not only its length', async () => {
    const s = await startServer('sqlite');
    try {
      const api = rfs(s, await adminToken(s));
      expect((await api.createProvider({ provider_name: 'msg-provider' })).statusCode).toBe(201);
      const res = await api.createVersion('msg-provider', { provider_version: '1.0.0', function_graph_urn: 'hello' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error_msg).toContain(
        'function_graph_urn must NOT have fewer than 32 characters: it must be a FunctionGraph URN urn:fss:{region}:{project_id}:function:default:{name}',
      );
    } finally {
      await s.close();
    }
  });
});

describe('an empty project in the path', () => {
  it('is named as missing, with what to put there', async () => {
    const s = await startServer('sqlite');
    try {
      const res = await s.app.inject({
        method: 'GET',
        url: '/v2//edge-apps',
        headers: { 'x-auth-token': await adminToken(s) },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error_msg).toContain('The request names no project: put your project id (token.project.id');
    } finally {
      await s.close();
    }
  });
});
