import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { JSONParser } from '@streamparser/json';
import { AppError } from '../platform/errors.js';
import { loneSurrogateProblem } from '../platform/text.js';
import { isForeignKeyViolation, isUniqueViolation, isValueRejected, type Store } from '../store/db.js';
import { AdminRepo, type Scope } from './repo.js';
import { recordToRow, rowToRecord, TABLES, type ReceivedProvider, type Rows, type Table } from './records.js';
import { SNAPSHOT_FORMAT, type Counts } from './schemas.js';
import { snapshotDir, Spool } from './spool.js';
import { SnapshotGuard, type ValueKind } from './guard.js';
import { keepByteOrderMarks } from './bom.js';
import { takesRowLocks } from '../store/locks.js';
import type { NewActivity } from '../store/types.js';

export type { Scope } from './repo.js';

/**
 * Snapshots of all API data (IoTEdge apps and versions, RFS providers and versions), never of
 * identities. Export streams one JSON document. Import first receives and checks the whole
 * snapshot into a temporary spool without touching the store, then loads it in one transaction,
 * so it either loads completely or not at all, and a slow upload holds no lock.
 *
 * Who may reach what: an administrator acts within its own domain (`domainId`); the operator's
 * command works on the whole store, or on the domain or project it names. RFS providers belong to
 * a domain: a project's snapshot holds none, and a project's reset or replace keeps them.
 */

const INSERT_BATCH = 100;
/** Deeper than any snapshot nests (a version's container port is at depth 8). */
const MAX_DEPTH = 16;
const HEADER_KEYS = new Set(['format', 'version', 'exported_at', 'project_id', 'domain_id']);

export interface Header {
  format?: unknown;
  version?: unknown;
  project_id?: unknown;
  domain_id?: unknown;
}

/** What the checks of a received snapshot need to know besides its rows. */
interface Received {
  header: Header;
  counts: Counts;
  /** Every project a record names, with the first record that names it. */
  projects: Map<string, string>;
  /** Every domain a provider record names, with the first record that names it. */
  domains: Map<string, string>;
  /** The owner (domain, or project in a snapshot of an earlier release) and name of every provider record. */
  providerNames: { owner: string; byProject: boolean; name: string; where: string }[];
  /** Providers the snapshot holds, and those its versions name (with the first such version). */
  providers: Set<string>;
  providerRefs: Map<string, string>;
}

const notInScope = (where: string, what: string) => new AppError('invalid', `${where}: ${what}`);

export class SnapshotService {
  private readonly repo: AdminRepo;

  /** No record of a snapshot can be larger than this: twice the largest API request body, and at least 4 MiB. */
  private readonly recordBytes: number;

  constructor(
    private readonly store: Pick<Store, 'db' | 'dialect' | 'transact' | 'readConsistent'>,
    private readonly region: string,
    bodyLimit: number,
  ) {
    this.repo = new AdminRepo(store.db);
    this.recordBytes = Math.max(4 * 1024 * 1024, 2 * bodyLimit);
  }

  /**
   * The snapshot of a scope as a stream of JSON text pieces. It is written whole to a temporary
   * file from one consistent view of the store (a record created meanwhile is either in it with
   * everything it refers to, or not at all), then sent from there: a slow reader holds nothing open.
   */
  async export(scope: Scope = {}): Promise<Readable> {
    const dir = await snapshotDir('export');
    const file = path.join(dir, 'snapshot.json');
    const removeDir = () => fs.promises.rm(dir, { recursive: true, force: true });
    try {
      await this.store.readConsistent(async (db) => {
        const out = await fs.promises.open(file, 'w');
        try {
          for await (const piece of this.pieces(new AdminRepo(db), scope)) await out.write(piece);
        } finally {
          await out.close();
        }
      });
    } catch (err) {
      await removeDir();
      throw err;
    }
    const stream = fs.createReadStream(file, { highWaterMark: 65536 });
    stream.once('close', () => void removeDir());
    return stream;
  }

  private async *pieces(repo: AdminRepo, scope: Scope): AsyncGenerator<string> {
    const head = {
      format: SNAPSHOT_FORMAT,
      version: 1,
      exported_at: new Date().toISOString(),
      project_id: scope.projectId ?? null,
      domain_id: scope.domainId ?? null,
    };
    yield JSON.stringify(head).slice(0, -1);
    const sources: Record<Table, AsyncGenerator<unknown>> = {
      edge_apps: repo.edgeApps(scope),
      edge_app_versions: repo.edgeAppVersions(scope),
      rfs_providers: repo.providers(scope),
      rfs_provider_versions: repo.providerVersions(scope),
    };
    for (const table of TABLES) {
      yield `,"${table}":[`;
      let first = true;
      let chunk = '';
      for await (const row of sources[table]) {
        chunk += (first ? '' : ',') + JSON.stringify(rowToRecord[table](row));
        first = false;
        if (chunk.length > 65536) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk + ']';
    }
    yield '}\n';
  }

  /** True when the project exists within the scope (for an administrator: in its domain). */
  async hasProject(projectId: string, scope: Scope): Promise<boolean> {
    const [p] = await this.repo.projects([projectId]);
    return !!p && (scope.domainId === undefined || p.domain_id === scope.domainId);
  }

  /**
   * Loads a snapshot from a byte stream within a scope. `replace` first deletes the data the
   * snapshot covers (its project; else the scope's domain, or the domain the snapshot names; else
   * everything). Every record must lie in that coverage and name a project that exists; any bad
   * record or conflict refuses the whole snapshot and changes nothing.
   */
  async import(
    body: AsyncIterable<Uint8Array | string>,
    mode: 'add' | 'replace',
    scope: Scope = {},
    activity?: NewActivity,
  ): Promise<Counts> {
    const spool = await Spool.open<Table>();
    try {
      const received = await this.receive(body, spool);
      const covered = await this.coverage(received.header, scope);
      const domainOf = await this.check(received, covered);
      return await this.apply(received, spool, mode, covered, domainOf, activity);
    } finally {
      await spool.close();
    }
  }

  async reset(scope: Scope = {}, activity?: NewActivity): Promise<{ edge_apps: number; rfs_providers: number }> {
    return this.store.transact((trx) => new AdminRepo(trx).deleteAll(scope), activity);
  }

  /** Parses and checks every record into the spool; nothing in the store is read or written. */
  private async receive(body: AsyncIterable<Uint8Array | string>, spool: Spool<Table>): Promise<Received> {
    const r: Received = {
      header: {},
      counts: { edge_apps: 0, edge_app_versions: 0, rfs_providers: 0, rfs_provider_versions: 0 },
      projects: new Map(),
      domains: new Map(),
      providerNames: [],
      providers: new Set(),
      providerRefs: new Map(),
    };
    const header = r.header as Record<string, unknown>;
    const parser = new JSONParser({
      paths: ['$.format', '$.version', '$.project_id', '$.domain_id', ...TABLES.map((t) => `$.${t}.*`)],
      keepStack: false,
    });
    keepByteOrderMarks(parser);
    let checkedHeader = false;
    parser.onValue = ({ value, key, stack }) => {
      if (stack.length === 1) {
        refuseLoneSurrogate(value, String(key));
        header[String(key)] = value;
        return;
      }
      if (!checkedHeader) {
        checkHeader(r.header);
        checkedHeader = true;
      }
      const table = stack[1]!.key as Table;
      const index = r.counts[table]++;
      const where = `${table}[${index}]`;
      refuseLoneSurrogate(value, where);
      const row = recordToRow(table, index, value, this.region);
      if (table === 'rfs_provider_versions') {
        const id = (row as Rows['rfs_provider_versions']).provider_id;
        if (!r.providerRefs.has(id)) r.providerRefs.set(id, `${where}.provider_id`);
      } else if (table === 'rfs_providers') {
        const p = row as ReceivedProvider;
        const byProject = 'project_id' in p;
        const owner = byProject ? p.project_id : p.domain_id;
        const owners = byProject ? r.projects : r.domains;
        if (!owners.has(owner)) owners.set(owner, `${where}.${byProject ? 'project_id' : 'domain_id'}`);
        r.providerNames.push({ owner, byProject, name: p.provider_name, where: `${where}.provider_name` });
        r.providers.add(p.provider_id);
      } else {
        const project = (row as { project_id: string }).project_id;
        if (!r.projects.has(project)) r.projects.set(project, `${where}.project_id`);
      }
      spool.add(table, row);
    };
    const guard = new SnapshotGuard({ depth: MAX_DEPTH, recordBytes: this.recordBytes }, topLevelCheck());
    try {
      for await (const chunk of body) {
        guard.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        parser.write(chunk);
        await spool.flush();
      }
      if (!parser.isEnded) parser.end();
    } catch (err) {
      // A system error (no space left for the spool, say) is the server's trouble, not the snapshot's.
      if (err instanceof AppError || typeof (err as NodeJS.ErrnoException).code === 'string') throw err;
      throw new AppError('wrong_type', `the snapshot is not valid JSON: ${(err as Error).message}`);
    }
    checkHeader(r.header);
    return r;
  }

  /** The data a snapshot covers within the caller's scope (what `replace` deletes). */
  private async coverage(header: Header, scope: Scope): Promise<Scope> {
    if (typeof header.project_id === 'string') {
      const [p] = await this.repo.projects([header.project_id]);
      if (!p || (scope.domainId !== undefined && p.domain_id !== scope.domainId)) {
        throw notInScope(
          'project_id',
          `project ${header.project_id} does not exist${scope.domainId ? ' in your domain' : ''}`,
        );
      }
      return { projectId: p.id, domainId: p.domain_id };
    }
    if (scope.domainId !== undefined) return scope;
    if (typeof header.domain_id === 'string') return { domainId: header.domain_id };
    return {};
  }

  /**
   * Every project and domain named exists within the coverage (a provider's domain is the covered
   * domain, when there is one); provider names are unique per domain; versions of providers not in
   * the snapshot are of providers within it. Answers the domain of every project named.
   */
  private async check(r: Received, covered: Scope): Promise<Map<string, string>> {
    const inside = (p: { id: string; domain_id: string } | undefined) =>
      !!p &&
      (covered.projectId === undefined || p.id === covered.projectId) &&
      (covered.domainId === undefined || p.domain_id === covered.domainId);
    const found = new Map((await this.repo.projects([...r.projects.keys()])).map((p) => [p.id, p]));
    for (const [project, where] of r.projects) {
      if (!inside(found.get(project))) throw notInScope(where, `project ${project} does not exist${describe(covered)}`);
    }
    const domainInside = (domain: string) => covered.domainId === undefined || domain === covered.domainId;
    const existing = new Set((await this.repo.domains([...r.domains.keys()])).map((d) => d.id));
    for (const [domain, where] of r.domains) {
      // Another domain is refused alike whether it exists or not.
      if (!domainInside(domain))
        throw notInScope(where, `domain ${domain} is not the domain ${covered.domainId} this snapshot loads into`);
      if (!existing.has(domain)) throw notInScope(where, `domain ${domain} does not exist`);
    }
    const domainOf = new Map([...found.values()].map((p) => [p.id, p.domain_id]));
    const names = new Map<string, string>();
    for (const { owner, byProject, name, where } of r.providerNames) {
      const domain = byProject ? domainOf.get(owner)! : owner;
      const key = `${domain}\u0000${name}`;
      const first = names.get(key);
      if (first !== undefined) {
        throw new AppError(
          'conflict',
          `${where}: provider ${name} is also ${first} in domain ${domain}; provider names are unique per domain (rename or leave out one of them)`,
        );
      }
      names.set(key, where.slice(0, -'.provider_name'.length));
    }
    const outside = [...r.providerRefs.keys()].filter((id) => !r.providers.has(id));
    const stored = new Map((await this.repo.providerDomains(outside)).map((p) => [p.provider_id, p.domain_id]));
    for (const id of outside) {
      const domain = stored.get(id);
      if (domain === undefined || !domainInside(domain)) {
        throw notInScope(
          r.providerRefs.get(id)!,
          `provider ${id} is neither in the snapshot nor in the store${describe(covered)}`,
        );
      }
    }
    return domainOf;
  }

  /** Loads the spooled rows in one transaction, a batch at a time, letting other work run between batches. */
  private async apply(
    r: Received,
    spool: Spool<Table>,
    mode: 'add' | 'replace',
    covered: Scope,
    domainOf: Map<string, string>,
    activity?: NewActivity,
  ): Promise<Counts> {
    // A provider of an earlier release's snapshot goes to the domain of its project.
    const owned = (row: ReceivedProvider) => {
      if (!('project_id' in row)) return row;
      const { project_id: project, ...rest } = row;
      return { domain_id: domainOf.get(project)!, ...rest };
    };
    // What to do about a record that exists: after a replace, only the snapshot itself (or, for a
    // provider, the domain a project's replace keeps) can hold it again.
    const twice = 'the snapshot holds it twice, or another domain has this id';
    const again =
      mode === 'add'
        ? 'import with mode=replace, or reset first'
        : covered.projectId !== undefined
          ? `${twice}; RFS providers belong to the domain, which a project's replace keeps: reset the domain first`
          : twice;
    const againForApps = mode === 'add' ? 'import with mode=replace, or reset first' : 'the snapshot holds it twice';
    return this.store.transact(async (trx) => {
      const repo = new AdminRepo(trx);
      // Imports run one at a time (SQLite's one writer does that by itself): two replaces of one
      // scope would otherwise both delete, then conflict on what the other inserted.
      if (takesRowLocks(this.store.dialect)) await repo.lockImports();
      if (mode === 'replace') await repo.deleteAll(covered);
      for (const table of TABLES) {
        let offset = 0;
        for await (const batch of spool.batches<Rows[typeof table]>(table, INSERT_BATCH)) {
          const rows = table === 'rfs_providers' ? (batch as ReceivedProvider[]).map(owned) : batch;
          await insert(repo, table, rows, offset, table.startsWith('rfs_') ? again : againForApps);
          offset += rows.length;
          await nextTurn();
        }
      }
      await repo.refreshApps([...r.projects.keys()]);
      return r.counts;
    }, activity);
  }
}

/**
 * Checks each top-level key as soon as its value starts: "format" comes first, every key is one a
 * snapshot has, once, and tables are arrays (a misspelled table would otherwise load nothing, and
 * with replace delete what it was meant to restore).
 */
function topLevelCheck(): (name: string, kind: ValueKind) => void {
  const seen = new Set<string>();
  return (name, kind) => {
    if (seen.size === 0 && name !== 'format')
      throw new AppError('invalid', `not a snapshot: it must begin with "format": "${SNAPSHOT_FORMAT}", not "${name}"`);
    if (seen.has(name)) throw new AppError('invalid', `"${name}" appears twice in the snapshot`);
    seen.add(name);
    const table = (TABLES as readonly string[]).includes(name);
    if (!table && !HEADER_KEYS.has(name)) {
      throw new AppError(
        'unknown_field',
        `"${name}" is not a field of a snapshot (${[...HEADER_KEYS, ...TABLES].join(', ')})`,
      );
    }
    if (table && kind !== 'array') throw new AppError('wrong_type', `${name} must be an array of records`);
    if (!table && kind !== 'scalar') throw new AppError('wrong_type', `${name} must be a string, a number or null`);
  };
}

/** Stored text is exactly what was sent: a string that is not Unicode is refused, not mended. */
function refuseLoneSurrogate(value: unknown, where: string): void {
  const problem = loneSurrogateProblem(value, where);
  if (problem) throw new AppError('invalid', problem);
}

function checkHeader(h: Header): void {
  if (h.format !== SNAPSHOT_FORMAT || h.version !== 1) {
    throw new AppError(
      'invalid',
      `not a snapshot: "format": "${SNAPSHOT_FORMAT}" and "version": 1 must come before the first record`,
    );
  }
  if (h.project_id !== undefined && h.project_id !== null && typeof h.project_id !== 'string')
    throw new AppError('wrong_type', 'project_id must be a string or null');
  if (h.domain_id !== undefined && h.domain_id !== null && typeof h.domain_id !== 'string')
    throw new AppError('wrong_type', 'domain_id must be a string or null');
}

function describe(covered: Scope): string {
  if (covered.projectId !== undefined) return ` in the snapshot's project ${covered.projectId}`;
  if (covered.domainId !== undefined) return ` in domain ${covered.domainId}`;
  return '';
}

async function insert(repo: AdminRepo, table: Table, rows: unknown[], offset: number, again: string): Promise<void> {
  try {
    await repo.insert(table, rows as never);
  } catch (err) {
    const where = `${table}[${offset}..${offset + rows.length - 1}]`;
    if (isUniqueViolation(err)) throw new AppError('conflict', `${where}: a record already exists (${again})`);
    if (isForeignKeyViolation(err))
      throw new AppError(
        'invalid',
        `${where}: a version refers to an app or provider that is neither in the snapshot nor in the store`,
      );
    if (isValueRejected(err)) throw new AppError('invalid', `${where}: a value the database cannot store`);
    throw err;
  }
}
