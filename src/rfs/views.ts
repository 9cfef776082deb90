import { Rendering } from '../platform/rendering.js';
import type { RfsProviderTable, RfsProviderVersionTable } from '../store/types.js';
import type { Boundary } from './paging.js';
import { VersionSummary } from './schemas.js';

/**
 * A provider version is stored with its rendering (`doc`, platform/rendering.ts): the version
 * summary without provider_id and provider_name, which are the provider's and are put in front
 * when a response is assembled.
 */
const summary = new Rendering(VersionSummary, ['provider_id', 'provider_name']);

export const source = (name: string) => `huawei.com/private-provider/${name}`;

/** The row of a version with its rendering. */
export function withDoc(v: Omit<RfsProviderVersionTable, 'doc'>): RfsProviderVersionTable {
  const doc = summary.render({
    provider_version: v.provider_version,
    version_description: v.version_description ?? undefined,
    function_graph_urn: v.function_graph_urn,
    create_time: v.create_time,
  });
  return { ...v, doc };
}

/** The sort values of a stored rendering (the boundary a list marker names). */
export function boundaryOfDoc(doc: string): Boundary {
  const v = JSON.parse(doc) as { create_time: string; provider_version: string };
  return { time: v.create_time, id: v.provider_version };
}

type Provider = Pick<RfsProviderTable, 'provider_id' | 'provider_name'>;

/** VersionMetadata: the summary and the provider source. */
export function versionMetadataJson(p: Provider, doc: string): string {
  const body = summary.splice(summary.headJson(p.provider_id, p.provider_name), doc);
  return `${body.slice(0, -1)},"provider_source":${JSON.stringify(source(p.provider_name))}}`;
}

/** VersionPage: the summaries of a page, then its page_info. */
export function versionPageJson(
  p: Provider,
  docs: readonly string[],
  pageInfo: { next_marker: string | null; previous_marker: string | null; current_count: number },
): string {
  return `{"versions":${summary.spliceAll(summary.headJson(p.provider_id, p.provider_name), docs)},"page_info":${JSON.stringify(pageInfo)}}`;
}
