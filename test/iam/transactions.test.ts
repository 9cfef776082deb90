import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, freshBackend, type Backend } from '../helpers/backends.js';
import { MASTER_KEY } from '../helpers/server.js';
import { openStore, type Store, type Transact } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { SecretBox } from '../../src/iam/crypto.js';
import { IamService } from '../../src/iam/service.js';

const login = (name: string, password: string) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, password, domain: { name: 'default' } } } },
    scope: { project: { name: 'cn-north-7' } },
  },
});

describe.each(BACKENDS)('IAM writes on %s', (kind) => {
  let backend: Backend;
  let store: Store;
  let iam: IamService;
  let time: number;
  let batches: number[];
  /** The transactions IAM ran, and those running now. */
  let ran: number;
  let running: number;

  beforeEach(async () => {
    backend = await freshBackend(kind);
    batches = [];
    store = openStore({ database: backend.database, sqliteSync: 'normal', onBatch: (n) => batches.push(n) });
    await migrate(store);
    ran = 0;
    running = 0;
    const transact: Transact = async (fn) => {
      ran++;
      running++;
      try {
        return await store.transact(fn);
      } finally {
        running--;
      }
    };
    time = Date.parse('2026-03-01T08:00:00.000Z');
    iam = new IamService({ ...store, transact }, new SecretBox(Buffer.from(MASTER_KEY, 'hex')), {
      region: 'cn-north-7',
      tokenTtlSeconds: 3600,
      clock: { now: () => time },
    });
    await iam.bootstrap({ domainName: 'default', adminPassword: 'admin-password-1' });
  });
  afterEach(async () => {
    await store.close();
    await backend.drop();
  });

  /** How many transactions fn ran. */
  const counted = async (fn: () => Promise<unknown>) => {
    const before = ran;
    await fn().catch(() => undefined);
    expect(running).toBe(0);
    return ran - before;
  };

  it('makes every change in a transaction of the store', async () => {
    expect(await counted(() => iam.createDomain({ name: 'acme' }))).toBe(1);
    expect(await counted(() => iam.createDomain({ name: 'acme' }))).toBe(1);
    await expect(iam.createDomain({ name: 'acme' })).rejects.toMatchObject({ kind: 'conflict' });
    expect(await counted(() => iam.createProject({ name: 'cn-east-3', domain: 'acme' }))).toBe(1);
    expect(await counted(() => iam.createUser({ name: 'ann', password: 'ann-password', domain: 'acme' }))).toBe(1);
    const key = await iam.createKey('ann', 'acme');
    expect(await counted(() => iam.deleteKey(key.accessKey))).toBe(1);
    expect(await counted(() => iam.deleteUser('ann', 'acme'))).toBe(1);
    expect(await counted(() => iam.deleteProject('cn-east-3', 'acme'))).toBe(1);
    expect(await counted(() => iam.deleteDomain('acme'))).toBe(1);
    expect(await counted(() => iam.issueToken(login('admin', 'admin-password-1')))).toBe(1);
    expect(await counted(() => iam.sweepExpiredTokens())).toBe(1);
    // Reads take none.
    expect(await counted(() => iam.listDomains())).toBe(0);
    expect(await counted(() => iam.listKeys())).toBe(0);
  });

  it('stores and checks times by its clock', async () => {
    await iam.createDomain({ name: 'acme' });
    expect((await iam.listDomains()).find((d) => d.name === 'acme')?.created_at).toBe('2026-03-01T08:00:00.000Z');
    const { token, row } = await iam.issueToken(login('admin', 'admin-password-1'));
    expect(row).toMatchObject({ issued_at: '2026-03-01T08:00:00.000Z', expires_at: '2026-03-01T09:00:00.000Z' });
    expect(await iam.lookupToken(token)).toEqual(row);
    time += 3600_000 - 1;
    expect(await iam.principalForToken(token)).toMatchObject({ userName: 'admin', projectName: 'cn-north-7' });
    expect(await iam.sweepExpiredTokens()).toBe(0);
    time += 1;
    expect(await iam.lookupToken(token)).toBeNull();
    expect(await iam.principalForToken(token)).toBeNull();
    time += 1;
    expect(await iam.sweepExpiredTokens()).toBe(1);
    time -= 3600_000;
    expect(await iam.lookupToken(token)).toBeNull();
  });

  it.runIf(kind === 'sqlite')('commits changes made at once together (group commit)', async () => {
    batches = [];
    await Promise.all(Array.from({ length: 20 }, (_, i) => iam.createDomain({ name: `d-${i}` })));
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect((await iam.listDomains()).length).toBe(21);
  });

  it('deletes a domain while projects are created in it: each project goes with it or is refused', async () => {
    await iam.createDomain({ name: 'acme' });
    const creates = Array.from({ length: 10 }, (_, i) => iam.createProject({ name: `p-${i}`, domain: 'acme' }));
    const deleted = iam.deleteDomain('acme');
    const settled = await Promise.allSettled([deleted, ...creates]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled' });
    const left = await store.db.selectFrom('projects').select('name').where('name', 'like', 'p-%').execute();
    expect(left).toEqual([]);
  });
});
