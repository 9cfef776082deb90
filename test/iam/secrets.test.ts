import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshBackend } from '../helpers/backends.js';
import { ACCESS_KEY, ADMIN_PASSWORD, SECRET_KEY, startServer } from '../helpers/server.js';

describe('secrets at rest', () => {
  it('stores secret keys encrypted and passwords as scrypt hashes', async () => {
    const s = await startServer('sqlite');
    const key = await s.opened.store.db
      .selectFrom('access_keys')
      .selectAll()
      .where('access_key', '=', ACCESS_KEY)
      .executeTakeFirstOrThrow();
    expect(key.secret_enc).not.toContain(SECRET_KEY);
    expect(key.secret_enc.split('.')).toHaveLength(3);
    const user = await s.opened.store.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', 'admin')
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain(ADMIN_PASSWORD);
    await s.close();
  });

  it('generates a 0600 master key file when none is given, and refuses a different key later', async () => {
    const backend = await freshBackend('sqlite');
    const s = await startServer('sqlite', { backend, env: { VERSIONARY_MASTER_KEY: '' } });
    const file = path.join(backend.dataDir, 'master.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    await s.opened.store.close();
    await s.app.close();
    await expect(startServer('sqlite', { backend, env: { VERSIONARY_MASTER_KEY: 'ab'.repeat(32) } })).rejects.toThrow(
      /master key does not match/,
    );
    const again = await startServer('sqlite', { backend, env: { VERSIONARY_MASTER_KEY: '' } });
    expect(again.opened.bootstrap).toBeNull();
    await again.close();
  });
});
