import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { DOMAIN_ID, startServer, type TestServer } from '../helpers/server.js';
import { KEPT, LoginThrottle, network } from '../../src/iam/throttle.js';

type User = { id?: string; name?: string; domain?: { id?: string; name?: string } };

describe.each(BACKENDS)('password guessing on %s', (kind) => {
  let s: TestServer;
  let clock: number;
  let bob: string;

  // A server whose login throttle runs on a clock the tests move.
  beforeEach(async () => {
    clock = Date.parse('2026-01-01T00:00:00Z');
    s = await startServer(kind, { clock: { now: () => clock } });
    bob = (await s.opened.iam.createUser({ name: 'bob', password: 'bob-password' })).id;
  });
  afterEach(async () => {
    await s.close();
  });

  const login = (user: User, password: string, address = '10.0.0.1') =>
    s.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      remoteAddress: address,
      payload: { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } } } },
    });
  const byName: User = { name: 'bob', domain: { name: 'default' } };

  it('counts wrong passwords per user, however the user is named', async () => {
    for (let i = 0; i < 5; i++) expect((await login(byName, 'wrong')).statusCode).toBe(401);
    for (const spelling of [
      { id: bob },
      { id: bob, domain: { id: 'bogus' } },
      { id: bob, domain: { name: 'bogus' } },
      { name: 'bob', domain: { id: DOMAIN_ID } },
    ]) {
      const res = await login(spelling, 'wrong');
      expect(res.statusCode, JSON.stringify(spelling)).toBe(429);
      expect(res.headers['retry-after']).toBe('1');
    }
    // The right password waits too.
    expect((await login({ id: bob }, 'bob-password')).statusCode).toBe(429);
    clock += 1000;
    expect((await login({ id: bob }, 'bob-password')).statusCode).toBe(201);

    // The other way round: guessed by id with a made-up domain, then asked by name.
    for (let i = 0; i < 5; i++)
      expect((await login({ id: bob, domain: { id: 'made-up' } }, 'wrong')).statusCode).toBe(401);
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
    for (let i = 0; i < 29; i++)
      expect((await login({ name: `user-${i}`, domain: { name: 'default' } }, 'Spring2026!')).statusCode).toBe(401);
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

  // Every attempt below is sent at once: each is checked before any of them has its password verified.
  const tally = (results: { statusCode: number; headers: Record<string, unknown> }[]) => {
    const count: Record<string, number> = {};
    for (const r of results) {
      const what = r.statusCode === 429 ? `429 after ${String(r.headers['retry-after'])}` : String(r.statusCode);
      count[what] = (count[what] ?? 0) + 1;
    }
    return count;
  };
  const together = (n: number, attempt: (i: number) => ReturnType<typeof login>) =>
    Promise.all(Array.from({ length: n }, (_, i) => attempt(i)));

  it('lets no more wrong passwords for one user through at once than one after another', async () => {
    // From as many addresses, so only the user's limit applies.
    expect(tally(await together(40, (i) => login(byName, 'wrong', `10.1.0.${i}`)))).toEqual({
      401: 5,
      '429 after 1': 35,
    });
    // The user waits as after 5 wrong passwords sent one by one, the right password too.
    expect((await login({ id: bob }, 'bob-password', '10.2.0.1')).statusCode).toBe(429);
    clock += 1000;
    // Then one attempt at a time: while one runs, a second would be the 7th failure.
    expect(tally(await together(10, (i) => login(byName, 'wrong', `10.3.0.${i}`)))).toEqual({
      401: 1,
      '429 after 2': 9,
    });
    clock += 2000;
    expect((await login(byName, 'bob-password', '10.2.0.1')).statusCode).toBe(201);
    // The right password reset the count: 5 free failures again.
    expect(tally(await together(60, (i) => login({ id: bob }, 'wrong', `10.4.0.${i}`)))).toEqual({
      401: 5,
      '429 after 1': 55,
    });
  });

  it('counts an unknown user sent at once exactly as a known one', async () => {
    const known = tally(await together(40, (i) => login(byName, 'wrong', `10.1.0.${i}`)));
    const unknown = tally(
      await together(40, (i) => login({ name: 'nobody', domain: { name: 'default' } }, 'wrong', `10.2.0.${i}`)),
    );
    expect(unknown).toEqual(known);
    expect(tally(await together(40, (i) => login({ id: 'no-such-id' }, 'wrong', `10.3.0.${i}`)))).toEqual(known);
  });

  it('lets no more wrong passwords from one address through at once than one after another', async () => {
    // One user from one address: whichever limit refuses first, only 5 get through.
    const statuses = (await together(40, () => login(byName, 'wrong'))).map((r) => r.statusCode);
    expect(statuses.filter((c) => c === 401)).toHaveLength(5);
    expect(statuses.filter((c) => c === 429)).toHaveLength(35);
    expect(
      tally(await together(200, (i) => login({ name: `user-${i}`, domain: { name: 'default' } }, 'wrong', '10.0.0.2'))),
    ).toEqual({ 401: 30, '429 after 20': 170 });
    expect((await login(byName, 'bob-password', '10.0.0.2')).statusCode).toBe(429);
    clock += 20_000;
    expect(
      tally(await together(20, (i) => login({ name: `user-${i}`, domain: { name: 'default' } }, 'wrong', '10.0.0.2'))),
    ).toEqual({ 401: 1, '429 after 20': 19 });
  });

  it('gives back what attempts held once they are answered', async () => {
    // Right passwords sent at once all get in, and leave the address and the user as they were.
    expect(tally(await together(40, () => login(byName, 'bob-password')))).toEqual({ 201: 40 });
    for (let i = 0; i < 5; i++) expect((await login(byName, 'wrong')).statusCode).toBe(401);
    expect((await login(byName, 'wrong')).statusCode).toBe(429);
    // A user's 429 costs the address nothing.
    for (let i = 0; i < 24; i++) expect((await login(byName, 'wrong')).statusCode).toBe(429);
    for (let i = 0; i < 25; i++)
      expect((await login({ name: `user-${i}`, domain: { name: 'default' } }, 'wrong')).statusCode).toBe(401);
    expect((await login({ name: 'user-25', domain: { name: 'default' } }, 'wrong')).statusCode).toBe(429);
  });

  it("counts a login naming another domain than the user's as a wrong password", async () => {
    const wrongDomain = { id: bob, domain: { name: 'acme' } };
    const answers = async (user: User, password: string, address: string) => {
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await login(user, password, address);
        out.push([r.statusCode, r.headers['retry-after'], r.json()]);
      }
      return out;
    };
    const refused = await answers(wrongDomain, 'bob-password', '10.0.0.1');
    await s.opened.iam.createUser({ name: 'carl', password: 'carl-password' });
    expect(await answers({ name: 'carl', domain: { name: 'default' } }, 'wrong', '10.0.0.2')).toEqual(refused);
    expect(refused.at(-1)).toEqual([429, '1', expect.anything()]);
  });
});

describe('the login throttle', () => {
  const tooMany = (seconds: number) =>
    expect.objectContaining({ kind: 'too_many', headers: { 'Retry-After': String(seconds) } });
  const begin = async (t: LoginThrottle, key: string, address = '192.0.2.7') => {
    const a = await t.begin(address);
    await a.user(key);
    return a;
  };
  const fail = async (t: LoginThrottle, key: string, address = '192.0.2.7') => (await begin(t, key, address)).failed();
  /** Where a promise stands once everything that can run has. */
  const state = async (p: Promise<unknown>) => {
    let now: unknown = 'waiting';
    p.then(
      () => (now = 'let through'),
      (e: unknown) => (now = e),
    );
    await new Promise((r) => setImmediate(r));
    return now;
  };

  it('counts an IPv6 client by its /64 network and an IPv4-mapped one by its IPv4 address', async () => {
    expect(network('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(network('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(network('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(network('::1')).toBe('0:0:0:0::/64');
    expect(network('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(network('192.0.2.7')).toBe('192.0.2.7');
    const t = new LoginThrottle({ now: () => 0 }, 3);
    for (let i = 0; i < 3; i++) await fail(t, `user-${i}`, `2001:db8::${i + 1}`);
    await expect(t.begin('2001:db8::ffff')).rejects.toEqual(tooMany(20));
    await expect(t.begin('2001:db8:0:1::1')).resolves.toBeDefined();
  });

  it('has no address limit when it is 0', async () => {
    const t = new LoginThrottle({ now: () => 0 }, 0);
    for (let i = 0; i < 100; i++) await fail(t, `user-${i}`);
    await expect(t.begin('192.0.2.7')).resolves.toBeDefined();
  });

  it('holds back an attempt for a user while those under way would use up its free failures', async () => {
    const t = new LoginThrottle({ now: () => 0 }, 0);
    const running = await Promise.all(Array.from({ length: 5 }, () => begin(t, 'bob')));
    const sixth = begin(t, 'bob');
    expect(await state(sixth)).toBe('waiting');
    // Another user is not held back.
    expect(await state(begin(t, 'alice'))).toBe('let through');
    // One wrong: the sixth would still be the 5th failure in a row were the others wrong too.
    running.pop()!.failed();
    expect(await state(sixth)).toBe('waiting');
    // One given back (say the address had to wait): the sixth is let through.
    running.pop()!.release();
    expect(await state(sixth)).toBe('let through');
    running.push(await sixth);
    // The rest wrong: the user waits, and whatever was waiting is answered 429.
    const seventh = begin(t, 'bob');
    expect(await state(seventh)).toBe('waiting');
    for (const a of running) a.failed();
    expect(await state(seventh)).toEqual(tooMany(1));
    expect(t['users']?.get('bob')).toEqual({ count: 5, until: 1000 });
  });

  it('lets in right passwords sent at once, the count starting over at each', async () => {
    const t = new LoginThrottle({ now: () => 0 }, 0);
    for (let i = 0; i < 4; i++) await fail(t, 'bob');
    const first = await begin(t, 'bob');
    const more = Array.from({ length: 3 }, () => begin(t, 'bob'));
    expect(await Promise.all(more.map(state))).toEqual(['waiting', 'waiting', 'waiting']);
    first.succeeded();
    expect(await Promise.all(more.map(state))).toEqual(['let through', 'let through', 'let through']);
    for (const a of await Promise.all(more)) a.succeeded();
    expect(t['users']?.get('bob')).toBeUndefined();
  });

  it('lets one attempt at a time run for a user that has had its free failures', async () => {
    let clock = 0;
    const t = new LoginThrottle({ now: () => clock }, 0);
    for (let i = 0; i < 5; i++) await fail(t, 'bob');
    clock += 1000;
    const a = await begin(t, 'bob');
    const b = begin(t, 'bob');
    clock += 60_000;
    expect(await state(b)).toBe('waiting');
    a.failed();
    // The 6th wrong password: 2 s.
    expect(await state(b)).toEqual(tooMany(2));
  });

  it('holds back an attempt from an address while those under way would use up its allowance', async () => {
    let clock = 0;
    const t = new LoginThrottle({ now: () => clock }, 3);
    const a = await Promise.all([t.begin('192.0.2.7'), t.begin('192.0.2.7'), t.begin('192.0.2.7')]);
    const fourth = t.begin('192.0.2.7');
    expect(await state(fourth)).toBe('waiting');
    expect(await state(t.begin('192.0.2.8'))).toBe('let through');
    // A right password gives its place back, not the failures before it.
    await a[0]!.user('bob');
    a[0]!.succeeded();
    expect(await state(fourth)).toBe('let through');
    const fifth = t.begin('192.0.2.7');
    for (const x of [a[1]!, a[2]!, await fourth]) x.failed();
    expect(await state(fifth)).toEqual(tooMany(20));
    // Given back only as time goes by.
    clock += 20_000;
    await t.begin('192.0.2.7');
    expect(await state(t.begin('192.0.2.7'))).toBe('waiting');
  });

  it('forgets an attempt once it is settled, and settles it once', async () => {
    const t = new LoginThrottle({ now: () => 0 }, 30);
    const a = await begin(t, 'bob');
    expect([t['running'].users.size, t['running'].addresses.size]).toEqual([1, 1]);
    a.failed();
    a.failed();
    a.release();
    expect([t['running'].users.size, t['running'].addresses.size]).toEqual([0, 0]);
    expect(t['users']?.get('bob')?.count).toBe(1);
    await expect(a.user('alice')).rejects.toThrow();
  });

  it('holds in bounded memory however many attempts are under way', async () => {
    const t = new LoginThrottle({ now: () => 0 }, 0);
    for (let i = 0; i < KEPT; i++) await begin(t, `user-${i}`);
    await expect(begin(t, 'one-more')).rejects.toEqual(tooMany(1));
    await begin(t, 'user-0');
    expect(t['running'].users.size).toBe(KEPT);
    // As many may wait; one more is answered at once.
    for (let i = 0; i < 3; i++) await begin(t, 'user-0');
    const waiting = Array.from({ length: KEPT }, () => begin(t, 'user-0'));
    expect(await state(waiting[0]!)).toBe('waiting');
    expect(await state(begin(t, 'user-0'))).toEqual(tooMany(1));
    expect(t['waiting']).toBe(KEPT);
  });
});
