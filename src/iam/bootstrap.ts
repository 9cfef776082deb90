import { isoNow, type Clock } from '../platform/clock.js';
import type { BootstrapSettings } from '../config.js';
import { isUniqueViolation } from '../store/db.js';
import { hashPassword, newAccessKey, newId, newPassword, newSecretKey, type SecretBox } from './crypto.js';
import type { IamRepo } from './repo.js';
import type { IdSource } from '../platform/ids.js';

export interface BootstrapResult {
  domain: { id: string; name: string };
  project: { id: string; name: string };
  user: string;
  /** Only what was generated rather than given by the environment. */
  generatedPassword?: string;
  accessKey: string;
  generatedSecretKey?: string;
}

export interface BootstrapIdentity {
  domain: { id: string; name: string };
  projects: { id: string; name: string }[];
  admin?: string;
  accessKeys: string[];
}

type Admin = { password: string; hash: string };

const KEY_CHECK = 'master_key_check';

/**
 * The admin password of a bootstrap (the configured one, or a new one) and its hash. Hashing takes
 * tens of milliseconds off the main thread, so a first start begins it before creating the schema.
 */
export async function prepareAdmin(settings: BootstrapSettings, ids?: IdSource): Promise<Admin> {
  const password = settings.adminPassword ?? newPassword(ids);
  return { password, hash: await hashPassword(password) };
}

/** The first identity of a store, the master key it was sealed with, and the region project. */
export class Bootstrap {
  constructor(
    private readonly repo: IamRepo,
    private readonly box: SecretBox,
    private readonly opts: { region: string; clock: Clock; ids?: IdSource },
  ) {}

  /**
   * Creates the first identity on an empty store; null when the store already has one. `admin` is
   * the admin password and its hash when they were prepared ahead (see prepareAdmin).
   */
  async run(settings: BootstrapSettings, admin?: Promise<Admin>): Promise<BootstrapResult | null> {
    let result: BootstrapResult | null = null;
    if ((await this.repo.getMarker('bootstrap')) === undefined) {
      // Hashed before the transaction, which only talks to the database. Another replica starting
      // at the same time may claim the store first: then this one's transaction creates nothing.
      const prepared = await (admin ?? prepareAdmin(settings, this.opts.ids));
      result = await this.repo.transaction((repo) => this.create(repo, settings, prepared));
    }
    await this.ensureRegionProject();
    return result;
  }

  private async create(repo: IamRepo, settings: BootstrapSettings, admin: Admin): Promise<BootstrapResult | null> {
    const now = isoNow(this.opts.clock);
    if (!(await repo.claimMarker('bootstrap', now))) return null;
    await repo.claimMarker(KEY_CHECK, this.box.seal('versionary'));
    const { ids } = this.opts;
    const domain = { id: settings.domainId ?? newId(ids), name: settings.domainName };
    const project = { id: settings.projectId ?? newId(ids), name: this.opts.region };
    await repo.insertDomain({ ...domain, created_at: now });
    await repo.insertProject({ ...project, domain_id: domain.id, created_at: now });
    const userId = newId(ids);
    await repo.insertUser({
      id: userId,
      domain_id: domain.id,
      name: 'admin',
      password_hash: admin.hash,
      is_admin: 1,
      created_at: now,
    });
    const accessKey = settings.accessKey ?? newAccessKey(ids);
    const secretKey = settings.secretKey ?? newSecretKey(ids);
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
      generatedPassword: settings.adminPassword ? undefined : admin.password,
      accessKey,
      generatedSecretKey: settings.secretKey ? undefined : secretKey,
    };
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
    const { region: name, clock, ids } = this.opts;
    const row = { id: newId(ids), domain_id: domainId, name, created_at: isoNow(clock) };
    try {
      await this.repo.transaction((repo) => repo.insertProject(row));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  /** The bootstrap domain, its projects, its admin user and the admin's access keys; null before a bootstrap. */
  async identity(): Promise<BootstrapIdentity | null> {
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
}
