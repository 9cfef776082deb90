import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../helpers/backends.js';
import { adminToken, BOOTSTRAP_ENV, startServer } from '../helpers/server.js';
import { rfs } from '../helpers/rfs.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { requestId, seededIds, uuid } from '../../src/platform/ids.js';
import { newId, newToken } from '../../src/iam/crypto.js';

describe.each(BACKENDS)('--id-seed on a store made before (%s)', (kind) => {
  it('refuses to start, naming the setting, and leaves the store as it was', async () => {
    const first = await startServer(kind, { flags: { idSeed: '5' } });
    const token = await adminToken(first);
    expect((await rfs(first, token).createProvider({ provider_name: 'one' })).statusCode).toBe(201);
    await first.app.close();
    await first.opened.store.close();
    // Started again (or a second server on the store) with the seed: its tokens and provider ids
    // would be those the store holds already.
    for (const seed of ['5', '6']) {
      const again = startServer(kind, { flags: { idSeed: seed }, backend: first.backend });
      await expect(again).rejects.toBeInstanceOf(ConfigError);
      await expect(again).rejects.toThrow(/^--id-seed \/ VERSIONARY_ID_SEED needs a new store/);
    }
    const plain = await startServer(kind, { backend: first.backend });
    try {
      const again = await adminToken(plain);
      expect((await rfs(plain, again).createProvider({ provider_name: 'two' })).statusCode).toBe(201);
      const names = await sql<{ provider_name: string }>`
        select provider_name from rfs_providers order by provider_name`.execute(plain.opened.store.db);
      expect(names.rows.map((r) => r.provider_name)).toEqual(['one', 'two']);
    } finally {
      await plain.close();
    }
  }, 60_000);
});

describe('--id-seed values', () => {
  it.each([
    ['0', '0'],
    ['999999999999999', '999999999999999'],
  ])('takes %s', (value, seed) => {
    expect(loadConfig({ idSeed: value }, BOOTSTRAP_ENV).idSeed).toBe(seed);
  });

  it('refuses an empty flag; an empty variable is no seed, as for every setting', () => {
    expect(() => loadConfig({ idSeed: '' }, BOOTSTRAP_ENV)).toThrow(/--id-seed \/ VERSIONARY_ID_SEED must be a whole/);
    expect(loadConfig({}, { ...BOOTSTRAP_ENV, VERSIONARY_ID_SEED: '' }).idSeed).toBeUndefined();
  });

  it.each(['-1', '1234567890123456', 'abc', '1e3', ' 1', '1.0', '0x10', '１'])('refuses %j', (value) => {
    expect(() => loadConfig({ idSeed: value }, BOOTSTRAP_ENV)).toThrow(ConfigError);
    expect(() => loadConfig({}, { ...BOOTSTRAP_ENV, VERSIONARY_ID_SEED: value })).toThrow(
      /--id-seed \/ VERSIONARY_ID_SEED must be a whole number of at most 15 digits/,
    );
  });

  it('makes one seed of a number however it is written, and ids of different kinds that differ', () => {
    expect(seededIds('007').bytes(32, 'id')).toEqual(seededIds('7').bytes(32, 'id'));
    expect(seededIds('7').bytes(32, 'id')).not.toEqual(seededIds('8').bytes(32, 'id'));
    const ids = seededIds('0');
    const made = [
      requestId(ids),
      uuid(ids, 'provider').replaceAll('-', ''),
      newId(ids),
      newToken(ids),
      ids.bytes(16, 'fault').toString('hex'),
    ];
    expect(new Set(made).size).toBe(made.length);
    const again = seededIds('0');
    expect(requestId(again)).toBe(made[0]);
  });
});
