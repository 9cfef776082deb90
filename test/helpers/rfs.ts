import crypto from 'node:crypto';
import type { TestServer } from './server.js';

export const URN = 'urn:fss:cn-north-7:a61dfe3154de42829367056598d5040f:function:default:test:latest';

/** Thin HTTP calls of the RFS API with a token and a fresh Client-Request-Id each. */
export function rfs(s: TestServer, token: string, extraHeaders: Record<string, string> = {}) {
  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    s.app.inject({
      method,
      url,
      headers: { 'x-auth-token': token, 'client-request-id': crypto.randomUUID(), ...extraHeaders, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const base = '/v1/private-providers';
  const q = (query?: string) => (query ? `?${query}` : '');
  return {
    createProvider: (body: unknown) => call('POST', base, body),
    listProviders: (query?: string) => call('GET', `${base}${q(query)}`),
    showProvider: (name: string, query?: string) => call('GET', `${base}/${name}/metadata${q(query)}`),
    updateProvider: (name: string, body: unknown) => call('PATCH', `${base}/${name}/metadata`, body),
    deleteProvider: (name: string, query?: string) => call('DELETE', `${base}/${name}${q(query)}`),
    createVersion: (name: string, body: unknown) => call('POST', `${base}/${name}/versions`, body),
    listVersions: (name: string, query?: string) => call('GET', `${base}/${name}/versions${q(query)}`),
    showVersion: (name: string, version: string, query?: string) =>
      call('GET', `${base}/${name}/versions/${version}/metadata${q(query)}`),
    deleteVersion: (name: string, version: string, query?: string) =>
      call('DELETE', `${base}/${name}/versions/${version}${q(query)}`),
    raw: call,
  };
}

export async function rfsSnapshot(s: TestServer) {
  const db = s.opened.store.db;
  return {
    providers: await db.selectFrom('rfs_providers').selectAll().orderBy('domain_id').orderBy('provider_name').execute(),
    versions: await db
      .selectFrom('rfs_provider_versions')
      .selectAll()
      .orderBy('provider_id')
      .orderBy('provider_version')
      .execute(),
  };
}
