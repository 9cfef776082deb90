import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { serverDeps, type Opened } from '../src/app.js';
import { SERVER_SETTINGS } from '../src/server.js';
import { createLogger } from '../src/platform/logger.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      region: 'cn-north-7',
      logLevel: 'info',
      sqliteSync: 'full',
      bodyLimit: 1048576,
      tokenTtlSeconds: 86400,
    });
    expect(c.dataDir).toBe(path.resolve('data'));
    expect(c.database).toBe(`sqlite:${path.resolve('data', 'versionary.db')}`);
    expect(c.bootstrap.domainName).toBe('default');
  });

  it('reads every setting from the environment, and a flag wins over it', () => {
    const env = {
      VERSIONARY_PORT: '9000',
      VERSIONARY_REGION: 'cn-east-3',
      VERSIONARY_DATABASE_URL: 'postgres://u:p@db:5432/v',
      VERSIONARY_SQLITE_SYNC: 'NORMAL',
    };
    const c = loadConfig({ port: '9100' }, env);
    expect(c.port).toBe(9100);
    expect(c.region).toBe('cn-east-3');
    expect(c.database).toBe('postgres://u:p@db:5432/v');
    expect(c.sqliteSync).toBe('normal');
  });

  it.each([
    [{ port: '80a' }, {}, /--port \/ VERSIONARY_PORT must be a whole number/],
    [{ port: '70000' }, {}, /between 0 and 65535/],
    [{ database: 'mysql://x' }, {}, /--database \/ VERSIONARY_DATABASE_URL must be sqlite/],
    [{ region: 'Not A Region' }, {}, /region id/],
    [{ logLevel: 'loud' }, {}, /--log-level/],
    [{ sqliteSync: 'off' }, {}, /full or normal/],
    [{}, { VERSIONARY_MASTER_KEY: 'abc' }, /VERSIONARY_MASTER_KEY must be 64 hex/],
    [{}, { VERSIONARY_ACCESS_KEY: 'ABCDEFGHIJ' }, /must be set together/],
    [{}, { VERSIONARY_PROJECT_ID: 'has space' }, /VERSIONARY_PROJECT_ID/],
    [{}, { VERSIONARY_ADMIN_PASSWORD: 'short' }, /8-128/],
  ])('refuses %j %j with one clear message', (flags, env, message) => {
    expect(() => loadConfig(flags, env)).toThrow(ConfigError);
    expect(() => loadConfig(flags, env)).toThrow(message);
  });

  it('gives the server the settings it reads, as loaded, and no secret', () => {
    const c = loadConfig(
      { region: 'cn-east-3', rateLimit: '7', responseBudget: String(2 * 1024 * 1024) },
      { VERSIONARY_MASTER_KEY: '00'.repeat(32), VERSIONARY_ADMIN_PASSWORD: 'admin-password-1' },
    );
    const opened = { store: {}, iam: {}, metrics: {}, markerKey: Buffer.alloc(32), clock: { now: () => 0 } };
    const deps = serverDeps(c, createLogger('silent'), opened as unknown as Omit<Opened, 'bootstrap'>);
    for (const key of SERVER_SETTINGS) expect(deps[key], key).toBe(c[key]);
    expect(deps).toMatchObject({ region: 'cn-east-3', rateLimit: 7, responseBudget: 2 * 1024 * 1024 });
    expect(deps).not.toHaveProperty('masterKey');
    expect(deps).not.toHaveProperty('bootstrap');
    expect(deps.clock).toBe(opened.clock);
  });
});
