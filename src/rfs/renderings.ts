import { JsonText } from '../platform/json-text.js';
import { Rendering } from '../platform/rendering.js';
import type { RfsProviderTable, RfsProviderVersionTable } from '../store/types.js';
import { source, VersionSummary, type VersionMetadata, type VersionPage } from './schemas.js';

/**
 * The rendering of a provider version (`doc`): a cache of its version summary without provider_id
 * and provider_name, which are the provider's and are put in front when a response is assembled
 * (platform/rendering.ts). It is made from the version's columns by renderVersion alone, written by
 * the repository with the version, and rewritten for every row when RENDERINGS (src/renderings.ts)
 * changes. Nothing is ever read back out of it.
 */

declare const rendered: unique symbol;
/** The stored rendering of a version summary: only this module makes one or looks inside. */
export type RenderedVersion = string & { readonly [rendered]: VersionSummary };

/** A provider version as it is known: its columns. */
export type ProviderVersion = Omit<RfsProviderVersionTable, 'doc'>;

const summary = new Rendering(VersionSummary, ['provider_id', 'provider_name']);

/** The rendering of a version, from its columns. */
export function renderVersion(v: ProviderVersion): RenderedVersion {
  return summary.render({
    provider_version: v.provider_version,
    version_description: v.version_description ?? undefined,
    function_graph_urn: v.function_graph_urn,
    create_time: v.create_time,
  }) as RenderedVersion;
}

type Provider = Pick<RfsProviderTable, 'provider_id' | 'provider_name'>;

/** VersionMetadata: the summary and the provider source. */
export function versionMetadata(p: Provider, doc: RenderedVersion): JsonText<VersionMetadata> {
  const body = summary.splice(summary.headJson(p.provider_id, p.provider_name), doc);
  return new JsonText(`${body.slice(0, -1)},"provider_source":${JSON.stringify(source(p.provider_name))}}`);
}

/** VersionPage: the summaries of a page, then its page_info. */
export function versionPage(
  p: Provider,
  docs: readonly RenderedVersion[],
  pageInfo: VersionPage['page_info'],
): JsonText<VersionPage> {
  const versions = summary.spliceAll(summary.headJson(p.provider_id, p.provider_name), docs);
  return new JsonText(`{"versions":${versions},"page_info":${JSON.stringify(pageInfo)}}`);
}
