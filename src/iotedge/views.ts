import fastJsonStringify from 'fast-json-stringify';
import type { TObject } from 'typebox';
import type { EdgeAppTable, EdgeAppVersionTable } from '../store/types.js';
import { BriefVersion, FullVersion, type CreateVersionBody } from './schemas.js';

/**
 * A version is stored with its two JSON renderings (the show body and the list item), made by the
 * response schemas' serializers when the version is written. Reads splice them into the response
 * instead of parsing and serializing: a show or a list costs one query and some string joins.
 *
 * The renderings leave out the first two fields, edge_app_id and name: the name is the app's
 * (edge_app_name, or the id when it has none), so it is added when the response is assembled.
 */

/** Every version field that has no column of its own. */
export type Spec = Omit<CreateVersionBody, 'version' | 'deploy_type' | 'arch'>;

export const SPEC_KEYS = [
  'description', 'sdk_version', 'deploy_multi_instance', 'container_settings', 'liveness_probe', 'readiness_probe',
  'command', 'args', 'outputs', 'inputs', 'services', 'supplier', 'tpl_id',
] as const;

/** A version row before its renderings are made. */
export type VersionColumns = Omit<EdgeAppVersionTable, 'doc' | 'brief'>;

const HEAD = ['edge_app_id', 'name'];

/** The schema of a response object without its two leading fields. */
function tailSchema(schema: TObject): object {
  const keys = Object.keys(schema.properties);
  if (keys[0] !== HEAD[0] || keys[1] !== HEAD[1]) throw new Error('a version response must start with edge_app_id and name');
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => !HEAD.includes(k)));
  return { type: 'object', properties, required: (schema.required ?? []).filter((k: string) => !HEAD.includes(k)) };
}

let serializers: { doc: (v: unknown) => string; brief: (v: unknown) => string } | undefined;
const serialize = () => (serializers ??= { doc: fastJsonStringify(tailSchema(FullVersion)), brief: fastJsonStringify(tailSchema(BriefVersion)) });

export function specOf(body: Partial<Spec>): Spec {
  const spec: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) if (body[key] !== undefined) spec[key] = body[key];
  return spec as Spec;
}

/** The spec kept in a stored show rendering. */
export function specOfDoc(doc: string): Spec {
  return specOf(JSON.parse(doc));
}

/** The full row: the columns plus both renderings of the version they describe with spec. */
export function withDocs(row: VersionColumns, spec: Spec): EdgeAppVersionTable {
  const view = {
    ...spec,
    version: row.version,
    deploy_type: row.deploy_type,
    deploy_multi_instance: row.deploy_multi_instance === 1,
    create_time: row.create_time,
    update_time: row.update_time,
    state: row.state,
    arch: JSON.parse(row.arch),
    publish_time: row.publish_time ?? undefined,
    off_shelf_time: row.off_shelf_time ?? undefined,
  };
  const s = serialize();
  return { ...row, doc: s.doc(view), brief: s.brief(view) };
}

/** The name every version of an app shows. */
export const appName = (app: Pick<EdgeAppTable, 'edge_app_id' | 'edge_app_name'>): string => app.edge_app_name ?? app.edge_app_id;

/** The response text of one version: its stored rendering with edge_app_id and name put in front. */
export function versionJson(appId: string, name: string, rendering: string): string {
  return `{"edge_app_id":${JSON.stringify(appId)},"name":${JSON.stringify(name)},${rendering.slice(1)}`;
}

/** The response text of a page of versions (VersionPage), from their stored list renderings. */
export function versionPageJson(count: number, offset: number, limit: number, appId: string, name: string, briefs: string[]): string {
  const head = `{"edge_app_id":${JSON.stringify(appId)},"name":${JSON.stringify(name)},`;
  let items = '';
  for (let i = 0; i < briefs.length; i++) items += (i === 0 ? head : ',' + head) + briefs[i]!.slice(1);
  return `{"count":${count},"page_info":{"offset":${offset},"limit":${limit}},"versions":[${items}]}`;
}
