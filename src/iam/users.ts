import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import type { Principal } from '../platform/auth.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { hashPassword, newAccessKey, newId, newPassword, newSecretKey, type SecretBox } from './crypto.js';
import { insertNew, NAME, type Domains, type Found } from './domains.js';
import { principalOf, type KeyRow } from './queries.js';
import type { IamRepo } from './repo.js';
import type { IdSource } from '../platform/ids.js';

export interface UserOptions {
  /** How long a checked access key is remembered (none: not at all). */
  authCacheMs?: number;
  clock: Clock;
  /** Where generated ids and secrets come from (platform/ids.ts). */
  ids?: IdSource;
}

/** The users of domains, and their access keys. */
export class Users {
  /**
   * Checked access keys, remembered for opts.authCacheMs at most: that is how long a key can still pass on this
   * replica after it is revoked or its user deleted elsewhere.
   */
  private readonly keyCache?: LRUCache<string, { principal: Principal; secretKey: string }>;

  constructor(
    private readonly repo: IamRepo,
    private readonly domains: Domains,
    private readonly box: SecretBox,
    private readonly opts: UserOptions,
  ) {
    if (opts.authCacheMs) this.keyCache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
  }

  /** The user an access key belongs to, and its secret key; a cache hit answers synchronously. */
  principalForKey(accessKey: string): Found<{ principal: Principal; secretKey: string }> {
    if (accessKey.length > 128) return null;
    const cached = this.keyCache?.get(accessKey);
    if (cached) return { principal: { ...cached.principal }, secretKey: cached.secretKey };
    return this.repo.keyById(accessKey).then((row) => {
      if (!row) return null;
      const found = { principal: principalOf(row, null, null), secretKey: this.box.open(row.secret_enc) };
      this.keyCache?.set(accessKey, found);
      return { principal: { ...found.principal }, secretKey: found.secretKey };
    });
  }

  async createUser(input: {
    name: string;
    password?: string;
    admin?: boolean;
    domain?: string;
  }): Promise<{ id: string; name: string; domain: string; generatedPassword?: string }> {
    if (!NAME.test(input.name))
      throw new AppError('invalid', 'user name must be 1-64 letters, digits, "_", "-" or "."');
    if (input.password !== undefined && (input.password.length < 8 || input.password.length > 128)) {
      throw new AppError('invalid', 'password must be 8-128 characters');
    }
    const domain = await this.domains.resolveDomain(input.domain);
    const password = input.password ?? newPassword(this.opts.ids);
    const row = {
      id: newId(this.opts.ids),
      domain_id: domain.id,
      name: input.name,
      password_hash: await hashPassword(password),
      is_admin: input.admin ? 1 : 0,
      created_at: isoNow(this.opts.clock),
    };
    await insertNew(this.repo, (repo) => repo.insertUser(row), `user ${input.name}`, ` in domain ${domain.name}`);
    return {
      id: row.id,
      name: input.name,
      domain: domain.name,
      generatedPassword: input.password ? undefined : password,
    };
  }

  /** The users of a domain (by id), or of all domains. */
  listUsers(domainId?: string) {
    return this.repo.listUsers(domainId);
  }

  async deleteUser(name: string, domainName?: string): Promise<void> {
    const domain = await this.domains.resolveDomain(domainName);
    const deleted = await this.repo.transaction(async (repo) => {
      const user = await repo.userByName(domain.id, name);
      return user !== undefined && (await repo.deleteUser(user.id));
    });
    if (!deleted) throw new AppError('not_found', `user ${name} does not exist in domain ${domain.name}`);
  }

  async createKey(
    userName: string,
    domainName?: string,
    description = '',
  ): Promise<{ accessKey: string; secretKey: string; domain: string }> {
    const domain = await this.domains.resolveDomain(domainName);
    const user = await this.repo.userByName(domain.id, userName);
    if (!user) throw new AppError('not_found', `user ${userName} does not exist in domain ${domain.name}`);
    const accessKey = newAccessKey(this.opts.ids);
    const secretKey = newSecretKey(this.opts.ids);
    const row = {
      access_key: accessKey,
      user_id: user.id,
      secret_enc: this.box.seal(secretKey),
      description,
      created_at: isoNow(this.opts.clock),
    };
    await this.repo.transaction((repo) => repo.insertKey(row));
    return { accessKey, secretKey, domain: domain.name };
  }

  async listKeys(userName?: string, domainName?: string): Promise<KeyRow[]> {
    if (userName === undefined)
      return this.repo.listKeys(
        undefined,
        domainName === undefined ? undefined : (await this.domains.resolveDomain(domainName)).id,
      );
    const domain = await this.domains.resolveDomain(domainName);
    const user = await this.repo.userByName(domain.id, userName);
    if (!user) throw new AppError('not_found', `user ${userName} does not exist in domain ${domain.name}`);
    return this.repo.listKeys(user.id);
  }

  async deleteKey(accessKey: string): Promise<void> {
    if (!(await this.repo.transaction((repo) => repo.deleteKey(accessKey))))
      throw new AppError('not_found', `access key ${accessKey} does not exist`);
  }
}
