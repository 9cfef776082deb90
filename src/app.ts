import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { IamService, prepareAdmin, type BootstrapResult } from './iam/service.js';
import { loadMasterKey, SecretBox } from './iam/crypto.js';
import { openStore, type Store } from './store/db.js';
import { migrate } from './store/migrate.js';
import { refreshRenderings } from './renderings.js';
import { buildServer, SERVER_SETTINGS, type ServerDeps, type ServerSettings } from './server.js';
import { Metrics } from './platform/metrics.js';
import type { App } from './platform/http.js';
import { systemClock, type Clock } from './platform/clock.js';
import { ActivityRepo } from './activity/repo.js';
import { ActivityService } from './activity/service.js';
import { startRetention } from './activity/retention.js';
import { idSource, type IdSource } from './platform/ids.js';
import { SnapshotService } from './admin/snapshot.js';
import { AppError } from './platform/errors.js';

export interface Opened {
  store: Store;
  metrics: Metrics;
  iam: IamService;
  /** Keys derived from the master key. */
  markerKey: Buffer;
  bootstrap: BootstrapResult | null;
  masterKeyFile?: string;
  /** The time IAM and the server read. */
  clock: Clock;
  /** Where generated ids and secrets come from. */
  ids: IdSource;
}

export interface OpenOptions {
  /** Runs while the first identity is created: the server is built then. */
  meanwhile?: (opened: Omit<Opened, 'bootstrap'>) => Promise<void>;
  /** The time IAM and the server read (default: the system's); tests give their own. */
  clock?: Clock;
  /** The admin password of a new store and its hash, when known ahead (the test kit's). */
  admin?: Promise<{ password: string; hash: string }>;
}

/**
 * Opens and migrates the store, checks the master key and creates the first identity if needed.
 * `meanwhile` runs while that identity is created (on a first start, its password is hashed off
 * the main thread): the server is built then.
 */
export async function openApp(config: Config, options: OpenOptions = {}): Promise<Opened> {
  const { meanwhile, clock = systemClock } = options;
  // A new SQLite store will need the admin password hashed: begin now, while the schema is created.
  const file = config.database.startsWith('sqlite:') ? config.database.slice('sqlite:'.length) : undefined;
  const ids = idSource(config.idSeed);
  const admin =
    options.admin ??
    (file !== undefined && (file === ':memory:' || !fs.existsSync(file))
      ? prepareAdmin(config.bootstrap, ids)
      : undefined);
  let metrics: Metrics | undefined;
  const store = openStore({
    onQuery: (kind, ms) => metrics?.storeLatency.observe({ kind }, ms / 1000),
    onBatch: (size) => metrics?.batchSize.observe(size),
    database: config.database,
    sqliteSync: config.sqliteSync,
    pgPoolSize: config.pgPoolSize,
    pgStatementTimeoutMs: config.pgStatementTimeoutMs,
    pgConnectTimeoutMs: config.pgConnectTimeoutMs,
  });
  metrics = new Metrics(store.poolStats);
  try {
    await migrate(store);
    await refreshRenderings(store);
    const master = loadMasterKey(config.masterKey, config.store === 'memory' ? null : config.dataDir, ids);
    const iam = new IamService(store, new SecretBox(master.key), {
      region: config.region,
      tokenTtlSeconds: config.tokenTtlSeconds,
      authCacheMs: config.authCacheMs,
      loginAddressLimit: config.loginAddressLimit,
      clock,
      ids,
    });
    await iam.checkMasterKey();
    const markerKey = crypto.createHmac('sha256', master.key).update('rfs-list-marker').digest();
    const opened = { store, metrics, iam, markerKey, masterKeyFile: master.generatedFile, clock, ids };
    const booting = iam.bootstrap(config.bootstrap, admin);
    booting.catch(() => undefined); // reported by Promise.all, also when `meanwhile` fails first
    const [bootstrap] = await Promise.all([booting, meanwhile?.(opened)]);
    // Ids made from a seed start over at every start: on a store made before, they would be the
    // ones it holds already (its tokens, keys, providers), so a seed is for a new store only.
    if (config.idSeed !== undefined && bootstrap === null)
      throw new ConfigError(
        '--id-seed / VERSIONARY_ID_SEED needs a new store: this one was created before, and ids made from ' +
          'the seed would repeat the ones it holds (start without a seed, or on a new store)',
      );
    if (bootstrap && config.seed) {
      try {
        await importSeed(config, store, config.seed);
      } catch (err) {
        // Not half a first start: without this, the next start would find an identity and skip the seed.
        await undoBootstrap(store, bootstrap.domain.id);
        throw err;
      }
    }
    return { ...opened, bootstrap };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Loads the --seed snapshot (mode add); a bad one stops the start, naming the record and field. */
async function importSeed(config: Config, store: Store, file: string): Promise<void> {
  let input: fs.ReadStream;
  try {
    input = fs.createReadStream(file);
    await new Promise((resolve, reject) => input.once('open', resolve).once('error', reject));
  } catch (err) {
    throw new ConfigError(`--seed ${file}: ${(err as Error).message}`);
  }
  try {
    await new SnapshotService(store, config.region, config.bodyLimit).import(input, 'add');
  } catch (err) {
    if (err instanceof AppError) throw new ConfigError(`--seed ${file}: ${err.detail ?? err.kind}`);
    // The file could be opened but not read (a directory, say).
    if (typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).syscall === 'read')
      throw new ConfigError(`--seed ${file}: ${(err as Error).message}`);
    throw err;
  } finally {
    input.destroy();
  }
}

/** Removes the first identity a start created (its seed was refused), so that the next start is a first one. */
async function undoBootstrap(store: Store, domainId: string): Promise<void> {
  await store.transact(async (trx) => {
    await trx.deleteFrom('activity').where('domain_id', '=', domainId).execute();
    await trx.deleteFrom('domains').where('id', '=', domainId).execute();
    await trx
      .deleteFrom('versionary_meta')
      .where('key', 'in', ['bootstrap', 'bootstrap_domain', 'master_key_check'])
      .execute();
  });
}

/** The server's dependencies: the settings it reads, and the parts openApp opened. */
export function serverDeps(config: Config, logger: Logger, opened: Omit<Opened, 'bootstrap'>): ServerDeps {
  const settings = Object.fromEntries(SERVER_SETTINGS.map((key) => [key, config[key]])) as ServerSettings;
  const { store, iam, metrics, markerKey, clock, ids } = opened;
  return { ...settings, store, iam, metrics, markerKey, clock, logger, ids };
}

export interface Running {
  app: App;
  url: string;
  opened: Opened;
  close(): Promise<void>;
}

/** The server of an opened app, with its routes loaded. */
export async function readyServer(config: Config, logger: Logger, opened: Omit<Opened, 'bootstrap'>): Promise<App> {
  const app = buildServer(serverDeps(config, logger, opened));
  await app.ready();
  return app;
}

/** Starts serving (on `app`, when it is already built); resolves once the port is bound. */
export async function serve(config: Config, logger: Logger, opened: Opened, app?: App): Promise<Running> {
  app ??= buildServer(serverDeps(config, logger, opened));
  const activity = new ActivityService(new ActivityRepo(opened.store.db, opened.store.transact));
  const stopRetention = startRetention(activity, config.activityRetentionDays, opened.clock, logger);
  const sweep = setInterval(() => {
    opened.iam.sweepExpiredTokens().catch((err) => logger.warn({ err: String(err) }, 'token sweep failed'));
  }, 3_600_000);
  sweep.unref();
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    app,
    url,
    opened,
    async close() {
      clearInterval(sweep);
      await app.close();
      await stopRetention();
      await opened.store.close();
    },
  };
}
