import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import { isForeignKeyViolation } from '../store/db.js';
import type { Principal } from '../platform/auth.js';
import { isoNow, type Clock } from '../platform/clock.js';
import type { UserTable } from '../store/types.js';
import { newToken, sha256Hex, verifyPassword } from './crypto.js';
import { principalOf, type TokenRow } from './queries.js';
import type { IamRepo } from './repo.js';
import type { PasswordAuthBody } from './schemas.js';
import { LoginThrottle } from './throttle.js';
import type { IdSource } from '../platform/ids.js';

export interface IssuedToken {
  token: string;
  row: TokenRow;
}

export interface TokenOptions {
  tokenTtlSeconds: number;
  /** How long a checked token is remembered (none: not at all). */
  authCacheMs?: number;
  /** Wrong passwords one client address may send (throttle.ts). */
  loginAddressLimit?: number;
  clock: Clock;
  /** Where generated ids and secrets come from (platform/ids.ts). */
  ids?: IdSource;
}

/** Verified against when the user does not exist, so both cases take as long. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const TOKEN_SHAPE = /^vtk-[A-Za-z0-9_-]{43}$/;

type LoginUser = NonNullable<PasswordAuthBody['auth']['identity']['password']>['user'];
type Scope = PasswordAuthBody['auth']['scope'];

/** Tokens one user may get with the token method at once; then one more every TRADE_REFILL_MS. */
export const TRADES_PER_USER = 30;
export const TRADE_REFILL_MS = 2_000;

/**
 * The token method costs no password check: without a bound, one live token could have the store
 * write thousands of tokens a second that all live until it expires. Per user, per process, in
 * bounded memory: TRADES_PER_USER at once, then one every TRADE_REFILL_MS; over it, 429.
 */
class TradeThrottle {
  /** Made on the first trade: a cache this size takes milliseconds to allocate, and most servers never trade. */
  private used?: LRUCache<string, { level: number; at: number }>;
  constructor(private readonly clock: Clock) {}

  take(userId: string): void {
    const now = this.clock.now();
    this.used ??= new LRUCache({ max: 100_000 });
    const was = this.used.get(userId);
    const level = was ? Math.max(0, was.level - Math.max(0, now - was.at) / TRADE_REFILL_MS) : 0;
    if (level + 1 > TRADES_PER_USER) {
      const seconds = Math.max(1, Math.ceil(((level + 1 - TRADES_PER_USER) * TRADE_REFILL_MS) / 1000));
      throw new AppError('too_many', `Too many tokens from the token method; retry after ${seconds} s.`, undefined, {
        'Retry-After': String(seconds),
      });
    }
    this.used.set(userId, { level: level + 1, at: now });
  }
}

/** Password logins, and the tokens they issue: checked, cached and swept once expired. */
export class Tokens {
  /**
   * Checked tokens, remembered for opts.authCacheMs at most: that is how long a token can still pass on this replica
   * after its user is deleted elsewhere.
   */
  private readonly cache?: LRUCache<string, { principal: Principal; expiresAt: number }>;
  private readonly logins: LoginThrottle;
  private readonly trades: TradeThrottle;

  constructor(
    private readonly repo: IamRepo,
    private readonly opts: TokenOptions,
  ) {
    this.logins = new LoginThrottle(opts.clock, opts.loginAddressLimit);
    this.trades = new TradeThrottle(opts.clock);
    if (opts.authCacheMs) this.cache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
  }

  /**
   * POST /v3/auth/tokens from a client address: a password login, or a live token of the same user
   * for another scope (Keystone's token method; the new token expires with the one it came from).
   * Any failure to identify is the same 401, whether the user exists or not.
   */
  async issue(body: PasswordAuthBody, address = ''): Promise<IssuedToken> {
    const { identity, scope } = body.auth;
    checkScope(scope);
    if (identity.methods.includes('password') && identity.password) {
      return this.scoped(await this.checkPassword(identity.password.user, scope, address), scope);
    }
    if (identity.methods.includes('token') && identity.token) {
      const from = await this.lookup(identity.token.id);
      const user = from && (await this.repo.userById(from.user_id));
      if (!from || !user) throw new AppError('unauthorized', 'The token is unknown or expired.');
      this.trades.take(user.id);
      return this.scoped(user, scope, from.expires_at);
    }
    throw new AppError(
      'invalid',
      'auth.identity.methods: password (with auth.identity.password) or token (with auth.identity.token)',
    );
  }

  private async checkPassword(u: LoginUser, scope: Scope, address: string): Promise<UserTable> {
    // Counted as a wrong password from its check until it is answered: attempts sent at once are
    // answered as if sent one after another.
    const attempt = await this.logins.begin(address);
    try {
      const found = await this.findUser(u, scope);
      await attempt.user(found.key);
      const ok = await verifyPassword(u.password, found.user?.password_hash ?? DUMMY_HASH);
      if (!found.user || !ok) {
        attempt.failed();
        throw new AppError('unauthorized', 'The username or password is wrong.');
      }
      attempt.succeeded();
      return found.user;
    } finally {
      attempt.release();
    }
  }

  /**
   * A new token of `stored` for the scope asked for, expiring after the TTL, or at `until` if sooner.
   * A project named with a domain must be of the user's domain, as a domain scope must be.
   */
  private async scoped(stored: UserTable, scope: Scope, until?: string): Promise<IssuedToken> {
    const domain = (await this.repo.domainById(stored.domain_id))!;
    const notHers = (d: { id?: string; name?: string } | undefined) =>
      !!d && ((d.id !== undefined && d.id !== domain.id) || (d.name !== undefined && d.name !== domain.name));
    let project: { id: string; name: string } | null = null;
    if (scope?.project) {
      const found = scope.project.id
        ? await this.repo.projectById(scope.project.id)
        : (await this.repo.listProjects(domain.id, scope.project.name!)).at(0);
      if (!found || found.domain_id !== domain.id || notHers(scope.project.domain))
        throw new AppError('unauthorized', 'The scoped project is not available to this user.');
      project = found;
    } else if (notHers(scope?.domain)) {
      throw new AppError('unauthorized', 'The scoped domain is not available to this user.');
    }
    const token = newToken(this.opts.ids);
    const issued = this.opts.clock.now();
    const ttl = new Date(issued + this.opts.tokenTtlSeconds * 1000).toISOString();
    const stamps = {
      issued_at: new Date(issued).toISOString(),
      expires_at: until !== undefined && until < ttl ? until : ttl,
    };
    const ids = { user_id: stored.id, project_id: project?.id ?? null, domain_id: domain.id };
    try {
      await this.repo.transaction((repo) => repo.insertToken({ token_hash: sha256Hex(token), ...ids, ...stamps }));
    } catch (err) {
      // The user or the project was deleted since it was read.
      if (isForeignKeyViolation(err)) {
        throw new AppError(
          'unauthorized',
          project ? 'The scoped project is not available to this user.' : 'The user no longer exists.',
        );
      }
      throw err;
    }
    const row: TokenRow = {
      ...ids,
      ...stamps,
      user_name: stored.name,
      is_admin: stored.is_admin,
      domain_name: domain.name,
      project_name: project?.name ?? null,
    };
    return { token, row };
  }

  /**
   * The user a login names (none when the domain given is not the user's: each of its id and name
   * that is given must be the user's domain's), and the key its wrong passwords count under: the
   * user's id however it is named, else the name or id as given.
   */
  private async findUser(u: LoginUser, scope: Scope): Promise<{ user?: UserTable; key: string }> {
    const given = u.domain;
    if (u.id) {
      const user = await this.repo.userById(u.id);
      if (!user) return { key: `id:${u.id}` };
      const key = `user:${user.id}`;
      if (given?.id && given.id !== user.domain_id) return { key };
      if (given?.name && given.name !== (await this.repo.domainById(user.domain_id))?.name) return { key };
      return { user, key };
    }
    const by = given?.id || given?.name ? given : scope?.domain;
    let domain: { id: string; name: string } | undefined;
    if (by?.id) domain = await this.repo.domainById(by.id);
    else if (by?.name) domain = await this.repo.domainByName(by.name);
    else {
      const all = await this.repo.listDomains();
      domain = all.length === 1 ? all[0] : undefined;
    }
    const user = domain && u.name ? await this.repo.userByName(domain.id, u.name) : undefined;
    // A domain given by id and name must be both; the scope's domain is checked once the password is.
    if (user && by === given && by?.id && by.name && by.name !== domain!.name) return { key: `user:${user.id}` };
    if (user) return { user, key: `user:${user.id}` };
    const where = domain?.id ?? (by?.id ? `id=${by.id}` : `name=${by?.name ?? ''}`);
    return { key: `name:${JSON.stringify([where, u.name ?? ''])}` };
  }

  /** The live token's details, or null when it is unknown, malformed or expired. */
  async lookup(token: string): Promise<TokenRow | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = await this.repo.tokenByHash(sha256Hex(token));
    if (!row || row.expires_at <= isoNow(this.opts.clock)) return null;
    return row;
  }

  /** A cache hit answers synchronously: the hot path of every request does not wait on a promise. */
  principalFor(token: string): Principal | null | Promise<Principal | null> {
    const cached = this.cache?.get(token);
    if (cached && cached.expiresAt > this.opts.clock.now()) return { ...cached.principal };
    return this.lookup(token).then((row) => {
      if (!row) return null;
      const principal = principalOf(row, row.project_id, row.project_name);
      this.cache?.set(token, { principal, expiresAt: Date.parse(row.expires_at) });
      return { ...principal };
    });
  }

  /** Deletes the tokens expired by now; how many. */
  sweepExpired(): Promise<number> {
    return this.repo.transaction((repo) => repo.deleteExpiredTokens(isoNow(this.opts.clock)));
  }
}

/** Keystone's rules of a scope: a project or a domain, not both; each named by id or name. */
function checkScope(scope: Scope): void {
  if (scope?.project && scope.domain) {
    throw new AppError('invalid', 'auth.scope: a project or a domain, not both');
  }
  if (scope?.project && !scope.project.id && !scope.project.name) {
    throw new AppError('invalid', 'auth.scope.project: id or name is required');
  }
  if (scope?.domain && !scope.domain.id && !scope.domain.name) {
    throw new AppError('invalid', 'auth.scope.domain: id or name is required');
  }
}
