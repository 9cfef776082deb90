import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { DOMAIN_ID, MASTER_KEY, startServer, type TestServer } from '../helpers/server.js';
import { buildServer } from '../../src/server.js';
import { serverDeps } from '../../src/app.js';
import { createLogger } from '../../src/platform/logger.js';
import { IamService } from '../../src/iam/service.js';
import { SecretBox } from '../../src/iam/crypto.js';
import { LoginThrottle, network } from '../../src/iam/throttle.js';
import type { App } from '../../src/platform/http.js';

type User = { id?: string; name?: string; domain?: { id?: string; name?: string } };

describe.each(BACKENDS)('password guessing on %s', (kind) => {
  let s: TestServer;
  let app: App;
  let clock: number;
  let bob: string;

  // A server whose login throttle runs on a clock the tests move.
  beforeEach(async () => {
    s = await startServer(kind);
    clock = Date.parse('2026-01-01T00:00:00Z');
    const iam = new IamService(s.opened.store.db, new SecretBox(Buffer.from(MASTER_KEY, 'hex')), { region: 'cn-north-7', tokenTtlSeconds: 3600, now: () => clock });
    app = buildServer({ ...serverDeps(s.config, createLogger('silent'), s.opened), iam });
    await app.ready();
    bob = (await iam.createUser({ name: 'bob', password: 'bob-password' })).id;
  });
  afterEach(async () => {
    await app.close();
    await s.close();
  });

  const login = (user: User, password: string, address = '10.0.0.1') =>
    app.inject({ method: 'POST', url: '/v3/auth/tokens', remoteAddress: address, payload: { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } } } } });
  const byName: User = { name: 'bob', domain: { name: 'default' } };

  it('counts wrong passwords per user, however the user is named', async () => {
    for (let i = 0; i < 5; i++) expect((await login(byName, 'wrong')).statusCode).toBe(401);
    for (const spelling of [{ id: bob }, { id: bob, domain: { id: 'bogus' } }, { id: bob, domain: { name: 'bogus' } }, { name: 'bob', domain: { id: DOMAIN_ID } }]) {
      const res = await login(spelling, 'wrong');
      expect(res.statusCode, JSON.stringify(spelling)).toBe(429);
      expect(res.headers['retry-after']).toBe('1');
    }
    // The right password waits too.
    expect((await login({ id: bob }, 'bob-password')).statusCode).toBe(429);
    clock += 1000;
    expect((await login({ id: bob }, 'bob-password')).statusCode).toBe(201);

    // The other way round: guessed by id with a made-up domain, then asked by name.
    for (let i = 0; i < 5; i++) expect((await login({ id: bob, domain: { id: 'made-up' } }, 'wrong')).statusCode).toBe(401);
    const slowed = await login(byName, 'bob-password');
    expect(slowed.statusCode).toBe(429);
    expect(slowed.json()).toEqual({ error_code: 'APIGW.0308', error_msg: expect.stringContaining('retry after 1 s') });
    clock += 1000;
    expect((await login(byName, 'wrong')).statusCode).toBe(401);
    expect((await login(byName, 'bob-password')).headers['retry-after']).toBe('2');
  });

  it('answers an unknown user exactly as a wrong password, and slows it down the same way', async () => {
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await login(byName, 'wrong', '10.0.0.1');
      const b = await login({ name: 'nobody', domain: { name: 'default' } }, 'wrong', '10.0.0.2');
      known.push([a.statusCode, a.headers['retry-after'], a.json()]);
      unknown.push([b.statusCode, b.headers['retry-after'], b.json()]);
    }
    expect(unknown).toEqual(known);
    expect(known.at(-1)).toEqual([429, '1', expect.anything()]);
    // The unknown name is counted under its domain, however the domain is named.
    expect((await login({ name: 'nobody', domain: { id: DOMAIN_ID } }, 'wrong', '10.0.0.3')).statusCode).toBe(429);
    expect((await login({ id: 'no-such-id' }, 'wrong', '10.0.0.3')).statusCode).toBe(401);
  });

  it('slows down an address spraying one password over many users; a right password gives nothing back', async () => {
    for (let i = 0; i < 29; i++) expect((await login({ name: `user-${i}`, domain: { name: 'default' } }, 'Spring2026!')).statusCode).toBe(401);
    expect((await login(byName, 'bob-password')).statusCode).toBe(201);
    expect((await login({ name: 'user-29', domain: { name: 'default' } }, 'Spring2026!')).statusCode).toBe(401);
    const limited = await login({ name: 'user-30', domain: { name: 'default' } }, 'Spring2026!');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('20');
    expect(limited.json().error_code).toBe('APIGW.0308');
    expect((await login(byName, 'bob-password')).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await login(byName, 'bob-password', '10.0.0.9')).statusCode).toBe(201);
    // One more attempt every 20 s.
    clock += 20_000;
    expect((await login({ name: 'user-31', domain: { name: 'default' } }, 'Spring2026!')).statusCode).toBe(401);
    expect((await login({ name: 'user-32', domain: { name: 'default' } }, 'Spring2026!')).statusCode).toBe(429);
  });
});

describe('the login throttle', () => {
  it('counts an IPv6 client by its /64 network and an IPv4-mapped one by its IPv4 address', () => {
    expect(network('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(network('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(network('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(network('::1')).toBe('0:0:0:0::/64');
    expect(network('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(network('192.0.2.7')).toBe('192.0.2.7');
    const t = new LoginThrottle(() => 0, 3);
    for (let i = 0; i < 3; i++) t.failed(`user-${i}`, `2001:db8::${i + 1}`);
    expect(() => t.checkAddress('2001:db8::ffff')).toThrow(expect.objectContaining({ kind: 'too_many' }));
    expect(() => t.checkAddress('2001:db8:0:1::1')).not.toThrow();
  });

  it('has no address limit when it is 0', () => {
    const t = new LoginThrottle(() => 0, 0);
    for (let i = 0; i < 100; i++) t.failed(`user-${i}`, '192.0.2.7');
    expect(() => t.checkAddress('192.0.2.7')).not.toThrow();
  });
});
