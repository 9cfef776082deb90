import type { TestServer } from './server.js';
import { PROJECT_ID } from './server.js';
import valid from '../fixtures/seed-iotedge-version-valid.json' with { type: 'json' };

export const VALID_VERSION = valid;

/** A deep copy of the valid seed version with one change at a dotted path (undefined deletes). */
export function versionWith(path: string, value: unknown, base: object = VALID_VERSION): Record<string, any> {
  const copy = structuredClone(base) as Record<string, any>;
  const keys = path.split('.');
  let at: any = copy;
  for (const k of keys.slice(0, -1)) at = at[k];
  const last = keys.at(-1)!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** Thin HTTP calls of the IoTEdge API with a token. */
export function iotedge(s: TestServer, token: string, projectId = PROJECT_ID) {
  const headers = { 'x-auth-token': token };
  const base = `/v2/${projectId}/edge-apps`;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    s.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    base,
    createApp: (body: unknown) => call('POST', base, body),
    listApps: (query = '') => call('GET', `${base}${query}`),
    showApp: (id: string) => call('GET', `${base}/${id}`),
    deleteApp: (id: string) => call('DELETE', `${base}/${id}`),
    createVersion: (app: string, body: unknown) => call('POST', `${base}/${app}/versions`, body),
    listVersions: (app: string, query = '') => call('GET', `${base}/${app}/versions${query}`),
    showVersion: (app: string, v: string) => call('GET', `${base}/${app}/versions/${v}`),
    updateVersion: (app: string, v: string, body: unknown) => call('PUT', `${base}/${app}/versions/${v}`, body),
    deleteVersion: (app: string, v: string) => call('DELETE', `${base}/${app}/versions/${v}`),
    setState: (app: string, v: string, state: unknown) => call('PUT', `${base}/${app}/versions/${v}/state`, { state }),
    raw: call,
  };
}

/** Everything IoTEdge stores, for "nothing changed" checks. */
export async function iotedgeSnapshot(s: TestServer) {
  const db = s.opened.store.db;
  const apps = await db.selectFrom('edge_apps').selectAll().orderBy('project_id').orderBy('edge_app_id').execute();
  const versions = await db
    .selectFrom('edge_app_versions')
    .selectAll()
    .orderBy('project_id')
    .orderBy('edge_app_id')
    .orderBy('version')
    .execute();
  return { apps, versions };
}
