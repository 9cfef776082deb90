import { Command, Option } from 'commander';
import { ConfigError, ENV_ONLY, loadConfig, SETTINGS, type Config } from './config.js';
import { openApp, readyServer, serve, type Opened } from './app.js';
import type { App } from './platform/http.js';
import { createLogger, flushLogger } from './platform/logger.js';
import { AppError } from './platform/errors.js';
import { StoreConfigError, openStore } from './store/db.js';
import { migrate, MigrationError } from './store/migrate.js';
import { refreshRenderings } from './renderings.js';
import { printBootstrap } from './bootstrap-banner.js';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { SnapshotService, type Scope } from './admin/snapshot.js';
import { ActivityRepo } from './activity/repo.js';
import { ActivityService } from './activity/service.js';

const program = new Command('versionary')
  .description('Self-hosted, wire-compatible Huawei Cloud IoTEdge edge-app and RFS private-provider API')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `\nEach command lists the options it takes: versionary <command> --help (serve takes every setting).\n\nEnvironment only:\n${ENV_ONLY.map(([k, v]) => `  ${k.padEnd(28)} ${v}`).join('\n')}`,
  );

type SettingKey = (typeof SETTINGS)[number]['key'];
/** The settings of commands that only open the store. */
const STORE_SETTINGS: SettingKey[] = [
  'dataDir',
  'database',
  'sqliteSync',
  'pgPoolSize',
  'pgStatementTimeoutMs',
  'pgConnectTimeoutMs',
];

/** Adds the settings a command takes (all by default) as flags; returns a function reading them back as a Config. */
function withSettings(cmd: Command, keys?: SettingKey[]): () => Config {
  const options = SETTINGS.filter((s) => !keys || keys.includes(s.key)).map((s) => {
    const o = new Option(s.flag, `${s.description} [env ${s.env}]${s.default ? ` (default: ${s.default})` : ''}`);
    cmd.addOption(o);
    return { key: s.key, attr: o.attributeName() };
  });
  return () => {
    const opts = cmd.opts<Record<string, string | undefined>>();
    return loadConfig(Object.fromEntries(options.map((o) => [o.key, opts[o.attr]])));
  };
}

class CliError extends Error {}

async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StoreConfigError) {
      process.stderr.write(`versionary: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof MigrationError || err instanceof CliError || err instanceof AppError) {
      process.stderr.write(`versionary: ${err.message}\n`);
      process.exit(1);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`versionary: ${message}\n`);
    process.exit(1);
  }
}

const serveCmd = program.command('serve').description('start the HTTP server (migrates the store first)');
const serveConfig = withSettings(serveCmd);
serveCmd.action(() =>
  run(async () => {
    const config = serveConfig();
    const logger = createLogger(config.logLevel);
    let app: App | undefined;
    const opened = await openApp(config, {
      meanwhile: async (o) => {
        app = await readyServer(config, logger, o);
      },
    });
    const running = await serve(config, logger, opened, app);
    if (opened.bootstrap) printBootstrap(process.stdout, opened.bootstrap, running.url, config, opened.masterKeyFile);
    logger.info({ url: running.url, store: opened.store.location, region: config.region }, 'versionary listening');
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await running.close();
      await flushLogger(logger);
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  }),
);

const migrateCmd = program
  .command('migrate')
  .description('bring the database schema up to date and exit')
  .option(
    '--rfs-rename-duplicates',
    'RFS providers of one name in several projects of a domain: the oldest keeps the name, the others become NAME-2, NAME-3 … (default: refuse)',
  )
  .option(
    '--rfs-drop-orphans',
    'RFS providers whose project no longer exists: delete them with their versions (default: refuse)',
  );
const migrateConfig = withSettings(migrateCmd, STORE_SETTINGS);
migrateCmd.action(() =>
  run(async () => {
    const config = migrateConfig();
    const o = migrateCmd.opts<{ rfsRenameDuplicates?: boolean; rfsDropOrphans?: boolean }>();
    const store = openStore({ database: config.database, sqliteSync: config.sqliteSync, pgPoolSize: 2 });
    try {
      const report = (line: string) => process.stdout.write(`${line}\n`);
      const applied = await migrate(store, {
        rfs: { renameDuplicates: o.rfsRenameDuplicates === true, dropOrphans: o.rfsDropOrphans === true, report },
      });
      await refreshRenderings(store);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    } finally {
      await store.close();
    }
  }),
);

const admin = program
  .command('admin')
  .description('manage domains, users, access keys and projects directly in the store');

/** Declares an admin sub-command that runs with an opened store. */
function adminCommand(
  parent: Command,
  name: string,
  description: string,
  body: (opened: Opened, args: string[], opts: Record<string, unknown>, config: Config) => Promise<unknown>,
) {
  const cmd = parent.command(name).description(description).option('--json', 'print JSON');
  // The region names the project a first start creates and the region of RFS function URNs.
  const config = withSettings(cmd, [...STORE_SETTINGS, 'region']);
  return cmd.action((...all: unknown[]) =>
    run(async () => {
      const c = config();
      const opened = await openApp(c);
      try {
        if (opened.bootstrap)
          printBootstrap(process.stderr, opened.bootstrap, `http://${c.host}:${c.port}`, c, opened.masterKeyFile);
        const args = all.slice(0, -2).filter((a): a is string => typeof a === 'string');
        const out = await body(opened, args, cmd.opts(), c);
        if (out !== undefined) process.stdout.write(cmd.opts().json ? JSON.stringify(out, null, 2) + '\n' : table(out));
      } finally {
        await opened.store.close();
      }
    }),
  );
}

function table(out: unknown): string {
  const rows = Array.isArray(out) ? out : [out];
  if (rows.length === 0) return '(none)\n';
  return (
    rows
      .map((r) =>
        Object.entries(r as object)
          .map(([k, v]) => `${k}=${v ?? ''}`)
          .join('  '),
      )
      .join('\n') + '\n'
  );
}

adminCommand(admin, 'show-bootstrap', 'show the bootstrap identity (no secrets)', async ({ iam }) => {
  const id = await iam.bootstrapIdentity();
  if (!id) throw new CliError('the store has no bootstrap identity');
  return {
    domain_id: id.domain.id,
    domain_name: id.domain.name,
    projects: id.projects.map((p) => `${p.name}:${p.id}`).join(','),
    admin_user: id.admin,
    access_keys: id.accessKeys.join(','),
  };
});

const domains = admin
  .command('domain')
  .description('domains (accounts), each with its own users, access keys and projects');
adminCommand(
  domains,
  'create',
  'create a domain (it has no project until one is created)',
  async ({ iam }, [name], o) => iam.createDomain({ name: name!, id: o.id as string | undefined }),
)
  .argument('<name>')
  .option('--id <id>', 'domain id (default: generated, 32 hex)');
adminCommand(domains, 'list', 'list domains', async ({ iam }) => iam.listDomains());
adminCommand(
  domains,
  'delete',
  'delete a domain with its users, access keys, tokens and projects',
  async ({ iam }, [name], o) => {
    if (!o.yes)
      throw new CliError('deleting a domain deletes its users, access keys, tokens and projects: add --yes to confirm');
    return iam.deleteDomain(name!, Boolean(o.force));
  },
)
  .argument('<name>')
  .option('--yes', 'confirm')
  .option('--force', 'also delete the edge apps and RFS providers of its projects');

const users = admin.command('user').description('IAM users');
adminCommand(users, 'create', 'create a user; prints a generated password once', async ({ iam }, [name], o) => {
  const u = await iam.createUser({
    name: name!,
    password: o.password as string | undefined,
    admin: Boolean(o.admin),
    domain: o.domain as string | undefined,
  });
  return {
    id: u.id,
    name: u.name,
    domain: u.domain,
    ...(u.generatedPassword ? { password: u.generatedPassword } : {}),
  };
})
  .argument('<name>')
  .option('--password <password>', 'password (default: generated)')
  .option('--admin', 'may use the admin API')
  .option('--domain <name>', 'domain (default: the bootstrap domain)');
adminCommand(users, 'list', 'list users', async ({ iam }, _a, o) => {
  const domain = o.domain ? (await iam.resolveDomain(o.domain as string)).id : undefined;
  return (await iam.listUsers(domain)).map((u) => ({
    id: u.id,
    name: u.name,
    domain: u.domain_name,
    admin: u.is_admin === 1,
    created_at: u.created_at,
  }));
}).option('--domain <name>', 'only this domain');
adminCommand(users, 'delete', 'delete a user with its access keys and tokens', async ({ iam }, [name], o) => {
  await iam.deleteUser(name!, o.domain as string | undefined);
  return { deleted: name };
})
  .argument('<name>')
  .option('--domain <name>', 'domain (default: the bootstrap domain)');

const keys = admin.command('key').description('AK/SK access keys');
adminCommand(
  keys,
  'create',
  'create an access key for a user; prints the secret key once',
  async ({ iam }, [user], o) => {
    const k = await iam.createKey(user!, o.domain as string | undefined, (o.description as string | undefined) ?? '');
    return { access_key: k.accessKey, secret_key: k.secretKey, user, domain: k.domain };
  },
)
  .argument('<user>')
  .option('--domain <name>', 'domain (default: the bootstrap domain)')
  .option('--description <text>', 'what the key is for');
adminCommand(keys, 'list', 'list access keys (never the secret keys)', async ({ iam }, _a, o) =>
  (await iam.listKeys(o.user as string | undefined, o.domain as string | undefined)).map((k) => ({
    access_key: k.access_key,
    user: k.user_name,
    domain: k.domain_name,
    description: k.description,
    created_at: k.created_at,
  })),
)
  .option('--user <name>', 'only this user')
  .option('--domain <name>', 'only this domain (with --user, default: the bootstrap domain)');
adminCommand(keys, 'delete', 'delete an access key', async ({ iam }, [ak]) => {
  await iam.deleteKey(ak!);
  return { deleted: ak };
}).argument('<access-key>');

const projects = admin.command('project').description('projects (tenants of the IoTEdge and RFS APIs)');
adminCommand(projects, 'create', 'create a project in a domain', async ({ iam }, [name], o) =>
  iam.createProject({ name: name!, id: o.id as string | undefined, domain: o.domain as string | undefined }),
)
  .argument('<name>')
  .option('--id <id>', 'project id (default: generated, 32 hex)')
  .option('--domain <name>', 'domain (default: the bootstrap domain)');
adminCommand(projects, 'list', 'list projects', async ({ iam }, _a, o) => {
  const only = o.domain ? [await iam.resolveDomain(o.domain as string)] : await iam.listDomains();
  const all = await Promise.all(
    only.map(async (d) =>
      (await iam.listProjects(d.id)).map((p) => ({
        id: p.id,
        name: p.name,
        domain: d.name,
        created_at: p.created_at,
      })),
    ),
  );
  return all.flat();
}).option('--domain <name>', 'only this domain');
adminCommand(projects, 'delete', 'delete a project and the tokens scoped to it', async ({ iam }, [name], o) =>
  iam.deleteProject(name!, o.domain as string | undefined, Boolean(o.force)),
)
  .argument('<name>')
  .option('--domain <name>', 'domain (default: the bootstrap domain)')
  .option('--force', 'also delete its edge apps and RFS providers');

/** The scope a snapshot command names: one project, one domain (by name), or the whole store. */
async function snapshotScope(iam: Opened['iam'], o: Record<string, unknown>): Promise<Scope> {
  const domain = o.domain === undefined ? undefined : await iam.resolveDomain(o.domain as string);
  const projectId = o.projectId as string | undefined;
  if (projectId !== undefined) {
    const project = await iam.projectById(projectId);
    if (!project || (domain && project.domain_id !== domain.id))
      throw new CliError(`project ${projectId} does not exist${domain ? ` in domain ${domain.name}` : ''}`);
  }
  return { domainId: domain?.id, projectId };
}

adminCommand(
  admin,
  'export',
  'write a JSON snapshot of API data (no identities): all of it, one domain or one project',
  async ({ store, iam }, _a, o, c) => {
    const scope = await snapshotScope(iam, o);
    const out = o.out ? fs.createWriteStream(o.out as string) : process.stdout;
    await pipeline(await new SnapshotService(store, c.region, c.bodyLimit).export(scope), out, {
      end: out !== process.stdout,
    });
    return undefined;
  },
)
  .option('--domain <name>', 'only the projects of this domain')
  .option('--project-id <id>', 'only this project')
  .option('--out <file>', 'write to this file instead of standard output');
adminCommand(admin, 'import', 'load a snapshot atomically', async ({ store, iam }, [file], o, c) => {
  const mode = (o.mode as string | undefined) ?? 'add';
  if (mode !== 'add' && mode !== 'replace') throw new CliError('--mode must be add or replace');
  const scope = await snapshotScope(iam, o);
  const input = file === '-' ? process.stdin : fs.createReadStream(file!);
  return new SnapshotService(store, c.region, c.bodyLimit).import(input, mode, scope);
})
  .argument('<file>', 'snapshot file, or - for standard input')
  .option('--mode <mode>', 'add (refuse existing records) or replace (first delete what the snapshot covers)', 'add')
  .option('--domain <name>', "load into this domain's projects only (replace then deletes only this domain's data)");
adminCommand(
  admin,
  'reset',
  'delete API data (all, one domain or one project); identities are kept',
  async ({ store, iam }, _a, o, c) => {
    if (!o.yes) throw new CliError('reset deletes data: add --yes to confirm');
    return new SnapshotService(store, c.region, c.bodyLimit).reset(await snapshotScope(iam, o));
  },
)
  .option('--domain <name>', 'only the projects of this domain')
  .option('--project-id <id>', 'only this project')
  .option('--yes', 'confirm');

const faultCmd = admin
  .command('faults')
  .description(
    "fault rules: make a domain's requests fail or wait on purpose (running servers see them within --auth-cache)",
  );

/** The fault rules of the store, as a server built on it holds them (its operations known). */
async function withFaults<T>(
  opened: Opened,
  c: Config,
  fn: (faults: App['faults'], domainId: string) => Promise<T>,
  domain?: string,
): Promise<T> {
  const app = await readyServer(c, createLogger('silent'), opened);
  try {
    return await fn(app.faults, (await opened.iam.resolveDomain(domain)).id);
  } finally {
    await app.close();
  }
}

/** A number as the rule's schema wants it; anything else is passed on for the schema to name. */
const numeric = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

adminCommand(faultCmd, 'add', 'add a fault rule', async (opened, _a, o, c) =>
  withFaults(
    opened,
    c,
    (faults, domainId) => {
      const rule = {
        operation: o.operation,
        project_id: o.projectId,
        status: numeric(o.status),
        error_code: o.errorCode,
        error_msg: o.errorMsg,
        probability: numeric(o.probability),
        times: numeric(o.times),
        delay_ms: numeric(o.delayMs),
      };
      const given = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
      return faults.add(domainId, given, async (p) => (await opened.iam.projectOfDomain(p, domainId)) !== null);
    },
    o.domain as string | undefined,
  ),
)
  .requiredOption('--operation <id>', 'an operationId of /openapi.json (IoTEdge, RFS or IAM), or *')
  .option('--status <status>', "answer this status (400-599) in the family's envelope")
  .option('--error-code <code>', "instead of the family's code for the status")
  .option('--error-msg <text>', "instead of the family's message for the status")
  .option('--probability <p>', 'chance of a hit, 0-1 (default 1)')
  .option('--times <n>', 'hits at most (default unlimited)')
  .option('--delay-ms <ms>', 'wait this long first, up to 60000 (default 0)')
  .option('--project-id <id>', 'only requests acting in this project')
  .option('--domain <name>', 'domain (default: the bootstrap domain)');
adminCommand(faultCmd, 'list', 'list the fault rules with their hit counts', async (opened, _a, o, c) =>
  withFaults(opened, c, (faults, domainId) => faults.list(domainId), o.domain as string | undefined),
).option('--domain <name>', 'domain (default: the bootstrap domain)');
adminCommand(faultCmd, 'delete', 'delete a fault rule', async (opened, [id], o, c) =>
  withFaults(
    opened,
    c,
    async (faults, domainId) => {
      await faults.delete(domainId, id!);
      return { deleted: id };
    },
    o.domain as string | undefined,
  ),
)
  .argument('<id>')
  .option('--domain <name>', 'domain (default: the bootstrap domain)');
adminCommand(faultCmd, 'clear', 'delete every fault rule of a domain', async (opened, _a, o, c) =>
  withFaults(
    opened,
    c,
    async (faults, domainId) => ({ deleted: await faults.clear(domainId) }),
    o.domain as string | undefined,
  ),
).option('--domain <name>', 'domain (default: the bootstrap domain)');

/** Aligned columns, one line per row, under a header. */
function columns(rows: Record<string, string>[]): string {
  if (rows.length === 0) return '(none)\n';
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => r[k]!)))].join('\n') + '\n';
}

adminCommand(
  admin,
  'activity',
  'list the activity trail of API changes, newest first',
  async ({ store, iam }, _a, o) => {
    const limit = Number(o.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new CliError('--limit must be a whole number from 1 to 10000');
    const outcome = o.outcome as 'success' | 'failure' | undefined;
    if (outcome !== undefined && outcome !== 'success' && outcome !== 'failure')
      throw new CliError('--outcome must be success or failure');
    const domainId = o.domain === undefined ? undefined : (await iam.resolveDomain(o.domain as string)).id;
    const service = new ActivityService(new ActivityRepo(store.db, store.transact));
    const filter = {
      domainId,
      projectId: o.projectId as string | undefined,
      operation: o.operation as string | undefined,
      user: o.user as string | undefined,
      outcome,
    };
    const { activity } = await service.page(filter, undefined, limit);
    if (o.json) return activity;
    const rows = activity.map((a) => ({
      time: a.time,
      status: String(a.status),
      error: a.error_code ?? '',
      operation: a.operation,
      user: a.access_key ? `${a.user_name} (${a.access_key})` : a.user_name,
      project: a.project_id ?? '',
      resource: a.resource,
    }));
    process.stdout.write(columns(rows));
    return undefined;
  },
)
  .option('--domain <name>', 'only this domain')
  .option('--project-id <id>', 'only this project')
  .option('--operation <id>', 'only this operation (operationId)')
  .option('--user <user>', 'only this user (id or name)')
  .option('--outcome <outcome>', 'success or failure')
  .option('--limit <n>', 'at most this many, newest first', '50');

program.parseAsync(process.argv);
