import { AppError, tenantForbidden } from '../platform/errors.js';
import { errors } from './errors.js';
import { isoNow, systemClock, type Clock } from '../platform/clock.js';
import { randomIds, uuid, type IdSource } from '../platform/ids.js';
import type { JsonText } from '../platform/json-text.js';
import { isForeignKeyViolation, isUniqueViolation } from '../store/db.js';
import type { RfsProviderTable } from '../store/types.js';
import type { ActivityEntry } from '../activity/entry.js';
import { keysetPage, sortDirection, type MarkerCodec, type PageResult, type SortDir } from './paging.js';
import type { ListedVersion, RfsRepo } from './repo.js';
import { versionMetadata, versionPage } from './renderings.js';
import {
  source,
  type CreateProviderBody,
  type CreateVersionBody,
  type ListQuery,
  type ProviderSummary,
  type UpdateProviderBody,
  type VersionMetadata,
  type VersionPage,
} from './schemas.js';

const invalid = (detail: string) => new AppError('invalid', detail);

export interface RfsOptions {
  region: string;
  /** 0 = unlimited. */
  providerQuota: number;
  versionQuota: number;
  /** Where provider ids come from (platform/ids.ts). */
  ids?: IdSource;
}

function providerView(p: RfsProviderTable): ProviderSummary {
  return {
    provider_id: p.provider_id,
    provider_name: p.provider_name,
    provider_description: p.provider_description ?? undefined,
    provider_source: source(p.provider_name),
    provider_agency_urn: p.provider_agency_urn || undefined,
    provider_agency_name: p.provider_agency_name || undefined,
    create_time: p.create_time,
    update_time: p.update_time,
  };
}

/** Only the shape of a URN is checked (by its schema), and here that the function lives in this region. */
export function checkUrn(urn: string, region: string): void {
  const named = urn.slice('urn:fss:'.length).split(':')[0];
  if (named !== region) throw invalid(`function_graph_urn must be in region ${region}, not ${named}`);
}

/** The rules of a new provider that its schema cannot say. */
export function checkProvider(body: Omit<CreateProviderBody, 'provider_name'>, region: string): void {
  if ((body.provider_version === undefined) !== (body.function_graph_urn === undefined)) {
    throw invalid('provider_version and function_graph_urn must be given together');
  }
  if (body.provider_agency_name && body.provider_agency_urn)
    throw invalid('provider_agency_name and provider_agency_urn cannot both be set');
  if (body.function_graph_urn) checkUrn(body.function_graph_urn, region);
}

/** The rules of private providers and their immutable versions (docs/api/rfs.md §4–§5). */
export class RfsService {
  constructor(
    private readonly repo: RfsRepo,
    private readonly markers: MarkerCodec,
    private readonly opts: RfsOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  async createProvider(
    domain: string,
    body: CreateProviderBody,
    activity?: ActivityEntry,
  ): Promise<{ provider_id: string; provider_source: string }> {
    checkProvider(body, this.opts.region);
    const t = isoNow(this.clock);
    const row: RfsProviderTable = {
      domain_id: domain,
      provider_name: body.provider_name,
      provider_id: uuid(this.opts.ids ?? randomIds, 'provider'),
      provider_description: body.provider_description ?? null,
      provider_agency_name: body.provider_agency_name || null,
      provider_agency_urn: body.provider_agency_urn || null,
      create_time: t,
      update_time: t,
    };
    await this.repo.transaction(async (repo) => {
      if (!(await repo.holdDomain(domain))) throw tenantForbidden('The domain of the credential no longer exists.');
      if (this.opts.providerQuota > 0 && (await repo.countProviders(domain)) >= this.opts.providerQuota) {
        throw errors.quota(`the number of private providers reached the limit of ${this.opts.providerQuota}`);
      }
      try {
        await repo.insertProvider(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.providerExists(`provider_name ${body.provider_name}`);
        throw err;
      }
      if (body.provider_version && body.function_graph_urn) {
        await repo.insertVersion({
          provider_id: row.provider_id,
          provider_version: body.provider_version,
          version_description: body.version_description ?? null,
          function_graph_urn: body.function_graph_urn,
          create_time: t,
        });
      }
    }, activity);
    return { provider_id: row.provider_id, provider_source: source(row.provider_name) };
  }

  /**
   * docs/api/rfs.md §1.5: the named provider must exist (404), then match a given id (400). `lock`: every
   * transaction that changes a provider or its versions reads it locked, first (RfsRepo.getProvider).
   */
  private async provider(
    repo: RfsRepo,
    domain: string,
    name: string,
    providerId?: string,
    lock = false,
  ): Promise<RfsProviderTable> {
    const p = await repo.getProvider(domain, name, lock);
    if (!p) throw errors.providerNotFound(`provider_name ${name}`);
    if (providerId !== undefined && providerId !== p.provider_id)
      throw invalid(`provider_id ${providerId} is not the id of provider ${name}`);
    return p;
  }

  async showProvider(domain: string, name: string, providerId?: string): Promise<ProviderSummary> {
    return providerView(await this.provider(this.repo, domain, name, providerId));
  }

  async updateProvider(
    domain: string,
    name: string,
    body: UpdateProviderBody,
    activity?: ActivityEntry,
  ): Promise<void> {
    if (body.provider_description === undefined)
      throw invalid('provider_description is the only field that can be updated and is missing');
    await this.repo.transaction(async (repo) => {
      const p = await this.provider(repo, domain, name, body.provider_id, true);
      if (!(await repo.updateDescription(domain, p.provider_id, body.provider_description!, isoNow(this.clock))))
        throw errors.providerNotFound(`provider_name ${name}`);
    }, activity);
  }

  async deleteProvider(domain: string, name: string, providerId?: string, activity?: ActivityEntry): Promise<void> {
    await this.repo.transaction(async (repo) => {
      const p = await this.provider(repo, domain, name, providerId, true);
      if (!(await repo.deleteProvider(domain, p.provider_id))) throw errors.providerNotFound(`provider_name ${name}`);
    }, activity);
  }

  async listProviders(domain: string, q: ListQuery) {
    const dir = sortDirection(q.sort_key, q.sort_dir);
    const scope = `providers:${domain}`;
    const page = await keysetPage(
      { dir, limit: q.limit, cursor: q.marker === undefined ? undefined : this.markers.decode(q.marker, scope, dir) },
      (p: RfsProviderTable) => ({ time: p.create_time, id: p.provider_name }),
      (forward, after, limit) => this.repo.listProviders(domain, dir, forward, after, limit),
    );
    return { providers: page.items.map(providerView), page_info: this.pageInfo(page, scope, dir) };
  }

  async createVersion(domain: string, name: string, body: CreateVersionBody, activity?: ActivityEntry): Promise<void> {
    checkUrn(body.function_graph_urn, this.opts.region);
    await this.repo.transaction(async (repo) => {
      const p = await this.provider(repo, domain, name, body.provider_id, true);
      if (this.opts.versionQuota > 0 && (await repo.countVersions(p.provider_id)) >= this.opts.versionQuota) {
        throw errors.quota(`the number of versions of provider ${name} reached the limit of ${this.opts.versionQuota}`);
      }
      try {
        await repo.insertVersion({
          provider_id: p.provider_id,
          provider_version: body.provider_version,
          version_description: body.version_description ?? null,
          function_graph_urn: body.function_graph_urn,
          create_time: isoNow(this.clock),
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.versionExists(`provider_version ${body.provider_version}`);
        if (isForeignKeyViolation(err)) throw errors.providerNotFound(`provider_name ${name}`);
        throw err;
      }
    }, activity);
  }

  /** Version reads answer with the stored renderings (renderings.ts). */
  async listVersions(
    domain: string,
    name: string,
    q: ListQuery & { provider_id?: string },
  ): Promise<JsonText<VersionPage>> {
    const dir = sortDirection(q.sort_key, q.sort_dir);
    const p = await this.provider(this.repo, domain, name, q.provider_id);
    const scope = `versions:${p.provider_id}`;
    const page = await keysetPage(
      { dir, limit: q.limit, cursor: q.marker === undefined ? undefined : this.markers.decode(q.marker, scope, dir) },
      (v: ListedVersion) => ({ time: v.time, id: v.id }),
      (forward, after, limit) => this.repo.listVersions(p.provider_id, dir, forward, after, limit),
    );
    return versionPage(
      p,
      page.items.map((v) => v.doc),
      this.pageInfo(page, scope, dir),
    );
  }

  async showVersion(
    domain: string,
    name: string,
    version: string,
    providerId?: string,
  ): Promise<JsonText<VersionMetadata>> {
    const p = await this.provider(this.repo, domain, name, providerId);
    const doc = await this.repo.versionDoc(p.provider_id, version);
    if (doc === undefined) throw errors.versionNotFound(`provider_version ${version}`);
    return versionMetadata(p, doc);
  }

  async deleteVersion(
    domain: string,
    name: string,
    version: string,
    providerId?: string,
    activity?: ActivityEntry,
  ): Promise<void> {
    await this.repo.transaction(async (repo) => {
      const p = await this.provider(repo, domain, name, providerId, true);
      if (!(await repo.deleteVersion(p.provider_id, version)))
        throw errors.versionNotFound(`provider_version ${version}`);
    }, activity);
  }

  private pageInfo<T>(page: PageResult<T>, scope: string, dir: SortDir) {
    return {
      next_marker: page.next ? this.markers.encode(scope, dir, page.next) : null,
      previous_marker: page.previous ? this.markers.encode(scope, dir, page.previous) : null,
      current_count: page.items.length,
    };
  }
}
