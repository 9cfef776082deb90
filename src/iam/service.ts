import type { Kysely } from 'kysely';
import type { Dialect, Reader } from '../store/db.js';
import { LRUCache } from 'lru-cache';
import { AppError } from '../platform/errors.js';
import type { IdentityProvider, Principal } from '../platform/auth.js';
import { ID_PATTERN, type BootstrapSettings } from '../config.js';
import { isUniqueViolation } from '../store/db.js';
import type { Database, UserTable } from '../store/types.js';
import {
  hashPassword,
  newAccessKey,
  newId,
  newPassword,
  newSecretKey,
  newToken,
  SecretBox,
  sha256Hex,
  verifyPassword,
} from './crypto.js';
import { IamRepo, type KeyRow, type TokenRow } from './repo.js';
import type { PasswordAuthBody } from './schemas.js';
import { LoginThrottle } from './throttle.js';

export interface BootstrapResult {
  domain: { id: string; name: string };
  project: { id: string; name: string };
  user: string;
  /** Only what was generated rather than given by the environment. */
  generatedPassword?: string;
  accessKey: string;
  generatedSecretKey?: string;
}

export interface IssuedToken {
  token: string;
  row: TokenRow;
}

const KEY_CHECK = 'master_key_check';
/** Verified against when the user does not exist, so both cases take as long. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const TOKEN_SHAPE = /^vtk-[A-Za-z0-9_-]{43}$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const nowIso = (): string => new Date().toISOString();

/**
 * The admin password of a bootstrap (the configured one, or a new one) and its hash. Hashing takes
 * tens of milliseconds off the main thread, so a first start begins it before creating the schema.
 */
export async function prepareAdmin(settings: BootstrapSettings): Promise<{ password: string; hash: string }> {
  const password = settings.adminPassword ?? newPassword();
  return { password, hash: await hashPassword(password) };
}

/** Identity rules: first-start bootstrap, password and token checks, users and access keys. */
export class IamService implements IdentityProvider {
  readonly repo: IamRepo;
  /**
   * Checked tokens and access keys, remembered for opts.authCacheMs at most: that is how long a
   * token or key can still pass on this replica after it is revoked or its user deleted elsewhere.
   */
  private readonly tokenCache?: LRUCache<string, { principal: Principal; expiresAt: number }>;
  private readonly keyCache?: LRUCache<string, { principal: Principal; secretKey: string }>;
  private readonly projectCache?: LRUCache<string, { id: string; name: string; domainId: string }>;
  private readonly logins: LoginThrottle;

  constructor(
    db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly opts: {
      region: string;
      tokenTtlSeconds: number;
      authCacheMs?: number;
      loginAddressLimit?: number;
      now?: () => number;
      reader?: Reader;
      dialect?: Dialect;
    },
  ) {
    this.repo = new IamRepo(db, opts.reader, opts.dialect);
    this.logins = new LoginThrottle(opts.now, opts.loginAddressLimit);
    if (opts.authCacheMs) {
      this.tokenCache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
      this.keyCache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
      this.projectCache = new LRUCache({ max: 10_000, ttl: opts.authCacheMs });
    }
  }

  /**
   * Creates the first identity on an empty store; null when the store already has one. `admin` is
   * the admin password and its hash when they were prepared ahead (see prepareAdmin).
   */
  async bootstrap(
    settings: BootstrapSettings,
    admin?: Promise<{ password: string; hash: string }>,
  ): Promise<BootstrapResult | null> {
    const result = await this.repo.transaction(async (repo) => {
      if (!(await repo.claimMarker('bootstrap', nowIso()))) return null;
      await repo.claimMarker(KEY_CHECK, this.box.seal('versionary'));
      const now = nowIso();
      const domain = { id: settings.domainId ?? newId(), name: settings.domainName };
      const project = { id: settings.projectId ?? newId(), name: this.opts.region };
      await repo.insertDomain({ ...domain, created_at: now });
      await repo.insertProject({ ...project, domain_id: domain.id, created_at: now });
      const { password, hash } = await (admin ?? prepareAdmin(settings));
      const userId = newId();
      await repo.insertUser({
        id: userId,
        domain_id: domain.id,
        name: 'admin',
        password_hash: hash,
        is_admin: 1,
        created_at: now,
      });
      const accessKey = settings.accessKey ?? newAccessKey();
      const secretKey = settings.secretKey ?? newSecretKey();
      await repo.insertKey({
        access_key: accessKey,
        user_id: userId,
        secret_enc: this.box.seal(secretKey),
        description: 'bootstrap',
        created_at: now,
      });
      await repo.claimMarker('bootstrap_domain', domain.id);
      return {
        domain,
        project,
        user: 'admin',
        generatedPassword: settings.adminPassword ? undefined : password,
        accessKey,
        generatedSecretKey: settings.secretKey ? undefined : secretKey,
      };
    });
    await this.ensureRegionProject();
    return result;
  }

  /** Fails when the store's secrets were sealed with another master key. */
  async checkMasterKey(): Promise<void> {
    const sealed = await this.repo.getMarker(KEY_CHECK);
    if (sealed === undefined) return;
    try {
      this.box.open(sealed);
    } catch {
      throw new Error(
        'the master key does not match the one this database was created with (set VERSIONARY_MASTER_KEY to the original key)',
      );
    }
  }

  /** The bootstrap domain always has a project named after the configured region. */
  private async ensureRegionProject(): Promise<void> {
    const domainId = await this.repo.getMarker('bootstrap_domain');
    if (!domainId) return;
    if ((await this.repo.listProjects(domainId, this.opts.region)).length > 0) return;
    try {
      await this.repo.insertProject({ id: newId(), domain_id: domainId, name: this.opts.region, created_at: nowIso() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  async bootstrapIdentity(): Promise<{
    domain: { id: string; name: string };
    projects: { id: string; name: string }[];
    admin?: string;
    accessKeys: string[];
  } | null> {
    const domainId = await this.repo.getMarker('bootstrap_domain');
    const domain = domainId ? await this.repo.domainById(domainId) : undefined;
    if (!domain) return null;
    const admin = (await this.repo.listUsers(domain.id)).find((u) => u.is_admin === 1);
    const keys = admin ? await this.repo.listKeys(admin.id) : [];
    const projects = await this.repo.listProjects(domain.id);
    return {
      domain: { id: domain.id, name: domain.name },
      projects: projects.map((p) => ({ id: p.id, name: p.name })),
      admin: admin?.name,
      accessKeys: keys.map((k) => k.access_key),
    };
  }

  // --- tokens -------------------------------------------------------------------------------

  /**
   * Password authentication (POST /v3/auth/tokens) from a client address. Any failure to identify
   * is the same 401, whether the user exists or not.
   */
  async issueToken(body: PasswordAuthBody, address = ''): Promise<IssuedToken> {
    const { identity, scope } = body.auth;
    if (!identity.methods.includes('password') || !identity.password) {
      throw new AppError('invalid', 'auth.identity.methods: only the password method is supported');
    }
    const u = identity.password.user;
    // Counted as a wrong password from its check until it is answered: attempts sent at once are
    // answered as if sent one after another.
    const attempt = await this.logins.begin(address);
    let stored: UserTable | undefined;
    try {
      const found = await this.findUser(u, scope);
      stored = found.user;
      await attempt.user(found.key);
      const ok = await verifyPassword(u.password, stored?.password_hash ?? DUMMY_HASH);
      if (!stored || !ok) {
        attempt.failed();
        throw new AppError('unauthorized', 'The username or password is wrong.');
      }
      attempt.succeeded();
    } finally {
      attempt.release();
    }
    const domain = (await this.repo.domainById(stored.domain_id))!;
    let projectId: string | null = null;
    if (scope?.project) {
      const project = scope.project.id
        ? await this.repo.projectById(scope.project.id)
        : (await this.repo.listProjects(domain.id, scope.project.name ?? '')).at(0);
      if (!project || project.domain_id !== domain.id)
        throw new AppError('unauthorized', 'The scoped project is not available to this user.');
      projectId = project.id;
    } else if (scope?.domain) {
      if (
        (scope.domain.id && scope.domain.id !== domain.id) ||
        (scope.domain.name && scope.domain.name !== domain.name)
      ) {
        throw new AppError('unauthorized', 'The scoped domain is not available to this user.');
      }
    }
    const token = newToken();
    const issued = new Date();
    const row = {
      token_hash: sha256Hex(token),
      user_id: stored.id,
      project_id: projectId,
      domain_id: domain.id,
      issued_at: issued.toISOString(),
      expires_at: new Date(issued.getTime() + this.opts.tokenTtlSeconds * 1000).toISOString(),
    };
    await this.repo.insertToken(row);
    const full = await this.repo.tokenByHash(row.token_hash);
    return { token, row: full! };
  }

  /**
   * The user a login names (none when the domain given is not the user's: each of its id and name
   * that is given must be the user's domain's), and the key its wrong passwords count under: the
   * user's id however it is named, else the name or id as given.
   */
  private async findUser(
    u: PasswordAuthBody['auth']['identity']['password']['user'],
    scope: PasswordAuthBody['auth']['scope'],
  ): Promise<{ user?: UserTable; key: string }> {
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
  async lookupToken(token: string): Promise<TokenRow | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = await this.repo.tokenByHash(sha256Hex(token));
    if (!row || row.expires_at <= nowIso()) return null;
    return row;
  }

  /** A cache hit answers synchronously: the hot path of every request does not wait on a promise. */
  principalForToken(token: string): Principal | null | Promise<Principal | null> {
    const cached = this.tokenCache?.get(token);
    if (cached && cached.expiresAt > Date.now()) return { ...cached.principal };
    return this.lookupToken(token).then((row) => {
      if (!row) return null;
      const principal = principalOf(row, row.project_id, row.project_name);
      this.tokenCache?.set(token, { principal, expiresAt: Date.parse(row.expires_at) });
      return { ...principal };
    });
  }

  principalForKey(
    accessKey: string,
  ): { principal: Principal; secretKey: string } | null | Promise<{ principal: Principal; secretKey: string } | null> {
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

  projectOfDomain(
    projectId: string,
    domainId: string,
  ): { id: string; name: string } | null | Promise<{ id: string; name: string } | null> {
    const ofDomain = (p: { id: string; name: string; domainId: string }) =>
      p.domainId === domainId ? { id: p.id, name: p.name } : null;
    const cached = this.projectCache?.get(projectId);
    if (cached) return ofDomain(cached);
    return this.repo.projectById(projectId).then((p) => {
      if (!p) return null;
      const found = { id: p.id, name: p.name, domainId: p.domain_id };
      this.projectCache?.set(projectId, found);
      return ofDomain(found);
    });
  }

  async regionProject(domainId: string): Promise<{ id: string; name: string } | null> {
    const p = (await this.repo.listProjects(domainId, this.opts.region)).at(0);
    return p ? { id: p.id, name: p.name } : null;
  }

  // --- administration -------------------------------------------------------------------------

  async resolveDomain(name?: string): Promise<{ id: string; name: string }> {
    const domain = name
      ? await this.repo.domainByName(name)
      : await this.repo.getMarker('bootstrap_domain').then((id) => (id ? this.repo.domainById(id) : undefined));
    if (!domain) throw new AppError('not_found', `domain ${name ?? '(bootstrap)'} does not exist`);
    return domain;
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
    const domain = await this.resolveDomain(input.domain);
    const password = input.password ?? newPassword();
    const id = newId();
    try {
      await this.repo.insertUser({
        id,
        domain_id: domain.id,
        name: input.name,
        password_hash: await hashPassword(password),
        is_admin: input.admin ? 1 : 0,
        created_at: nowIso(),
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('conflict', `user ${input.name} already exists in domain ${domain.name}`);
      throw err;
    }
    return { id, name: input.name, domain: domain.name, generatedPassword: input.password ? undefined : password };
  }

  async createProject(input: {
    name: string;
    id?: string;
    domain?: string;
  }): Promise<{ id: string; name: string; domain: string }> {
    if (!NAME.test(input.name))
      throw new AppError('invalid', 'project name must be 1-64 letters, digits, "_", "-" or "."');
    if (input.id !== undefined && !ID_PATTERN.test(input.id))
      throw new AppError('invalid', 'project id must be 1-64 letters, digits, "_" or "-"');
    const domain = await this.resolveDomain(input.domain);
    const id = input.id ?? newId();
    try {
      await this.repo.insertProject({ id, domain_id: domain.id, name: input.name, created_at: nowIso() });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('conflict', `a project with id ${id} or name ${input.name} already exists`);
      throw err;
    }
    return { id, name: input.name, domain: domain.name };
  }

  async deleteUser(name: string, domainName?: string): Promise<void> {
    const domain = await this.resolveDomain(domainName);
    const user = await this.repo.userByName(domain.id, name);
    if (!user || !(await this.repo.deleteUser(user.id)))
      throw new AppError('not_found', `user ${name} does not exist in domain ${domain.name}`);
  }

  async createKey(
    userName: string,
    domainName?: string,
    description = '',
  ): Promise<{ accessKey: string; secretKey: string; domain: string }> {
    const domain = await this.resolveDomain(domainName);
    const user = await this.repo.userByName(domain.id, userName);
    if (!user) throw new AppError('not_found', `user ${userName} does not exist in domain ${domain.name}`);
    const accessKey = newAccessKey();
    const secretKey = newSecretKey();
    await this.repo.insertKey({
      access_key: accessKey,
      user_id: user.id,
      secret_enc: this.box.seal(secretKey),
      description,
      created_at: nowIso(),
    });
    return { accessKey, secretKey, domain: domain.name };
  }

  async listKeys(userName?: string, domainName?: string): Promise<KeyRow[]> {
    if (userName === undefined)
      return this.repo.listKeys(
        undefined,
        domainName === undefined ? undefined : (await this.resolveDomain(domainName)).id,
      );
    const domain = await this.resolveDomain(domainName);
    const user = await this.repo.userByName(domain.id, userName);
    if (!user) throw new AppError('not_found', `user ${userName} does not exist in domain ${domain.name}`);
    return this.repo.listKeys(user.id);
  }

  async deleteKey(accessKey: string): Promise<void> {
    if (!(await this.repo.deleteKey(accessKey)))
      throw new AppError('not_found', `access key ${accessKey} does not exist`);
  }

  async createDomain(input: { name: string; id?: string }): Promise<{ id: string; name: string }> {
    if (!NAME.test(input.name))
      throw new AppError('invalid', 'domain name must be 1-64 letters, digits, "_", "-" or "."');
    if (input.id !== undefined && !ID_PATTERN.test(input.id))
      throw new AppError('invalid', 'domain id must be 1-64 letters, digits, "_" or "-"');
    const domain = { id: input.id ?? newId(), name: input.name };
    try {
      await this.repo.insertDomain({ ...domain, created_at: nowIso() });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('conflict', `a domain with id ${domain.id} or name ${domain.name} already exists`);
      throw err;
    }
    return domain;
  }

  async listDomains(): Promise<
    { id: string; name: string; bootstrap: boolean; projects: number; users: number; created_at: string }[]
  > {
    const bootstrap = await this.repo.getMarker('bootstrap_domain');
    return (await this.repo.listDomainSummaries()).map((d) => ({
      id: d.id,
      name: d.name,
      bootstrap: d.id === bootstrap,
      projects: d.projects,
      users: d.users,
      created_at: d.created_at,
    }));
  }

  /**
   * Deletes a domain with its users, access keys, tokens and projects, in one transaction. Refused
   * for the bootstrap domain, and while its projects hold API data unless `force` deletes it too.
   */
  async deleteDomain(
    name: string,
    force = false,
  ): Promise<{ deleted: string; projects: number; users: number; edge_apps: number; rfs_providers: number }> {
    return this.repo.transaction(async (repo) => {
      const domain = await repo.domainByName(name);
      if (!domain) throw new AppError('not_found', `domain ${name} does not exist`);
      if (domain.id === (await repo.getMarker('bootstrap_domain')))
        throw new AppError('conflict', `domain ${name} is the bootstrap domain, which cannot be deleted`);
      await repo.lockForDelete({ domainId: domain.id });
      const data = await repo.countApiData(domain.id);
      if (!force) refuseData(`domain ${name}`, data);
      const [projects, users] = [(await repo.listProjects(domain.id)).length, (await repo.listUsers(domain.id)).length];
      await repo.deleteApiData(domain.id);
      await repo.deleteDomain(domain.id);
      return { deleted: name, projects, users, ...data };
    });
  }

  /** Deletes a project and the tokens scoped to it; refused while it holds API data unless `force` deletes it too. */
  async deleteProject(
    name: string,
    domainName?: string,
    force = false,
  ): Promise<{ deleted: string; id: string; domain: string; edge_apps: number; rfs_providers: number }> {
    const domain = await this.resolveDomain(domainName);
    return this.repo.transaction(async (repo) => {
      const project = (await repo.listProjects(domain.id, name)).at(0);
      if (!project) throw new AppError('not_found', `project ${name} does not exist in domain ${domain.name}`);
      if (name === this.opts.region && domain.id === (await repo.getMarker('bootstrap_domain'))) {
        throw new AppError(
          'conflict',
          `project ${name} is the region project of the bootstrap domain, which cannot be deleted`,
        );
      }
      await repo.lockForDelete({ projectId: project.id });
      const data = await repo.countApiData(domain.id, project.id);
      if (!force) refuseData(`project ${name}`, data);
      await repo.deleteApiData(domain.id, project.id);
      await repo.deleteProject(project.id);
      return { deleted: name, id: project.id, domain: domain.name, ...data };
    });
  }
}

function refuseData(what: string, data: { edge_apps: number; rfs_providers: number }): void {
  if (data.edge_apps + data.rfs_providers === 0) return;
  throw new AppError(
    'conflict',
    `${what} holds API data (${data.edge_apps} edge apps, ${data.rfs_providers} RFS providers): delete it first, or force (--force) to delete it too`,
  );
}

function principalOf(
  row: { user_id: string; user_name: string; is_admin: number; domain_id: string; domain_name: string },
  projectId: string | null,
  projectName: string | null,
): Principal {
  return {
    userId: row.user_id,
    userName: row.user_name,
    isAdmin: row.is_admin === 1,
    domainId: row.domain_id,
    domainName: row.domain_name,
    projectId,
    projectName,
  };
}
