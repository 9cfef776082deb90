import type { IdentityProvider, Principal } from '../platform/auth.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { BootstrapSettings } from '../config.js';
import type { Store } from '../store/db.js';
import type { IdSource } from '../platform/ids.js';
import type { NewActivity } from '../store/types.js';
import { Bootstrap, type BootstrapIdentity, type BootstrapResult } from './bootstrap.js';
import type { SecretBox } from './crypto.js';
import { Domains, type Found } from './domains.js';
import type { KeyRow, TokenRow } from './queries.js';
import { IamRepo } from './repo.js';
import type { PasswordAuthBody } from './schemas.js';
import { Tokens, type IssuedToken } from './tokens.js';
import { Users } from './users.js';

export { prepareAdmin } from './bootstrap.js';
export type { BootstrapResult, IssuedToken };

export interface IamOptions {
  region: string;
  tokenTtlSeconds: number;
  /** How long a checked token, access key or project is remembered (0 or none: not at all). */
  authCacheMs?: number;
  /** Wrong passwords one client address may send (throttle.ts). */
  loginAddressLimit?: number;
  /** The time tokens are issued, checked and swept at, and logins throttled by. */
  clock?: Clock;
  /** Where generated ids and secrets come from (platform/ids.ts). */
  ids?: IdSource;
}

/**
 * IAM as the rest of the program holds it: authentication of requests (IdentityProvider), password
 * logins and tokens (tokens.ts), domains and projects (domains.ts), users and access keys
 * (users.ts), and the first identity (bootstrap.ts). Its repository stays inside src/iam.
 */
export class IamService implements IdentityProvider {
  private readonly tokens: Tokens;
  private readonly domains: Domains;
  private readonly users: Users;
  private readonly setup: Bootstrap;

  constructor(store: Pick<Store, 'db' | 'dialect' | 'transact' | 'reader'>, box: SecretBox, opts: IamOptions) {
    const repo = new IamRepo(store.db, store.dialect, store.transact, store.reader);
    const clock = opts.clock ?? systemClock;
    this.tokens = new Tokens(repo, { ...opts, clock });
    this.domains = new Domains(repo, { ...opts, clock });
    this.users = new Users(repo, this.domains, box, { ...opts, clock });
    this.setup = new Bootstrap(repo, box, { region: opts.region, clock, ids: opts.ids });
  }

  // --- IdentityProvider: a cache hit answers synchronously ----------------------------------------

  principalForToken(token: string): Found<Principal> {
    return this.tokens.principalFor(token);
  }

  principalForKey(accessKey: string): Found<{ principal: Principal; secretKey: string }> {
    return this.users.principalForKey(accessKey);
  }

  projectOfDomain(projectId: string, domainId: string): Found<{ id: string; name: string }> {
    return this.domains.projectOfDomain(projectId, domainId);
  }

  // --- tokens ----------------------------------------------------------------------------------

  /** POST /v3/auth/tokens from a client address (throttled per user and address). */
  issueToken(body: PasswordAuthBody, address = ''): Promise<IssuedToken> {
    return this.tokens.issue(body, address);
  }

  /** The live token's details, or null when it is unknown, malformed or expired. */
  lookupToken(token: string): Promise<TokenRow | null> {
    return this.tokens.lookup(token);
  }

  /** Deletes the expired tokens; how many. */
  sweepExpiredTokens(): Promise<number> {
    return this.tokens.sweepExpired();
  }

  // --- the first identity ------------------------------------------------------------------------

  bootstrap(settings: BootstrapSettings, admin?: Promise<{ password: string; hash: string }>) {
    return this.setup.run(settings, admin);
  }

  checkMasterKey(): Promise<void> {
    return this.setup.checkMasterKey();
  }

  bootstrapIdentity(): Promise<BootstrapIdentity | null> {
    return this.setup.identity();
  }

  // --- domains and projects --------------------------------------------------------------------

  resolveDomain(name?: string) {
    return this.domains.resolveDomain(name);
  }

  createDomain(input: { name: string; id?: string }) {
    return this.domains.createDomain(input);
  }

  listDomains() {
    return this.domains.listDomains();
  }

  deleteDomain(name: string, force = false) {
    return this.domains.deleteDomain(name, force);
  }

  createProject(input: { name: string; id?: string; domain?: string }, activity?: NewActivity) {
    return this.domains.createProject(input, activity);
  }

  listProjects(domainId: string, name?: string) {
    return this.domains.listProjects(domainId, name);
  }

  projectById(id: string) {
    return this.domains.projectById(id);
  }

  deleteProject(name: string, domainName?: string, force = false) {
    return this.domains.deleteProject(name, domainName, force);
  }

  // --- users and access keys -------------------------------------------------------------------

  createUser(input: { name: string; password?: string; admin?: boolean; domain?: string }) {
    return this.users.createUser(input);
  }

  listUsers(domainId?: string) {
    return this.users.listUsers(domainId);
  }

  deleteUser(name: string, domainName?: string): Promise<void> {
    return this.users.deleteUser(name, domainName);
  }

  createKey(userName: string, domainName?: string, description = '') {
    return this.users.createKey(userName, domainName, description);
  }

  listKeys(userName?: string, domainName?: string): Promise<KeyRow[]> {
    return this.users.listKeys(userName, domainName);
  }

  deleteKey(accessKey: string): Promise<void> {
    return this.users.deleteKey(accessKey);
  }
}
