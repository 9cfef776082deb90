import type { Kysely } from 'kysely';
import { SemVer } from 'semver';
import { AppError } from '../platform/errors.js';
import type { Database } from '../store/types.js';

export interface Overview {
  edge_apps: number | null;
  versions: { DRAFT: number; PUBLISHED: number; OFF_SHELF: number } | null;
  providers: number;
  provider_versions: number;
}

export interface ProviderVersionItem {
  provider_id: string;
  provider_name: string;
  provider_version: string;
  version_description?: string;
  function_graph_urn: string;
  create_time: string;
}

/** Newest first by semantic version; a version the semver package cannot read sorts after, by text. */
function bySemverDesc(a: string, b: string): number {
  const va = parse(a);
  const vb = parse(b);
  if (va && vb) return vb.compare(va) || (a < b ? -1 : a > b ? 1 : 0);
  if (va || vb) return va ? -1 : 1;
  return a < b ? 1 : a > b ? -1 : 0;
}
const parsed = new Map<string, SemVer | null>();
function parse(v: string): SemVer | null {
  let p = parsed.get(v);
  if (p === undefined) {
    try {
      p = new SemVer(v);
    } catch {
      p = null;
    }
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(v, p);
  }
  return p;
}

const count = (n: unknown) => Number(n ?? 0);

/** Read models of the console that the public APIs do not answer: counts, and versions in semver order. */
export class ConsoleReads {
  constructor(private readonly db: Kysely<Database>) {}

  /** Counts of the project's edge apps and versions (none without a project), and of the domain's providers. */
  async overview(domainId: string, projectId: string | null): Promise<Overview> {
    const [apps, states, providers, versions] = await Promise.all([
      projectId === null
        ? undefined
        : this.db
            .selectFrom('edge_apps')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('project_id', '=', projectId)
            .executeTakeFirst(),
      projectId === null
        ? undefined
        : this.db
            .selectFrom('edge_app_versions')
            .select(['state', (eb) => eb.fn.countAll().as('n')])
            .where('project_id', '=', projectId)
            .groupBy('state')
            .execute(),
      this.db
        .selectFrom('rfs_providers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('domain_id', '=', domainId)
        .executeTakeFirst(),
      this.db
        .selectFrom('rfs_provider_versions as v')
        .innerJoin('rfs_providers as p', 'p.provider_id', 'v.provider_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('p.domain_id', '=', domainId)
        .executeTakeFirst(),
    ]);
    const byState = { DRAFT: 0, PUBLISHED: 0, OFF_SHELF: 0 };
    for (const s of states ?? []) byState[s.state as keyof typeof byState] = count(s.n);
    return {
      edge_apps: apps === undefined ? null : count(apps.n),
      versions: states === undefined ? null : byState,
      providers: count(providers?.n),
      provider_versions: count(versions?.n),
    };
  }

  /** The accelerator type (GPU, NPU, unEquipped) of some versions of an app of the project. */
  async accelerators(projectId: string, appId: string, versions: string[]): Promise<Record<string, string>> {
    if (versions.length === 0) return {};
    const rows = await this.db
      .selectFrom('edge_app_versions')
      .select(['version', 'ai_card_type'])
      .where('project_id', '=', projectId)
      .where('edge_app_id', '=', appId)
      .where('version', 'in', versions)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.version, r.ai_card_type]));
  }

  /**
   * One page of a provider's versions, newest semantic version first. Only the version texts of the
   * provider are read to order them; the rows of the page are read after.
   */
  async providerVersions(
    domainId: string,
    name: string,
    offset: number,
    limit: number,
  ): Promise<{ count: number; versions: ProviderVersionItem[] }> {
    const provider = await this.db
      .selectFrom('rfs_providers')
      .select(['provider_id', 'provider_name'])
      .where('domain_id', '=', domainId)
      .where('provider_name', '=', name)
      .executeTakeFirst();
    if (!provider) throw new AppError('not_found', `The private provider ${name} does not exist.`);
    const names = (
      await this.db
        .selectFrom('rfs_provider_versions')
        .select('provider_version')
        .where('provider_id', '=', provider.provider_id)
        .execute()
    ).map((r) => r.provider_version);
    names.sort(bySemverDesc);
    const page = names.slice(offset, offset + limit);
    const rows =
      page.length === 0
        ? []
        : await this.db
            .selectFrom('rfs_provider_versions')
            .select(['provider_version', 'version_description', 'function_graph_urn', 'create_time'])
            .where('provider_id', '=', provider.provider_id)
            .where('provider_version', 'in', page)
            .execute();
    const byName = new Map(rows.map((r) => [r.provider_version, r]));
    const versions: ProviderVersionItem[] = [];
    for (const v of page) {
      const r = byName.get(v);
      if (!r) continue; // deleted between the two reads
      versions.push({
        ...provider,
        provider_version: r.provider_version,
        ...(r.version_description === null ? {} : { version_description: r.version_description }),
        function_graph_urn: r.function_graph_urn,
        create_time: r.create_time,
      });
    }
    return { count: names.length, versions };
  }
}
