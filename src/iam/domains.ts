import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { ID_PATTERN } from '../config.js';
import { isUniqueViolation } from '../store/db.js';
import { newId } from './crypto.js';
import type { IdSource } from '../platform/ids.js';
import type { IamRepo } from './repo.js';
import type { NewActivity } from '../store/types.js';

export interface DomainOptions {
  /** The region: the bootstrap domain's project of that name is kept. */
  region: string;
  /** How long a checked project is remembered (none: not at all). */
  authCacheMs?: number;
  clock: Clock;
  /** Where generated ids and secrets come from (platform/ids.ts). */
  ids?: IdSource;
}

/** What a look-up of authentication answers: at once from a cache, else once the store has. */
export type Found<T> = T | null | Promise<T | null>;

/** Names of domains, projects and users. */
export const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Domains and their projects. */
export class Domains {
  /** Checked projects, remembered for opts.authCacheMs at most. */
  private readonly projectCache?: LRUCache<string, { id: string; name: string; domainId: string }>;

  constructor(
    private readonly repo: IamRepo,
    private readonly opts: DomainOptions,
  ) {
    if (opts.authCacheMs) this.projectCache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
  }

  /** The project, when it is one of the domain's; a cache hit answers synchronously. */
  projectOfDomain(projectId: string, domainId: string): Found<{ id: string; name: string }> {
    const ofDomain = (p: { id: string; name: string; domainId: string }) =>
      p.domainId === domainId ? { id: p.id, name: p.name } : null;
    const cached = this.projectCache?.get(projectId);
    if (cached) return ofDomain(cached);
    return this.repo.projectById(projectId).then((p) => {
      if (!p) return null;
      const found = { id: p.id, name: p.name, domainId: p.domain_id };
      this.projectCache?.set(projectId, found);
      return ofDomain(found);
    });
  }

  /** The domain of that name; without one, the bootstrap domain. */
  async resolveDomain(name?: string): Promise<{ id: string; name: string }> {
    const domain = name
      ? await this.repo.domainByName(name)
      : await this.repo.getMarker('bootstrap_domain').then((id) => (id ? this.repo.domainById(id) : undefined));
    if (!domain) throw new AppError('not_found', `domain ${name ?? '(bootstrap)'} does not exist`);
    return domain;
  }

  async createDomain(input: { name: string; id?: string }): Promise<{ id: string; name: string }> {
    if (!NAME.test(input.name))
      throw new AppError('invalid', 'domain name must be 1-64 letters, digits, "_", "-" or "."');
    if (input.id !== undefined && !ID_PATTERN.test(input.id))
      throw new AppError('invalid', 'domain id must be 1-64 letters, digits, "_" or "-"');
    const domain = { id: input.id ?? newId(this.opts.ids), name: input.name };
    const row = { ...domain, created_at: isoNow(this.opts.clock) };
    await insertNew(
      this.repo,
      (repo) => repo.insertDomain(row),
      `a domain with id ${domain.id} or name ${domain.name}`,
    );
    return domain;
  }

  async listDomains(): Promise<
    { id: string; name: string; bootstrap: boolean; projects: number; users: number; created_at: string }[]
  > {
    const bootstrap = await this.repo.getMarker('bootstrap_domain');
    return (await this.repo.listDomainSummaries()).map((d) => ({
      id: d.id,
      name: d.name,
      bootstrap: d.id === bootstrap,
      projects: d.projects,
      users: d.users,
      created_at: d.created_at,
    }));
  }

  /**
   * Deletes a domain with its users, access keys, tokens and projects, in one transaction. Refused
   * for the bootstrap domain, and while its projects hold API data unless `force` deletes it too.
   */
  async deleteDomain(
    name: string,
    force = false,
  ): Promise<{ deleted: string; projects: number; users: number; edge_apps: number; rfs_providers: number }> {
    return this.repo.transaction(async (repo) => {
      // The domain, then its projects, locked: writes into them finish first or find them gone.
      const domain = await repo.domainByName(name, true);
      if (!domain) throw new AppError('not_found', `domain ${name} does not exist`);
      if (domain.id === (await repo.getMarker('bootstrap_domain')))
        throw new AppError('conflict', `domain ${name} is the bootstrap domain, which cannot be deleted`);
      const projects = (await repo.listProjects(domain.id, undefined, true)).length;
      const data = await repo.countApiData(domain.id);
      if (!force) refuseData(`domain ${name}`, data);
      const users = (await repo.listUsers(domain.id)).length;
      await repo.deleteApiData(domain.id);
      await repo.deleteDomain(domain.id);
      return { deleted: name, projects, users, ...data };
    });
  }

  /** `activity`: the trail's row when an API call creates it. */
  async createProject(
    input: { name: string; id?: string; domain?: string },
    activity?: NewActivity,
  ): Promise<{ id: string; name: string; domain: string }> {
    if (!NAME.test(input.name))
      throw new AppError('invalid', 'project name must be 1-64 letters, digits, "_", "-" or "."');
    if (input.id !== undefined && !ID_PATTERN.test(input.id))
      throw new AppError('invalid', 'project id must be 1-64 letters, digits, "_" or "-"');
    const domain = await this.resolveDomain(input.domain);
    const row = {
      id: input.id ?? newId(this.opts.ids),
      domain_id: domain.id,
      name: input.name,
      created_at: isoNow(this.opts.clock),
    };
    const what = `a project with id ${row.id} or name ${input.name}`;
    await insertNew(this.repo, (repo) => repo.insertProject(row), what, '', activity);
    return { id: row.id, name: input.name, domain: domain.name };
  }

  /** The projects of a domain (by id), or its project of that name. */
  listProjects(
    domainId: string,
    name?: string,
  ): Promise<{ id: string; name: string; domain_id: string; created_at: string }[]> {
    return this.repo.listProjects(domainId, name);
  }

  async projectById(id: string): Promise<{ id: string; name: string; domain_id: string } | undefined> {
    return this.repo.projectById(id);
  }

  /** Deletes a project and the tokens scoped to it; refused while it holds API data unless `force` deletes it too. */
  async deleteProject(
    name: string,
    domainName?: string,
    force = false,
  ): Promise<{ deleted: string; id: string; domain: string; edge_apps: number; rfs_providers: number }> {
    const domain = await this.resolveDomain(domainName);
    return this.repo.transaction(async (repo) => {
      // Locked: writes into it finish first or find it gone.
      const project = (await repo.listProjects(domain.id, name, true)).at(0);
      if (!project) throw new AppError('not_found', `project ${name} does not exist in domain ${domain.name}`);
      if (name === this.opts.region && domain.id === (await repo.getMarker('bootstrap_domain'))) {
        throw new AppError(
          'conflict',
          `project ${name} is the region project of the bootstrap domain, which cannot be deleted`,
        );
      }
      const data = await repo.countApiData(domain.id, project.id);
      if (!force) refuseData(`project ${name}`, data);
      await repo.deleteApiData(domain.id, project.id);
      await repo.deleteProject(project.id);
      return { deleted: name, id: project.id, domain: domain.name, ...data };
    });
  }
}

/** Runs an insert in a transaction; a row that exists already is the 409 `${what} already exists${where}`. */
export async function insertNew(
  repo: IamRepo,
  write: (repo: IamRepo) => Promise<void>,
  what: string,
  where = '',
  activity?: NewActivity,
): Promise<void> {
  try {
    await repo.transaction(write, activity);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', `${what} already exists${where}`);
    throw err;
  }
}

function refuseData(what: string, data: { edge_apps: number; rfs_providers: number }): void {
  if (data.edge_apps + data.rfs_providers === 0) return;
  throw new AppError(
    'conflict',
    `${what} holds API data (${data.edge_apps} edge apps, ${data.rfs_providers} RFS providers): delete it first, or force (--force) to delete it too`,
  );
}
