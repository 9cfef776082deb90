import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './platform/clock.js';
import type { IdSource } from './platform/ids.js';
import { createHttp, group, type App } from './platform/http.js';
import { registerOpenApi } from './platform/openapi.js';
import { explorerRoutes } from './explorer/routes.js';
import { requireAuth } from './platform/auth.js';
import { iamPublicRoutes, iamRoutes } from './iam/routes.js';
import { IAM_ERRORS } from './iam/errors.js';
import type { IamService } from './iam/service.js';
import { isStoreUnavailable, isValueRejected, type Store } from './store/db.js';
import type { Metrics } from './platform/metrics.js';
import { RateLimiter } from './platform/rate-limit.js';
import { IotEdgeRepo } from './iotedge/repo.js';
import { IotEdgeService } from './iotedge/service.js';
import { iotedgeRoutes } from './iotedge/routes.js';
import { RfsRepo } from './rfs/repo.js';
import { RfsService } from './rfs/service.js';
import { rfsRoutes } from './rfs/routes.js';
import { MarkerCodec } from './rfs/paging.js';
import { SnapshotService } from './admin/snapshot.js';
import { adminRoutes } from './admin/routes.js';
import { ActivityRepo } from './activity/repo.js';
import { ActivityService } from './activity/service.js';
import { activityRoutes, recordFailures } from './activity/routes.js';
import { consolePages, consoleReads } from './console/routes.js';
import { ConsoleReads } from './console/reads.js';
import { FaultService } from './faults/service.js';
import { injectFaults } from './faults/inject.js';
import { faultRoutes } from './faults/routes.js';

/** The settings the server reads (config.ts describes each); serverDeps in app.ts takes them from the Config. */
export const SERVER_SETTINGS = [
  'region',
  'bodyLimit',
  'clockSkewSeconds',
  'rfsProviderQuota',
  'rfsVersionQuota',
  'importLimit',
  'authCacheMs',
  'rateLimit',
  'rateWindowMs',
  'requestTimeoutMs',
  'responseBudget',
] as const satisfies readonly (keyof Config)[];

export type ServerSettings = Pick<Config, (typeof SERVER_SETTINGS)[number]>;

export interface ServerDeps extends ServerSettings {
  store: Store;
  iam: IamService;
  logger: Logger;
  /** Signs list markers; the same on every replica (derived from the master key). */
  markerKey: Buffer;
  metrics: Metrics;
  /** The time the server checks signatures against and stores; tests give their own. */
  clock?: Clock;
  /** Where request and provider ids come from. */
  ids?: IdSource;
}

/** Composes the platform, the public routes and the authenticated API families. */
export function buildServer(deps: ServerDeps): App {
  const app = createHttp({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    requestTimeoutMs: deps.requestTimeoutMs,
    responseBudget: deps.responseBudget,
    isUnavailable: isStoreUnavailable,
    isValueRejected,
    observe: (req, reply, ms) => deps.metrics.observe(req, reply, ms),
    clock: deps.clock,
    ids: deps.ids,
  });
  deps.metrics.register(app);
  const faults = new FaultService(deps.store, { cacheMs: deps.authCacheMs, ids: deps.ids, clock: deps.clock });
  app.decorate('faults', faults);
  // The admin API, and requests that no family's routes cover, answer in IAM's envelope.
  app.errorTables.setDefault(IAM_ERRORS);

  registerOpenApi(app);
  explorerRoutes(app, { region: deps.region });
  consolePages(app, { region: deps.region });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.store.ready();
      return { status: 'ready' };
    } catch {
      return reply.code(503).header('Retry-After', '5').send({ status: 'unavailable' });
    }
  });

  group(app, (pub) => {
    pub.addHook('preValidation', (req, _reply, done) => {
      if (req.bodyError) return done(req.bodyError);
      done();
    });
    iamPublicRoutes(pub, { iam: deps.iam, region: deps.region });
  });

  group(app, (api) => {
    const limiter = deps.rateLimit > 0 ? new RateLimiter(deps.rateLimit, deps.rateWindowMs) : undefined;
    requireAuth(api, {
      identity: deps.iam,
      clockSkewSeconds: deps.clockSkewSeconds,
      limiter,
      clock: deps.clock,
    });
    const activity = new ActivityService(new ActivityRepo(deps.store.db, deps.store.transact));
    // Before recordFailures: its onResponse hook sees which answers a fault rule gave.
    injectFaults(api, faults);
    recordFailures(api, activity, deps.logger);
    iamRoutes(api, { iam: deps.iam, region: deps.region });
    iotedgeRoutes(
      api,
      new IotEdgeService(
        new IotEdgeRepo(deps.store.db, deps.store.dialect, deps.store.transact, deps.store.reader),
        deps.clock,
      ),
    );
    group(api, (rfs) => {
      const service = new RfsService(
        new RfsRepo(deps.store.db, deps.store.dialect, deps.store.transact, deps.store.reader),
        new MarkerCodec(deps.markerKey),
        {
          region: deps.region,
          providerQuota: deps.rfsProviderQuota,
          versionQuota: deps.rfsVersionQuota,
          ids: deps.ids,
        },
        deps.clock,
      );
      rfsRoutes(rfs, { service });
    });
    group(api, (admin) =>
      adminRoutes(admin, {
        snapshots: new SnapshotService(deps.store, deps.region, deps.bodyLimit),
        importLimit: deps.importLimit,
      }),
    );
    group(api, (trail) => activityRoutes(trail, activity));
    group(api, (rules) =>
      faultRoutes(rules, {
        faults,
        projectInDomain: async (project, domain) => (await deps.iam.projectOfDomain(project, domain)) !== null,
      }),
    );
    group(api, (reads) => consoleReads(reads, new ConsoleReads(deps.store.db)));
  });

  return app;
}
