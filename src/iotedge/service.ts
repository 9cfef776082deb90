import { AppError, tenantForbidden } from '../platform/errors.js';
import { errors } from './errors.js';
import { isoNow, systemClock, type Clock } from '../platform/clock.js';
import type { JsonText } from '../platform/json-text.js';
import { isForeignKeyViolation, isUniqueViolation } from '../store/db.js';
import type { EdgeAppTable } from '../store/types.js';
import type { ActivityEntry } from '../activity/entry.js';
import type { IotEdgeRepo, VersionRow } from './repo.js';
import { briefVersion, shownVersion, versionPage } from './renderings.js';
import {
  specOf,
  type BriefVersion,
  type ContainerSettings,
  type CreateAppBody,
  type CreateVersionBody,
  type EdgeApp,
  type FullVersion,
  type ListAppsQuery,
  type ListVersionsQuery,
  type Spec,
  type StateBody,
  type UpdateVersionBody,
  type Version,
  type VersionPage,
  type VersionState,
} from './schemas.js';

/** docs/api/iotedge.md §5.3: which accelerator a version needs. */
export function aiCardType(cs: ContainerSettings | undefined): string {
  const r = cs?.resources;
  if (cs?.npu_type || (r?.limits?.npu ?? 0) > 0 || (r?.requests?.npu ?? 0) > 0) return 'NPU';
  if ((r?.limits?.gpu ?? 0) > 0 || (r?.requests?.gpu ?? 0) > 0) return 'GPU';
  return 'unEquipped';
}

function appView(row: EdgeAppTable): EdgeApp {
  return {
    edge_app_id: row.edge_app_id,
    description: row.description ?? undefined,
    create_time: row.create_time,
    update_time: row.update_time,
    last_published_version: row.last_published_version ?? undefined,
    app_type: row.app_type,
    function_type: row.function_type,
    deploy_type: row.deploy_type ?? undefined,
    protocol: row.protocol ?? undefined,
    edge_app_name: row.edge_app_name ?? undefined,
    delivered_app: row.delivered_app === null ? undefined : row.delivered_app === 1,
  };
}

/** What a version's life has added to it since it was created (a snapshot restores these). */
export interface VersionHistory {
  state: VersionState;
  update_time: string;
  publish_time: string | null;
  off_shelf_time: string | null;
}

/** The version created with body at time: a new DRAFT, unless its history is given. */
export function newVersion(
  projectId: string,
  appId: string,
  body: CreateVersionBody,
  time: string,
  history?: VersionHistory,
): Version {
  return {
    project_id: projectId,
    edge_app_id: appId,
    version: body.version,
    deploy_type: body.deploy_type ?? 'docker',
    arch: JSON.stringify(body.arch),
    ai_card_type: aiCardType(body.container_settings),
    create_time: time,
    ...(history ?? { state: 'DRAFT', update_time: time, publish_time: null, off_shelf_time: null }),
    description: body.description ?? null,
    sdk_version: body.sdk_version ?? null,
    deploy_multi_instance: body.deploy_multi_instance ? 1 : 0,
    spec: specOf({ ...body, deploy_multi_instance: body.deploy_multi_instance ?? false }),
  };
}

/** A version after some of its fields changed. */
function changed(current: VersionRow, changes: Partial<Version>): Version {
  const { app_name: _name, ...kept } = current;
  return { ...kept, ...changes };
}

/** The rules of edge apps and versions: existence, uniqueness, the state machine, derived fields. */
export class IotEdgeService {
  constructor(
    private readonly repo: IotEdgeRepo,
    private readonly clock: Clock = systemClock,
  ) {}

  async createApp(projectId: string, body: CreateAppBody, activity?: ActivityEntry): Promise<EdgeApp> {
    const t = isoNow(this.clock);
    const row: EdgeAppTable = {
      project_id: projectId,
      edge_app_id: body.edge_app_id,
      edge_app_name: body.edge_app_name ?? null,
      description: body.description ?? null,
      function_type: body.function_type ?? 'DATA_PROCESSING',
      protocol: body.protocol ?? null,
      delivered_app: body.delivered_app === undefined ? null : body.delivered_app ? 1 : 0,
      app_type: 'USER',
      deploy_type: null,
      last_published_version: null,
      version_count: 0,
      create_time: t,
      update_time: t,
    };
    try {
      await this.repo.transaction(async (repo) => {
        if (!(await repo.holdProject(projectId)))
          throw tenantForbidden(`The credential is not valid for project ${projectId}.`);
        await repo.insertApp(row);
      }, activity);
    } catch (err) {
      if (isUniqueViolation(err)) throw errors.appExists(`edge_app_id ${body.edge_app_id}`);
      throw err;
    }
    return appView(row);
  }

  async getApp(projectId: string, appId: string): Promise<EdgeApp> {
    return appView(await this.mustGetApp(this.repo, projectId, appId));
  }

  async listApps(projectId: string, q: ListAppsQuery) {
    const functionTypes = [q.function_type, ...(q.function_types ?? []).flatMap((v) => v.split(','))].filter(
      (v): v is string => !!v,
    );
    const { count, rows } = await this.repo.listApps(
      projectId,
      { idContains: q.edge_app_id, appType: q.app_type, functionTypes, protocol: q.protocol },
      q,
    );
    return { count, page_info: { offset: q.offset, limit: q.limit }, edge_apps: rows.map(appView) };
  }

  async deleteApp(projectId: string, appId: string, activity?: ActivityEntry): Promise<void> {
    await this.repo.transaction(async (repo) => {
      // The app row first, then its versions (the cascade): the lock order of the version writes.
      await this.mustGetApp(repo, projectId, appId, true);
      if (await repo.hasPublishedVersion(projectId, appId))
        throw errors.published('The app has a published version; take it off the shelf first.');
      await repo.deleteApp(projectId, appId);
    }, activity);
  }

  /**
   * Version operations answer with their stored renderings (renderings.ts).
   *
   * Every transaction that changes an app's versions, or deletes the app, first locks the app
   * (repo.lockApp) and only then reads the clock and touches versions: writers of one app run one
   * at a time in the order of their timestamps, and what the app derives from its versions is
   * computed from all of them. A transaction function only computes and talks to the database, so
   * the store may run it again after a conflict.
   */
  async createVersion(
    projectId: string,
    appId: string,
    body: CreateVersionBody,
    activity?: ActivityEntry,
  ): Promise<JsonText<FullVersion>> {
    return this.repo.transaction(async (repo) => {
      if (!(await repo.lockApp(projectId, appId))) throw errors.appNotFound(`edge_app_id ${appId}`);
      const version = newVersion(projectId, appId, body, isoNow(this.clock));
      // On SQLite a missing app shows as the insert's foreign-key violation: no lookup first.
      let shown;
      try {
        shown = await repo.insertVersion(version);
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.versionExists(`version ${body.version}`);
        if (isForeignKeyViolation(err)) throw errors.appNotFound(`edge_app_id ${appId}`);
        throw err;
      }
      const app = await repo.appGainedVersion(version);
      if (!app) throw errors.appNotFound(`edge_app_id ${appId}`);
      return shownVersion(appId, app.edge_app_name ?? appId, shown);
    }, activity);
  }

  async getVersion(projectId: string, appId: string, version: string): Promise<JsonText<FullVersion>> {
    const found = await this.repo.showVersion(projectId, appId, version);
    if (!found) {
      await this.mustGetApp(this.repo, projectId, appId);
      throw errors.versionNotFound(`version ${version}`);
    }
    return shownVersion(appId, found.app_name ?? appId, found.doc);
  }

  async listVersions(projectId: string, appId: string, q: ListVersionsQuery): Promise<JsonText<VersionPage>> {
    const app = await this.repo.appListing(projectId, appId);
    if (!app) throw errors.appNotFound(`edge_app_id ${appId}`);
    const filter = { versionContains: q.version, aiCardType: q.ai_card_type, arch: q.arch, state: q.state };
    const { count, briefs } = await this.repo.listVersions(projectId, appId, filter, q, app.version_count);
    return versionPage(count, q.offset, q.limit, appId, app.edge_app_name ?? appId, briefs);
  }

  /** Top-level merge (docs/api/README.md Q7): a field given replaces the stored one wholesale. */
  async updateVersion(
    projectId: string,
    appId: string,
    version: string,
    body: UpdateVersionBody,
    activity?: ActivityEntry,
  ): Promise<JsonText<BriefVersion>> {
    return this.repo.transaction(async (repo) => {
      const current = await this.lockedVersion(repo, projectId, appId, version);
      if (current.state === 'PUBLISHED') throw errors.published('Take the version off the shelf before changing it.');
      const spec: Spec = { ...current.spec, ...specOf(body) };
      const t = isoNow(this.clock);
      const next = changed(current, {
        description: spec.description ?? null,
        sdk_version: spec.sdk_version ?? null,
        deploy_multi_instance: spec.deploy_multi_instance ? 1 : 0,
        deploy_type: body.deploy_type ?? current.deploy_type,
        arch: body.arch ? JSON.stringify(body.arch) : current.arch,
        ai_card_type: aiCardType(spec.container_settings),
        update_time: t,
        spec,
      });
      const item = await repo.updateVersion(next, current.state);
      if (!item) throw await this.raced(repo, projectId, appId, version);
      await repo.refreshApp(projectId, appId, t);
      return briefVersion(appId, current.app_name ?? appId, item);
    }, activity);
  }

  async deleteVersion(projectId: string, appId: string, version: string, activity?: ActivityEntry): Promise<void> {
    await this.repo.transaction(async (repo) => {
      const current = await this.lockedVersion(repo, projectId, appId, version);
      if (current.state === 'PUBLISHED') throw errors.published('Take the version off the shelf before deleting it.');
      if (!(await repo.deleteVersion(projectId, appId, version, current.state)))
        throw await this.raced(repo, projectId, appId, version);
      await repo.refreshApp(projectId, appId, isoNow(this.clock), -1);
    }, activity);
  }

  /** docs/api/iotedge.md §5.9: DRAFT/OFF_SHELF → PUBLISHED, PUBLISHED → OFF_SHELF; never back to DRAFT. */
  async changeState(
    projectId: string,
    appId: string,
    version: string,
    { state: target }: StateBody,
    activity?: ActivityEntry,
  ): Promise<JsonText<BriefVersion>> {
    return this.repo.transaction(async (repo) => {
      const current = await this.lockedVersion(repo, projectId, appId, version);
      const from = current.state as VersionState;
      if (target === 'PUBLISHED' && from === 'PUBLISHED') throw errors.published();
      if (target === 'OFF_SHELF' && from !== 'PUBLISHED') throw errors.notPublished();
      const t = isoNow(this.clock);
      const next = changed(
        current,
        target === 'PUBLISHED'
          ? { state: target, publish_time: t, update_time: t }
          : { state: target, off_shelf_time: t, update_time: t },
      );
      const item = await repo.updateVersion(next, from);
      if (!item) throw await this.raced(repo, projectId, appId, version);
      await repo.refreshApp(projectId, appId, t);
      return briefVersion(appId, current.app_name ?? appId, item);
    }, activity);
  }

  private async mustGetApp(repo: IotEdgeRepo, projectId: string, appId: string, lock = false): Promise<EdgeAppTable> {
    const app = await repo.getApp(projectId, appId, lock);
    if (!app) throw errors.appNotFound(`edge_app_id ${appId}`);
    return app;
  }

  /** The version, read after locking its app (the lock order of createVersion). */
  private async lockedVersion(
    repo: IotEdgeRepo,
    projectId: string,
    appId: string,
    version: string,
  ): Promise<VersionRow> {
    if (!(await repo.lockApp(projectId, appId))) throw errors.appNotFound(`edge_app_id ${appId}`);
    return this.mustGetVersion(repo, projectId, appId, version);
  }

  private async mustGetVersion(
    repo: IotEdgeRepo,
    projectId: string,
    appId: string,
    version: string,
  ): Promise<VersionRow> {
    const row = await repo.getVersion(projectId, appId, version);
    if (row) return row;
    await this.mustGetApp(repo, projectId, appId);
    throw errors.versionNotFound(`version ${version}`);
  }

  /** Another request changed the version between our read and our write: report what it is now. */
  private async raced(repo: IotEdgeRepo, projectId: string, appId: string, version: string): Promise<AppError> {
    const now = await repo.getVersion(projectId, appId, version);
    if (!now) return errors.versionNotFound(`version ${version}`);
    return now.state === 'PUBLISHED' ? errors.published() : errors.notPublished();
  }
}
