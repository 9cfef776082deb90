import { Rendering } from '../platform/rendering.js';
import type { EdgeAppVersionTable } from '../store/types.js';
import { BriefVersion, FullVersion, type CreateVersionBody } from './schemas.js';

/**
 * A version is stored with two renderings (platform/rendering.ts): `doc`, the show body, and
 * `brief`, the list item, both without edge_app_id and name, which are the app's (its
 * edge_app_name, or its id when it has none) and are put in front when a response is assembled.
 */

/** Every version field that has no column of its own. */
export type Spec = Omit<CreateVersionBody, 'version' | 'deploy_type' | 'arch'>;

export const SPEC_KEYS = [
  'description',
  'sdk_version',
  'deploy_multi_instance',
  'container_settings',
  'liveness_probe',
  'readiness_probe',
  'command',
  'args',
  'outputs',
  'inputs',
  'services',
  'supplier',
  'tpl_id',
] as const;

/** A version row before its renderings are made. */
export type VersionColumns = Omit<EdgeAppVersionTable, 'doc' | 'brief'>;

const HEAD = ['edge_app_id', 'name'];
const full = new Rendering(FullVersion, HEAD);
const brief = new Rendering(BriefVersion, HEAD);

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
  return { ...row, doc: full.render(view), brief: brief.render(view) };
}

/**
 * The response text of one version: its stored rendering with edge_app_id and name (the app's edge_app_name, else its
 * id) put in front.
 */
export function versionJson(appId: string, name: string, rendering: string): string {
  return full.splice(full.headJson(appId, name), rendering);
}

/** The response text of a page of versions (VersionPage), from their stored list renderings. */
export function versionPageJson(
  count: number,
  offset: number,
  limit: number,
  appId: string,
  name: string,
  briefs: string[],
): string {
  return `{"count":${count},"page_info":{"offset":${offset},"limit":${limit}},"versions":${brief.spliceAll(brief.headJson(appId, name), briefs)}}`;
}
