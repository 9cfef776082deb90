import { sql, type Kysely, type Migration, type Transaction } from 'kysely';

/**
 * RFS private providers belong to a domain (account), no longer to a project: a provider name is
 * unique per domain in the region, and every project of the domain sees the same providers.
 * `rfs_providers.tenant_id` (a project id) becomes `domain_id`, the domain of that project; the
 * primary key becomes (domain_id, provider_name) and the list index (domain_id, create_time,
 * provider_name).
 *
 * Two kinds of rows cannot move by themselves:
 * - providers of the same name in two or more projects of one domain;
 * - providers whose project no longer exists (no domain to move to).
 * Unless the operator chose what to do with them (`Resolution`, from `versionary migrate
 * --rfs-rename-duplicates / --rfs-drop-orphans`), the migration refuses, naming each of them,
 * and changes nothing. The whole migration is one transaction.
 *
 * Frozen: this file depends on nothing of the application.
 */

export interface Resolution {
  /** Keep every provider: the oldest of a name keeps it, the others become `<name>-2`, `<name>-3` … */
  renameDuplicates?: boolean;
  /** Delete (with their versions) the providers whose project no longer exists. */
  dropOrphans?: boolean;
  /** Receives one line per provider renamed or deleted. */
  report?: (line: string) => void;
}

interface Held {
  domain_id: string;
  domain_name: string;
  project_id: string;
  project_name: string;
  provider_name: string;
  provider_id: string;
  create_time: string;
  versions: number | string;
}

interface Orphan {
  project_id: string;
  provider_name: string;
  provider_id: string;
  create_time: string;
  versions: number | string;
}

const NAME_MAX = 64;
/** Most rows a refusal lists; the rest are counted. */
const LISTED = 50;

const versionCount = sql<
  number | string
>`(select count(*) from rfs_provider_versions v where v.provider_id = p.provider_id)`;

/** Providers whose name another project of the same domain also holds, by domain, name, age. */
async function duplicates(db: Kysely<any>): Promise<Held[]> {
  const res = await sql<Held>`
    select j.domain_id, d.name as domain_name, p.tenant_id as project_id, j.name as project_name,
           p.provider_name, p.provider_id, p.create_time, ${versionCount} as versions
      from rfs_providers p
      join projects j on j.id = p.tenant_id
      join domains d on d.id = j.domain_id
      join (select j2.domain_id as g_domain, p2.provider_name as g_name
              from rfs_providers p2 join projects j2 on j2.id = p2.tenant_id
             group by j2.domain_id, p2.provider_name
            having count(*) > 1) g on g.g_domain = j.domain_id and g.g_name = p.provider_name
     order by j.domain_id, p.provider_name, p.create_time, p.provider_id`.execute(db);
  return res.rows;
}

/** Providers whose project no longer exists. */
async function orphans(db: Kysely<any>): Promise<Orphan[]> {
  const res = await sql<Orphan>`
    select p.tenant_id as project_id, p.provider_name, p.provider_id, p.create_time, ${versionCount} as versions
      from rfs_providers p
     where not exists (select 1 from projects j where j.id = p.tenant_id)
     order by p.tenant_id, p.provider_name`.execute(db);
  return res.rows;
}

const plural = (n: number | string, one: string) => `${n} ${one}${Number(n) === 1 ? '' : 's'}`;
const describeHeld = (h: Held) =>
  `project ${h.project_name} (${h.project_id}; provider_id ${h.provider_id}, created ${h.create_time}, ${plural(h.versions, 'version')})`;

/** Groups rows of one domain and name together, keeping their order. */
function groups(rows: Held[]): Held[][] {
  const out: Held[][] = [];
  for (const row of rows) {
    const last = out.at(-1);
    if (last && last[0]!.domain_id === row.domain_id && last[0]!.provider_name === row.provider_name) last.push(row);
    else out.push([row]);
  }
  return out;
}

function refusal(dups: Held[][], lost: Orphan[], resolution: Resolution): Error {
  const lines: string[] = [];
  if (!resolution.renameDuplicates) {
    for (const g of dups) {
      const h = g[0]!;
      lines.push(
        `  domain ${h.domain_name} (${h.domain_id}): provider "${h.provider_name}" is held by ${g.length} of its projects: ${g.map(describeHeld).join('; ')}`,
      );
    }
  }
  if (!resolution.dropOrphans) {
    for (const o of lost) {
      lines.push(
        `  provider "${o.provider_name}" (provider_id ${o.provider_id}, created ${o.create_time}, ${plural(o.versions, 'version')}) belongs to project ${o.project_id}, which no longer exists`,
      );
    }
  }
  const shown = lines.slice(0, LISTED);
  if (lines.length > LISTED) shown.push(`  … and ${lines.length - LISTED} more`);
  return new Error(
    [
      'RFS private providers are now unique per domain (all projects of a domain share them), and these providers cannot move to their domain; nothing was changed:',
      ...shown,
      'Resolve them, then migrate again:',
      '  - with the release you ran before: delete one provider of each name (DELETE /v1/private-providers/{name} with credentials of its project), and either',
      '    re-create a missing project with its id (versionary admin project create NAME --domain DOMAIN --id PROJECT_ID) or delete its data (versionary admin reset --yes --project-id PROJECT_ID);',
      '  - or let this release do it: versionary migrate --rfs-rename-duplicates (the oldest provider of a name keeps it, the others become NAME-2, NAME-3 …)',
      '    and/or --rfs-drop-orphans (deletes the providers of projects that no longer exist, with their versions); each change is printed.',
    ].join('\n'),
  );
}

/** `<name>-<k>` with the smallest k ≥ 2 free in the domain, within the 64 characters of a name. */
function freeName(name: string, taken: Set<string>): string {
  for (let k = 2; ; k++) {
    const suffix = `-${k}`;
    const candidate = name.slice(0, NAME_MAX - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

async function namesOf(db: Kysely<any>, domainId: string): Promise<Set<string>> {
  const res = await sql<{
    provider_name: string;
  }>`select p.provider_name from rfs_providers p join projects j on j.id = p.tenant_id where j.domain_id = ${domainId}`.execute(
    db,
  );
  return new Set(res.rows.map((r) => r.provider_name));
}

async function resolve(db: Kysely<any>, dups: Held[][], lost: Orphan[], report: (line: string) => void): Promise<void> {
  const taken = new Map<string, Set<string>>();
  for (const g of dups) {
    const [keeper, ...others] = g;
    let names = taken.get(keeper!.domain_id);
    if (!names) taken.set(keeper!.domain_id, (names = await namesOf(db, keeper!.domain_id)));
    for (const h of others) {
      const renamed = freeName(h.provider_name, names);
      names.add(renamed);
      await sql`update rfs_providers set provider_name = ${renamed} where provider_id = ${h.provider_id}`.execute(db);
      report(
        `renamed provider "${h.provider_name}" of ${describeHeld(h)} in domain ${h.domain_name} (${h.domain_id}) to "${renamed}"; "${h.provider_name}" stays with project ${keeper!.project_name} (${keeper!.project_id})`,
      );
    }
  }
  for (const o of lost) {
    await sql`delete from rfs_providers where provider_id = ${o.provider_id}`.execute(db);
    report(
      `deleted provider "${o.provider_name}" (provider_id ${o.provider_id}, ${plural(o.versions, 'version')}) of project ${o.project_id}, which no longer exists`,
    );
  }
}

/** Runs fn in one transaction (PostgreSQL migrations already are one; SQLite's are not). */
function atomically(db: Kysely<any>, fn: (trx: Kysely<any>) => Promise<void>): Promise<void> {
  return db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<any>) => fn(trx));
}

async function up(db: Kysely<any>, resolution: Resolution): Promise<void> {
  await atomically(db, async (trx) => {
    const dups = groups(await duplicates(trx));
    const lost = await orphans(trx);
    if ((dups.length && !resolution.renameDuplicates) || (lost.length && !resolution.dropOrphans))
      throw refusal(dups, lost, resolution);
    await resolve(trx, dups, lost, resolution.report ?? (() => {}));

    // The key column is renamed (the primary key and the list index follow it), and re-keyed in two
    // steps through a value no id can have, so no row ever takes a key another still holds.
    await trx.schema.alterTable('rfs_providers').addColumn('moving_project_id', 'varchar(64)').execute();
    await sql`update rfs_providers set moving_project_id = tenant_id`.execute(trx);
    await trx.schema.alterTable('rfs_providers').renameColumn('tenant_id', 'domain_id').execute();
    await sql`update rfs_providers set domain_id = '~' || provider_id`.execute(trx);
    await sql`update rfs_providers set domain_id = (select j.domain_id from projects j where j.id = rfs_providers.moving_project_id)`.execute(
      trx,
    );
    await trx.schema.alterTable('rfs_providers').dropColumn('moving_project_id').execute();
  });
}

/** Back to providers of projects: each goes to the oldest project of its domain. */
async function down(db: Kysely<any>): Promise<void> {
  await atomically(db, async (trx) => {
    const homeless = await sql<{ domain_id: string }>`
      select distinct p.domain_id from rfs_providers p where not exists (select 1 from projects j where j.domain_id = p.domain_id)`.execute(
      trx,
    );
    if (homeless.rows.length) {
      throw new Error(
        `RFS providers of domains without a project cannot go back to a project: ${homeless.rows.map((r) => r.domain_id).join(', ')}`,
      );
    }
    await trx.schema.alterTable('rfs_providers').addColumn('moving_domain_id', 'varchar(64)').execute();
    await sql`update rfs_providers set moving_domain_id = domain_id`.execute(trx);
    await trx.schema.alterTable('rfs_providers').renameColumn('domain_id', 'tenant_id').execute();
    await sql`update rfs_providers set tenant_id = '~' || provider_id`.execute(trx);
    await sql`update rfs_providers set tenant_id = (select j.id from projects j where j.domain_id = rfs_providers.moving_domain_id order by j.created_at, j.id limit 1)`.execute(
      trx,
    );
    await trx.schema.alterTable('rfs_providers').dropColumn('moving_domain_id').execute();
  });
}

/** The migration with the operator's resolution of what cannot move by itself. */
export function rfsDomains(resolution: Resolution = {}): Migration {
  return { up: (db) => up(db, resolution), down };
}
