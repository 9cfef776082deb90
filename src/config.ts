import path from 'node:path';

export class ConfigError extends Error {}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database: string;
  region: string;
  logLevel: LogLevel;
  sqliteSync: 'full' | 'normal';
  bodyLimit: number;
  importLimit: number;
  tokenTtlSeconds: number;
  clockSkewSeconds: number;
  pgPoolSize: number;
  pgStatementTimeoutMs: number;
  pgConnectTimeoutMs: number;
  authCacheMs: number;
  rateLimit: number;
  rateWindowMs: number;
  loginAddressLimit: number;
  requestTimeoutMs: number;
  responseBudget: number;
  rfsProviderQuota: number;
  rfsVersionQuota: number;
  activityRetentionDays: number;
  /** memory: a SQLite store in memory, nothing written to disk; database: the --database URL. */
  store: 'memory' | 'database';
  /** A snapshot imported (mode add) by the start that creates the store's first identity. */
  seed?: string;
  /** Makes every generated id and secret deterministic (platform/ids.ts). */
  idSeed?: string;
  masterKey?: string;
  bootstrap: BootstrapSettings;
}

export interface BootstrapSettings {
  domainName: string;
  domainId?: string;
  projectId?: string;
  adminPassword?: string;
  accessKey?: string;
  secretKey?: string;
}

/** A setting that can be given as a command-line flag and as an environment variable. */
export interface Setting {
  key: keyof Omit<Config, 'bootstrap' | 'masterKey'>;
  flag: string;
  env: string;
  description: string;
  default?: string;
}

/** The database URL of a store in memory. */
export const MEMORY_DATABASE = 'sqlite::memory:';

export const SETTINGS: Setting[] = [
  {
    key: 'host',
    flag: '--host <host>',
    env: 'VERSIONARY_HOST',
    default: '127.0.0.1',
    description: 'address to listen on',
  },
  {
    key: 'port',
    flag: '--port <port>',
    env: 'VERSIONARY_PORT',
    default: '8080',
    description: 'TCP port to listen on (0 = any free port)',
  },
  {
    key: 'dataDir',
    flag: '--data-dir <dir>',
    env: 'VERSIONARY_DATA_DIR',
    default: './data',
    description: 'directory for the SQLite file and the generated master key',
  },
  {
    key: 'database',
    flag: '--database <url>',
    env: 'VERSIONARY_DATABASE_URL',
    description: 'sqlite:<file> or postgres://user:pass@host:port/db (default sqlite:<data-dir>/versionary.db)',
  },
  {
    key: 'region',
    flag: '--region <region>',
    env: 'VERSIONARY_REGION',
    default: 'cn-north-7',
    description: 'region this server acts as (project name, RFS URN region check)',
  },
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'VERSIONARY_LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'sqliteSync',
    flag: '--sqlite-sync <mode>',
    env: 'VERSIONARY_SQLITE_SYNC',
    default: 'full',
    description: 'SQLite synchronous mode: full (a 2xx means on disk) or normal',
  },
  {
    key: 'bodyLimit',
    flag: '--body-limit <bytes>',
    env: 'VERSIONARY_BODY_LIMIT',
    default: '1048576',
    description: 'largest accepted API request body in bytes',
  },
  {
    key: 'importLimit',
    flag: '--import-limit <bytes>',
    env: 'VERSIONARY_IMPORT_LIMIT',
    default: String(256 * 1024 * 1024),
    description: 'largest admin snapshot import in bytes',
  },
  {
    key: 'tokenTtlSeconds',
    flag: '--token-ttl <seconds>',
    env: 'VERSIONARY_TOKEN_TTL',
    default: '86400',
    description: 'lifetime of issued IAM tokens',
  },
  {
    key: 'clockSkewSeconds',
    flag: '--clock-skew <seconds>',
    env: 'VERSIONARY_CLOCK_SKEW',
    default: '900',
    description: 'allowed X-Sdk-Date difference from the server clock',
  },
  {
    key: 'pgPoolSize',
    flag: '--pg-pool-size <n>',
    env: 'VERSIONARY_PG_POOL_SIZE',
    default: '10',
    description: 'PostgreSQL connection pool size',
  },
  {
    key: 'pgStatementTimeoutMs',
    flag: '--pg-statement-timeout <ms>',
    env: 'VERSIONARY_PG_STATEMENT_TIMEOUT',
    default: '10000',
    description: 'longest a PostgreSQL statement may run before the request answers 503',
  },
  {
    key: 'pgConnectTimeoutMs',
    flag: '--pg-connect-timeout <ms>',
    env: 'VERSIONARY_PG_CONNECT_TIMEOUT',
    default: '5000',
    description: 'longest wait for a PostgreSQL connection before the request answers 503',
  },
  {
    key: 'authCacheMs',
    flag: '--auth-cache <ms>',
    env: 'VERSIONARY_AUTH_CACHE',
    default: '2000',
    description: 'how long a checked token or access key is remembered; a revoked one can pass this long (0 = off)',
  },
  {
    key: 'rateLimit',
    flag: '--rate-limit <n>',
    env: 'VERSIONARY_RATE_LIMIT',
    default: '20000',
    description: 'requests one credential may make per --rate-window before 429 (0 = off)',
  },
  {
    key: 'rateWindowMs',
    flag: '--rate-window <ms>',
    env: 'VERSIONARY_RATE_WINDOW',
    default: '1000',
    description: 'the rate-limit window',
  },
  {
    key: 'loginAddressLimit',
    flag: '--login-address-limit <n>',
    env: 'VERSIONARY_LOGIN_ADDRESS_LIMIT',
    default: '30',
    description: 'wrong passwords one client address may send before 429, then one more every 20 s (0 = off)',
  },
  {
    key: 'requestTimeoutMs',
    flag: '--request-timeout <ms>',
    env: 'VERSIONARY_REQUEST_TIMEOUT',
    default: '30000',
    description: 'longest time to receive a whole request',
  },
  {
    key: 'responseBudget',
    flag: '--response-budget <bytes>',
    env: 'VERSIONARY_RESPONSE_BUDGET',
    default: String(64 * 1024 * 1024),
    description:
      'bytes of large responses that may be on their way to clients at once; over it a large response answers 503',
  },
  {
    key: 'rfsProviderQuota',
    flag: '--rfs-provider-quota <n>',
    env: 'VERSIONARY_RFS_PROVIDER_QUOTA',
    default: '0',
    description: 'most RFS private providers per domain (0 = unlimited)',
  },
  {
    key: 'rfsVersionQuota',
    flag: '--rfs-version-quota <n>',
    env: 'VERSIONARY_RFS_VERSION_QUOTA',
    default: '0',
    description: 'most versions per RFS private provider (0 = unlimited)',
  },
  {
    key: 'activityRetentionDays',
    flag: '--activity-retention-days <days>',
    env: 'VERSIONARY_ACTIVITY_RETENTION_DAYS',
    default: '30',
    description: 'days the activity trail keeps a call; older ones are deleted every hour (0 = keep everything)',
  },
  {
    key: 'store',
    flag: '--store <kind>',
    env: 'VERSIONARY_STORE',
    default: 'database',
    description: 'memory (a store in memory: nothing is written to disk, all is gone at exit) or database (--database)',
  },
  {
    key: 'seed',
    flag: '--seed <file>',
    env: 'VERSIONARY_SEED',
    description: 'a snapshot imported (mode add) at the start that creates the first identity',
  },
  {
    key: 'idSeed',
    flag: '--id-seed <n>',
    env: 'VERSIONARY_ID_SEED',
    description: 'a whole number: generated ids, keys and tokens come from it, the same on every run (tests only)',
  },
];

/** Settings read only from the environment: secrets and first-start identity. */
export const ENV_ONLY = [
  [
    'VERSIONARY_MASTER_KEY',
    '64 hex characters; encrypts secret keys at rest (default: generated key file in the data dir)',
  ],
  ['VERSIONARY_DOMAIN_NAME', 'first start: account (domain) name, default "default"'],
  ['VERSIONARY_DOMAIN_ID', 'first start: domain id (default generated, 32 hex)'],
  ['VERSIONARY_PROJECT_ID', 'first start: project id (default generated, 32 hex)'],
  ['VERSIONARY_ADMIN_PASSWORD', 'first start: password of user admin (default generated)'],
  ['VERSIONARY_ACCESS_KEY', 'first start: access key id of admin (default generated)'],
  ['VERSIONARY_SECRET_KEY', 'first start: secret key of that access key (default generated)'],
] as const;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ACCESS_KEY_PATTERN = /^[A-Za-z0-9]{8,128}$/;
export const SECRET_KEY_PATTERN = /^[\x21-\x7e]{16,128}$/;

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

function optional(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, rule: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!pattern.test(v)) throw new ConfigError(`${name} must be ${rule}`);
  return v;
}

/**
 * Builds the configuration: a flag wins over its environment variable, which wins over the default.
 * Throws ConfigError with a one-line message on any bad value.
 */
export function loadConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = (s: Setting): string | undefined =>
    flags[s.key] ?? (env[s.env] === '' ? undefined : env[s.env]) ?? s.default;
  const get = (key: Setting['key']) => {
    const s = SETTINGS.find((x) => x.key === key)!;
    return { name: `${s.flag.split(' ')[0]} / ${s.env}`, value: raw(s) };
  };

  const host = get('host').value!;
  const port = int(get('port').name, get('port').value!, 0, 65535);
  const dataDir = path.resolve(get('dataDir').value!);
  const dbSetting = get('database');
  const store = get('store').value!;
  if (store !== 'memory' && store !== 'database')
    throw new ConfigError(`${get('store').name} must be memory or database, got "${store}"`);
  if (store === 'memory' && dbSetting.value !== undefined)
    throw new ConfigError(`${get('store').name} memory keeps the data in memory: do not also set ${dbSetting.name}`);
  const database =
    store === 'memory' ? MEMORY_DATABASE : (dbSetting.value ?? `sqlite:${path.join(dataDir, 'versionary.db')}`);
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(database)) {
    throw new ConfigError(`${dbSetting.name} must be sqlite:<file> or postgres://…, got "${database}"`);
  }
  const region = get('region').value!;
  if (!/^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/.test(region)) {
    throw new ConfigError(`${get('region').name} must be a region id such as cn-north-7, got "${region}"`);
  }
  const logLevel = get('logLevel').value as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`${get('logLevel').name} must be one of ${LOG_LEVELS.join(', ')}`);
  const sqliteSync = get('sqliteSync').value!.toLowerCase();
  if (sqliteSync !== 'full' && sqliteSync !== 'normal')
    throw new ConfigError(`${get('sqliteSync').name} must be full or normal`);

  const seed = get('seed').value;
  if (seed !== undefined && seed.trim() === '') throw new ConfigError(`${get('seed').name} must name a file`);
  const idSeed = get('idSeed').value;
  if (idSeed !== undefined && !/^\d{1,15}$/.test(idSeed))
    throw new ConfigError(`${get('idSeed').name} must be a whole number of at most 15 digits, got "${idSeed}"`);

  const masterKey = optional(env, 'VERSIONARY_MASTER_KEY', /^[0-9a-fA-F]{64}$/, '64 hex characters (32 bytes)');
  const accessKey = optional(env, 'VERSIONARY_ACCESS_KEY', ACCESS_KEY_PATTERN, '8-128 letters and digits');
  const secretKey = optional(
    env,
    'VERSIONARY_SECRET_KEY',
    SECRET_KEY_PATTERN,
    '16-128 printable ASCII characters without spaces',
  );
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new ConfigError('VERSIONARY_ACCESS_KEY and VERSIONARY_SECRET_KEY must be set together');
  }
  const domainName = env.VERSIONARY_DOMAIN_NAME || 'default';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(domainName))
    throw new ConfigError('VERSIONARY_DOMAIN_NAME must be 1-64 letters, digits, "_", "-" or "."');
  const adminPassword = env.VERSIONARY_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && (adminPassword.length < 8 || adminPassword.length > 128)) {
    throw new ConfigError('VERSIONARY_ADMIN_PASSWORD must be 8-128 characters');
  }

  return {
    host,
    port,
    dataDir,
    database,
    region,
    logLevel,
    sqliteSync,
    bodyLimit: int(get('bodyLimit').name, get('bodyLimit').value!, 1024, 1024 ** 3),
    importLimit: int(get('importLimit').name, get('importLimit').value!, 1024, 16 * 1024 ** 3),
    tokenTtlSeconds: int(get('tokenTtlSeconds').name, get('tokenTtlSeconds').value!, 60, 366 * 86400),
    clockSkewSeconds: int(get('clockSkewSeconds').name, get('clockSkewSeconds').value!, 1, 7 * 86400),
    pgPoolSize: int(get('pgPoolSize').name, get('pgPoolSize').value!, 1, 1000),
    pgStatementTimeoutMs: int(get('pgStatementTimeoutMs').name, get('pgStatementTimeoutMs').value!, 100, 3_600_000),
    pgConnectTimeoutMs: int(get('pgConnectTimeoutMs').name, get('pgConnectTimeoutMs').value!, 100, 600_000),
    authCacheMs: int(get('authCacheMs').name, get('authCacheMs').value!, 0, 60_000),
    rateLimit: int(get('rateLimit').name, get('rateLimit').value!, 0, 1e9),
    rateWindowMs: int(get('rateWindowMs').name, get('rateWindowMs').value!, 10, 3_600_000),
    loginAddressLimit: int(get('loginAddressLimit').name, get('loginAddressLimit').value!, 0, 1e9),
    requestTimeoutMs: int(get('requestTimeoutMs').name, get('requestTimeoutMs').value!, 100, 3_600_000),
    responseBudget: int(get('responseBudget').name, get('responseBudget').value!, 1024 * 1024, 64 * 1024 ** 3),
    rfsProviderQuota: int(get('rfsProviderQuota').name, get('rfsProviderQuota').value!, 0, 1e9),
    rfsVersionQuota: int(get('rfsVersionQuota').name, get('rfsVersionQuota').value!, 0, 1e9),
    activityRetentionDays: int(get('activityRetentionDays').name, get('activityRetentionDays').value!, 0, 36_500),
    store,
    seed: seed === undefined ? undefined : path.resolve(seed),
    idSeed,
    masterKey,
    bootstrap: {
      domainName,
      domainId: optional(env, 'VERSIONARY_DOMAIN_ID', ID_PATTERN, '1-64 letters, digits, "_" or "-"'),
      projectId: optional(env, 'VERSIONARY_PROJECT_ID', ID_PATTERN, '1-64 letters, digits, "_" or "-"'),
      adminPassword,
      accessKey,
      secretKey,
    },
  };
}
