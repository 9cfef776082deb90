import { Writable } from 'node:stream';
import type { Clock } from '../../src/platform/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openApp, serverDeps, type Opened } from '../../src/app.js';
import { buildServer } from '../../src/server.js';
import { createLogger } from '../../src/platform/logger.js';
import type { App } from '../../src/platform/http.js';
import { freshBackend, type Backend, type BackendName } from './backends.js';

export const ADMIN_PASSWORD = 'admin-password-1';
export const ACCESS_KEY = 'TESTAKSKVECTORAK0001';
export const SECRET_KEY = 'testVectorSecretKey000000000000000000001';
export const PROJECT_ID = '0123456789abcdef0123456789abcdef';
export const DOMAIN_ID = 'fedcba9876543210fedcba9876543210';
export const MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** The environment that gives a new store the known identity above. */
export const BOOTSTRAP_ENV = {
  VERSIONARY_MASTER_KEY: MASTER_KEY,
  VERSIONARY_ADMIN_PASSWORD: ADMIN_PASSWORD,
  VERSIONARY_ACCESS_KEY: ACCESS_KEY,
  VERSIONARY_SECRET_KEY: SECRET_KEY,
  VERSIONARY_PROJECT_ID: PROJECT_ID,
  VERSIONARY_DOMAIN_ID: DOMAIN_ID,
};

export interface TestServer {
  app: App;
  opened: Opened;
  backend: Backend;
  config: Config;
  logs: string[];
  /** Re-opens the same store with a new server, as a restart would. */
  restart(): Promise<TestServer>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  flags?: Record<string, string>;
  /** The clock of the server and IAM (signature dates, stored times, token expiry, login throttling). */
  clock?: Clock;
  backend?: Backend;
}

/** A server over a fresh store with a known bootstrap identity (the vector keys and ids). */
export async function startServer(kind: BackendName, opts: StartOptions = {}): Promise<TestServer> {
  const backend = opts.backend ?? (await freshBackend(kind));
  const env = { ...BOOTSTRAP_ENV, ...opts.env };
  const config = loadConfig(
    {
      dataDir: backend.dataDir,
      database: backend.database,
      sqliteSync: 'normal',
      logLevel: 'info',
      authCacheMs: '0',
      ...opts.flags,
    },
    env,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const opened = await openApp(config, { clock: opts.clock });
  const app = buildServer(serverDeps(config, createLogger(config.logLevel, sink), opened));
  await app.ready();
  const server: TestServer = {
    app,
    opened,
    backend,
    config,
    logs,
    async restart() {
      await app.close();
      await opened.store.close();
      return startServer(kind, { ...opts, backend });
    },
    async close() {
      await app.close();
      await opened.store.close();
      await backend.drop();
    },
  };
  return server;
}

export function passwordBody(
  opts: { user?: string; password?: string; domain?: string; project?: string; scopeDomain?: string } = {},
) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: opts.user ?? 'admin',
            password: opts.password ?? ADMIN_PASSWORD,
            domain: { name: opts.domain ?? 'default' },
          },
        },
      },
      ...(opts.scopeDomain
        ? { scope: { domain: { name: opts.scopeDomain } } }
        : { scope: { project: { name: opts.project ?? 'cn-north-7' } } }),
    },
  };
}

/** Issues a project-scoped token for admin. */
export async function adminToken(s: TestServer): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody() });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.headers['x-subject-token'] as string;
}
