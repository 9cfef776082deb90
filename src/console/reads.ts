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

/** A version as it is ordered: its numbers and pre-release identifiers, or none when it is not a semantic version. */
interface Key {
  text: string;
  main: [number, number, number] | null;
  pre: (number | string)[];
}

// Semantic Versioning 2.0.0 exactly as written (what the API stores); anything else is read by the semver package.
const DOTTED = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const STRICT = new RegExp(`^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${DOTTED}))?(?:\\+${DOTTED})?$`);
const NUMERIC = /^[0-9]+$/;

/** A pre-release identifier as the semver package holds it: a number when it is one it can count exactly. */
const identifier = (id: string | number): string | number => {
  if (typeof id === 'number' || !NUMERIC.test(id)) return id;
  const n = Number(id);
  return n < Number.MAX_SAFE_INTEGER ? n : id;
};

function keyOf(text: string): Key {
  const m = STRICT.exec(text);
  if (m) {
    const main = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
    const ids = m[4] === undefined ? [] : m[4].split('.');
    // Leading zeros in a numeric identifier, or numbers too large: the semver package decides.
    const plain = main.every(Number.isSafeInteger) && ids.every((i) => !/^0\d/.test(i));
    if (plain) return { text, main, pre: ids.map(identifier) };
  }
  try {
    const v = new SemVer(text);
    return { text, main: [v.major, v.minor, v.patch], pre: v.prerelease.map(identifier) };
  } catch {
    return { text, main: null, pre: [] };
  }
}

/** The semver package's order of two pre-release identifiers. */
function compareIds(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  const anum = typeof a === 'number' || NUMERIC.test(a);
  const bnum = typeof b === 'number' || NUMERIC.test(b);
  if (anum && bnum) {
    a = +a;
    b = +b;
  }
  return a === b ? 0 : anum && !bnum ? -1 : bnum && !anum ? 1 : a < b ? -1 : 1;
}

/** The semver package's order (compareMain, then comparePre) of two semantic versions. */
function compareSemver(a: Key, b: Key): number {
  const [x, y] = [a.main!, b.main!];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  if (a.pre.length && !b.pre.length) return -1;
  if (!a.pre.length && b.pre.length) return 1;
  for (let i = 0; ; i++) {
    const p = a.pre[i];
    const q = b.pre[i];
    if (p === undefined && q === undefined) return 0;
    if (q === undefined) return 1;
    if (p === undefined) return -1;
    if (p !== q) return compareIds(p, q);
  }
}

/**
 * Newest first by semantic version, equal ones by text; a version the semver package cannot read sorts after,
 * by text, last first. Each version is read once, not at every comparison: 20,000 sort in milliseconds.
 */
export function newestFirst(versions: string[]): string[] {
  const keys = versions.map(keyOf);
  keys.sort((a, b) => {
    if (a.main && b.main) return compareSemver(b, a) || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
    if (a.main || b.main) return a.main ? -1 : 1;
    return a.text < b.text ? 1 : a.text > b.text ? -1 : 0;
  });
  return keys.map((k) => k.text);
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
    const names = newestFirst(
      (
        await this.db
          .selectFrom('rfs_provider_versions')
          .select('provider_version')
          .where('provider_id', '=', provider.provider_id)
          .execute()
      ).map((r) => r.provider_version),
    );
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
