import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MEMORY_DATABASE } from '../../src/config.js';

describe('the test kit settings', () => {
  it('default to a database store, no seed and random ids', () => {
    expect(loadConfig({}, {})).toMatchObject({ store: 'database', seed: undefined, idSeed: undefined });
  });

  it('read --store, --seed and --id-seed from flags or the environment', () => {
    const env = { VERSIONARY_STORE: 'memory', VERSIONARY_SEED: 'known.json', VERSIONARY_ID_SEED: '42' };
    expect(loadConfig({}, env)).toMatchObject({
      store: 'memory',
      database: MEMORY_DATABASE,
      seed: path.resolve('known.json'),
      idSeed: '42',
    });
    expect(loadConfig({ idSeed: '7', store: 'database' }, env)).toMatchObject({ store: 'database', idSeed: '7' });
  });

  it.each([
    [{ store: 'disk' }, {}, /--store \/ VERSIONARY_STORE must be memory or database, got "disk"/],
    [{ store: 'memory', database: 'sqlite:x.db' }, {}, /do not also set --database \/ VERSIONARY_DATABASE_URL/],
    [{ store: 'memory' }, { VERSIONARY_DATABASE_URL: 'postgres://x/y' }, /do not also set --database/],
    [{ idSeed: '-1' }, {}, /--id-seed \/ VERSIONARY_ID_SEED must be a whole number/],
    [{ idSeed: '1234567890123456' }, {}, /at most 15 digits/],
    [{ seed: ' ' }, {}, /--seed \/ VERSIONARY_SEED must name a file/],
  ])('refuses %j %j with one clear message', (flags, env, message) => {
    expect(() => loadConfig(flags, env)).toThrow(ConfigError);
    expect(() => loadConfig(flags, env)).toThrow(message);
  });
});
