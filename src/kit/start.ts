import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ENV_ONLY, loadConfig, SETTINGS, type Config } from '../config.js';
import { openApp, readyServer, serve, type Opened, type Running } from '../app.js';
import type { App } from '../platform/http.js';
import { createLogger } from '../platform/logger.js';
import { AppError, render } from '../platform/errors.js';
import { IAM_ERRORS } from '../iam/errors.js';
import { SnapshotService } from '../admin/snapshot.js';
import { hashPassword } from '../iam/crypto.js';
import type { FaultRule, Snapshot, StartVersionary, Versionary, VersionaryError, VersionaryOptions } from './types.js';

/** The identity a store started by the kit gets unless told otherwise (documented in the README). */
export const KIT_IDENTITY = {
  domainName: 'default',
  domainId: 'fedcba9876543210fedcba9876543210',
  projectId: '0123456789abcdef0123456789abcdef',
  adminPassword: 'versionary-test-password',
  accessKey: 'VERSIONARYTESTKEY001',
  secretKey: 'VersionaryTestSecretKey00000000000000000',
  masterKey: '0f'.repeat(32),
};

/** The scrypt hash of KIT_IDENTITY.adminPassword: a start need not compute it. */
const KIT_PASSWORD_HASH = 'scrypt$16384$8$1$dmVyc2lvbmFyeS1raXQtMQ==$r1nB2tyOMj5fPRvzFYH/Z4/9gMN85OXsuWl3jL9lbLA=';
/** The hashes of the other admin passwords given in this process, each computed once. */
const hashes = new Map<string, Promise<{ password: string; hash: string }>>([
  [KIT_IDENTITY.adminPassword, Promise.resolve({ password: KIT_IDENTITY.adminPassword, hash: KIT_PASSWORD_HASH })],
]);

function adminOf(password: string) {
  let admin = hashes.get(password);
  if (!admin) {
    admin = hashPassword(password).then((hash) => ({ password, hash }));
    admin.catch(() => hashes.delete(password));
    hashes.set(password, admin);
  }
  return admin;
}

const FLAG_KEYS = new Map(SETTINGS.map((s) => [s.flag.split(' ')[0]!.slice(2), s.key]));

/** The flags and environment of `versionary serve` that the options stand for. */
function configOf(o: VersionaryOptions): Config {
  const flags: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(o.settings ?? {})) {
    const key = FLAG_KEYS.get(name);
    if (!key) throw new TypeError(`settings: ${name} is not a setting of versionary serve`);
    flags[key] = String(value);
  }
  const store = o.store ?? 'memory';
  if (store === 'memory') flags.store = 'memory';
  else flags.database = store;
  if (store.startsWith('sqlite:')) flags.dataDir ??= path.dirname(path.resolve(store.slice('sqlite:'.length)));
  flags.host = o.host ?? flags.host ?? '127.0.0.1';
  flags.port = String(o.port ?? flags.port ?? 0);
  flags.logLevel = o.logLevel ?? flags.logLevel ?? 'silent';
  if (o.region !== undefined) flags.region = o.region;
  if (o.idSeed !== undefined) flags.idSeed = String(o.idSeed);
  if (typeof o.seed === 'string') flags.seed = o.seed;
  const id = { ...KIT_IDENTITY, ...definedOf(o) };
  const env: Record<string, string> = {
    VERSIONARY_DOMAIN_NAME: id.domainName,
    VERSIONARY_DOMAIN_ID: id.domainId,
    VERSIONARY_PROJECT_ID: id.projectId,
    VERSIONARY_ADMIN_PASSWORD: id.adminPassword,
    VERSIONARY_ACCESS_KEY: id.accessKey,
    VERSIONARY_SECRET_KEY: id.secretKey,
    VERSIONARY_MASTER_KEY: id.masterKey,
  };
  for (const [name] of ENV_ONLY) if (!(name in env)) throw new Error(`${name} has no kit option`);
  return loadConfig(flags, env);
}

function definedOf(o: VersionaryOptions): Partial<typeof KIT_IDENTITY> {
  const keys = Object.keys(KIT_IDENTITY) as (keyof typeof KIT_IDENTITY)[];
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** An error of the server as the admin API would answer it. */
function refusal(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  const r = render(IAM_ERRORS, err);
  return Object.assign(new Error(`${r.code}: ${r.message}`), { status: r.status, code: r.code }) as VersionaryError;
}

/** A snapshot as the byte stream an import reads. */
const body = (snapshot: Snapshot | string | Uint8Array) =>
  Readable.from([typeof snapshot === 'string' || snapshot instanceof Uint8Array ? snapshot : JSON.stringify(snapshot)]);

/** Starts a server in this process; see the Versionary interface (types.ts). */
export const startVersionary: StartVersionary = async (options = {}) => {
  const config = configOf(options);
  const logger = createLogger(config.logLevel);
  let app: App | undefined;
  const opened = await openApp(config, {
    admin: adminOf(config.bootstrap.adminPassword!),
    meanwhile: async (o) => {
      app = await readyServer(config, logger, o);
    },
  }).catch(async (err) => {
    await app?.close();
    throw refusal(err);
  });
  const snapshots = new SnapshotService(opened.store, config.region, config.bodyLimit);
  const seedObject = typeof options.seed === 'object' ? options.seed : undefined;
  let running: Running;
  try {
    if (seedObject && opened.bootstrap) await snapshots.import(body(seedObject), 'add');
    running = await serve(config, logger, opened, app);
  } catch (err) {
    await app?.close();
    await opened.store.close();
    throw refusal(err);
  }
  return kit(options, config, running, snapshots);
};

async function identityOf(opened: Opened, region: string): Promise<{ domainId: string; projectId: string }> {
  if (opened.bootstrap) return { domainId: opened.bootstrap.domain.id, projectId: opened.bootstrap.project.id };
  const id = await opened.iam.bootstrapIdentity();
  return { domainId: id!.domain.id, projectId: id!.projects.find((p) => p.name === region)!.id };
}

async function kit(
  options: VersionaryOptions,
  config: Config,
  running: Running,
  snapshots: SnapshotService,
): Promise<Versionary> {
  const { opened, app } = running;
  const { domainId, projectId } = await identityOf(opened, config.region);
  const given = { ...KIT_IDENTITY, ...definedOf(options) };
  const faults = app.faults;
  const projectInDomain = async (p: string) => (await opened.iam.projectOfDomain(p, domainId)) !== null;
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw refusal(err);
    }
  };
  let token: { value: string; until: number } | undefined;
  let stopped: Promise<void> | undefined;
  const seed = options.seed;
  return {
    url: running.url,
    region: config.region,
    domainName: config.bootstrap.domainName,
    domainId,
    projectId,
    userName: 'admin',
    adminPassword: given.adminPassword,
    accessKey: given.accessKey,
    secretKey: given.secretKey,
    token: () =>
      guard(async () => {
        if (token && token.until > opened.clock.now()) return token.value;
        const user = { name: 'admin', password: given.adminPassword, domain: { id: domainId } };
        const issued = await opened.iam.issueToken({
          auth: {
            identity: { methods: ['password'], password: { user } },
            scope: { project: { id: projectId } },
          },
        } as Parameters<typeof opened.iam.issueToken>[0]);
        token = { value: issued.token, until: Date.parse(issued.row.expires_at) - 60_000 };
        return issued.token;
      }),
    reset: () =>
      guard(async () => {
        await snapshots.reset({});
        await faults.clearEverywhere();
        if (typeof seed === 'string') await snapshots.import(fs.createReadStream(seed), 'add');
        else if (seed) await snapshots.import(body(seed), 'add');
      }),
    import: (snapshot, o = {}) => guard(() => snapshots.import(body(snapshot), o.mode ?? 'add')),
    export: (o = {}) =>
      guard(async () => {
        const chunks: Buffer[] = [];
        for await (const c of await snapshots.export(o.projectId ? { projectId: o.projectId } : {})) chunks.push(c);
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
      }),
    faults: {
      add: (rule) => guard(() => faults.add(domainId, rule, projectInDomain)) as Promise<FaultRule>,
      list: () => guard(() => faults.list(domainId)),
      delete: (id) => guard(() => faults.delete(domainId, id)),
      clear: () => guard(() => faults.clear(domainId)),
    },
    stop: () => (stopped ??= running.close()),
  };
}
