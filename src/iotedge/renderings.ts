import { JsonText } from '../platform/json-text.js';
import { Rendering } from '../platform/rendering.js';
import { BriefVersion, FullVersion, type Version, type VersionPage } from './schemas.js';

/**
 * The renderings of a version: a cache of its responses, stored with it so that a show is one query
 * and a string join. `doc` is the show body and `brief` the list item, both without edge_app_id and
 * name, which are the app's (its edge_app_name, or its id when it has none) and are put in front
 * when a response is assembled (platform/rendering.ts).
 *
 * They are made from a version's canonical data (a Version: its columns and spec) by renderVersion
 * alone, written by the repository whenever it writes the version, and rewritten for every row
 * when RENDERINGS (src/renderings.ts) changes. Nothing is ever read back out of them.
 */

declare const rendered: unique symbol;
/** The stored rendering of a T without its head fields: only this module makes one or looks inside. */
export type Rendered<T> = string & { readonly [rendered]: T };

export interface VersionRenderings {
  doc: Rendered<FullVersion>;
  brief: Rendered<BriefVersion>;
}

const HEAD = ['edge_app_id', 'name'];
const full = new Rendering(FullVersion, HEAD);
const brief = new Rendering(BriefVersion, HEAD);

/** The renderings of a version, from its canonical data. */
export function renderVersion(v: Version): VersionRenderings {
  const view = {
    ...v.spec,
    version: v.version,
    deploy_type: v.deploy_type,
    deploy_multi_instance: v.deploy_multi_instance === 1,
    create_time: v.create_time,
    update_time: v.update_time,
    state: v.state,
    arch: JSON.parse(v.arch),
    publish_time: v.publish_time ?? undefined,
    off_shelf_time: v.off_shelf_time ?? undefined,
  };
  return { doc: full.render(view) as Rendered<FullVersion>, brief: brief.render(view) as Rendered<BriefVersion> };
}

/** The show body of a version of the app appId, called name. */
export function shownVersion(appId: string, name: string, doc: Rendered<FullVersion>): JsonText<FullVersion> {
  return new JsonText(full.splice(full.headJson(appId, name), doc));
}

/** The list item of a version (what an update or a state change answers). */
export function briefVersion(appId: string, name: string, item: Rendered<BriefVersion>): JsonText<BriefVersion> {
  return new JsonText(brief.splice(brief.headJson(appId, name), item));
}

/** A page of versions of one app (VersionPage). */
export function versionPage(
  count: number,
  offset: number,
  limit: number,
  appId: string,
  name: string,
  items: readonly Rendered<BriefVersion>[],
): JsonText<VersionPage> {
  const versions = brief.spliceAll(brief.headJson(appId, name), items);
  return new JsonText(`{"count":${count},"page_info":{"offset":${offset},"limit":${limit}},"versions":${versions}}`);
}
