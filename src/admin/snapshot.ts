import { JSONParser } from '@streamparser/json';
import type { Kysely } from 'kysely';
import { AppError } from '../platform/errors.js';
import { validationError, validatorCompiler } from '../platform/validation.js';
import { isForeignKeyViolation, isUniqueViolation } from '../store/db.js';
import type { Database } from '../store/types.js';
import { specOf, specOfDoc, withDocs } from '../iotedge/views.js';
import { withDoc } from '../rfs/views.js';
import { AdminRepo } from './repo.js';
import { EdgeAppRecord, EdgeAppVersionRecord, ProviderRecord, ProviderVersionRecord, SNAPSHOT_FORMAT, type Counts } from './schemas.js';

/**
 * Snapshots of all API data (IoTEdge apps and versions, RFS providers and versions), never of
 * identities: export streams one JSON document, import streams it back record by record into one
 * transaction, so it either loads completely or not at all.
 */

const TABLES = ['edge_apps', 'edge_app_versions', 'rfs_providers', 'rfs_provider_versions'] as const;
type Table = (typeof TABLES)[number];

const RECORD_SCHEMAS = { edge_apps: EdgeAppRecord, edge_app_versions: EdgeAppVersionRecord, rfs_providers: ProviderRecord, rfs_provider_versions: ProviderVersionRecord };
const validators = Object.fromEntries(TABLES.map((t) => [t, validatorCompiler({ schema: RECORD_SCHEMAS[t], httpPart: 'body', method: 'POST', url: '/_versionary/import' })])) as Record<
  Table,
  ((v: unknown) => boolean) & { errors?: unknown }
>;

const BATCH = 500;

/** Converts stored rows to snapshot records and back. */
const convert = {
  out: {
    edge_apps: (r: any) => ({ ...r, delivered_app: r.delivered_app === null ? null : r.delivered_app === 1 }),
    edge_app_versions: ({ doc, brief: _brief, ...r }: any) => ({ ...r, deploy_multi_instance: r.deploy_multi_instance === 1, arch: JSON.parse(r.arch), spec: specOfDoc(doc) }),
    rfs_providers: ({ tenant_id, ...r }: any) => ({ project_id: tenant_id, ...r }),
    rfs_provider_versions: ({ doc: _doc, ...r }: any) => r,
  },
  in: {
    edge_apps: ({ version_count: _counted, ...r }: any) => ({ ...r, delivered_app: r.delivered_app === null ? null : r.delivered_app ? 1 : 0 }),
    edge_app_versions: ({ spec, ...r }: any) => withDocs({ ...r, deploy_multi_instance: r.deploy_multi_instance ? 1 : 0, arch: JSON.stringify(r.arch) }, specOf(spec)),
    rfs_providers: ({ project_id, ...r }: any) => ({ tenant_id: project_id, ...r }),
    rfs_provider_versions: (r: any) => withDoc(r),
  },
};

export class SnapshotService {
  private readonly repo: AdminRepo;

  constructor(db: Kysely<Database>) {
    this.repo = new AdminRepo(db);
  }

  /** The snapshot as a stream of JSON text pieces. */
  async *export(project?: string): AsyncGenerator<string> {
    yield `{"format":"${SNAPSHOT_FORMAT}","version":1,"exported_at":${JSON.stringify(new Date().toISOString())},"project_id":${JSON.stringify(project ?? null)}`;
    const sources: Record<Table, AsyncGenerator<unknown>> = {
      edge_apps: this.repo.edgeApps(project),
      edge_app_versions: this.repo.edgeAppVersions(project),
      rfs_providers: this.repo.providers(project),
      rfs_provider_versions: this.repo.providerVersions(project),
    };
    for (const table of TABLES) {
      yield `,"${table}":[`;
      let first = true;
      let chunk = '';
      for await (const row of sources[table]) {
        chunk += (first ? '' : ',') + JSON.stringify(convert.out[table](row));
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

  /**
   * Loads a snapshot from a byte stream, in one transaction. `replace` first deletes the data of
   * the snapshot's scope (its project, or everything). Any bad record or conflict rolls back all.
   */
  async import(body: AsyncIterable<Uint8Array | string>, mode: 'add' | 'replace'): Promise<Counts> {
    return this.repo.transaction(async (repo) => {
      const counts: Counts = { edge_apps: 0, edge_app_versions: 0, rfs_providers: 0, rfs_provider_versions: 0 };
      const pending: Record<Table, unknown[]> = { edge_apps: [], edge_app_versions: [], rfs_providers: [], rfs_provider_versions: [] };
      const header: { format?: unknown; version?: unknown; project_id?: unknown } = {};
      let cleared = false;

      const parser = new JSONParser({
        paths: ['$.format', '$.version', '$.project_id', ...TABLES.map((t) => `$.${t}.*`)],
        keepStack: false,
      });
      parser.onValue = ({ value, key, stack }) => {
        if (stack.length === 1) {
          (header as Record<string, unknown>)[String(key)] = value;
          return;
        }
        const table = stack[1]?.key as Table;
        const index = counts[table] + pending[table].length;
        const validate = validators[table];
        if (!validate(value)) {
          const err = validationError((validate.errors as never[]) ?? [], 'body');
          throw new AppError('invalid', `${table}[${index}]: ${err.detail}`);
        }
        try {
          pending[table].push(convert.in[table](value));
        } catch (err) {
          throw new AppError('invalid', `${table}[${index}]: ${(err as Error).message}`);
        }
      };

      const flush = async (all: boolean) => {
        if (!cleared && (header.format !== undefined || all)) {
          if (header.format !== SNAPSHOT_FORMAT || header.version !== 1) {
            throw new AppError('invalid', `not a snapshot: "format" must be "${SNAPSHOT_FORMAT}" and "version" 1, before any record`);
          }
          if (mode === 'replace') await repo.deleteAll(typeof header.project_id === 'string' ? header.project_id : undefined);
          cleared = true;
        }
        if (!cleared) return;
        for (const table of TABLES) {
          while (pending[table].length >= (all ? 1 : BATCH)) {
            const batch = pending[table].splice(0, BATCH);
            await this.insert(repo, table, batch, counts[table]);
            counts[table] += batch.length;
          }
        }
      };

      try {
        for await (const chunk of body) {
          parser.write(chunk);
          await flush(false);
        }
        if (!parser.isEnded) parser.end();
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('wrong_type', `the snapshot is not valid JSON: ${(err as Error).message}`);
      }
      await flush(true);
      await repo.recountVersions();
      return counts;
    });
  }

  private async insert(repo: AdminRepo, table: Table, rows: any[], offset: number): Promise<void> {
    try {
      if (table === 'edge_apps') await repo.insertEdgeApps(rows);
      else if (table === 'edge_app_versions') await repo.insertEdgeAppVersions(rows);
      else if (table === 'rfs_providers') await repo.insertProviders(rows);
      else await repo.insertProviderVersions(rows);
    } catch (err) {
      const where = `${table}[${offset}..${offset + rows.length - 1}]`;
      if (isUniqueViolation(err)) throw new AppError('conflict', `${where}: a record already exists (import with mode=replace, or reset first)`);
      if (isForeignKeyViolation(err)) throw new AppError('invalid', `${where}: a version refers to an app or provider that is not in the store or earlier in the snapshot`);
      throw err;
    }
  }

  async reset(project?: string): Promise<{ edge_apps: number; rfs_providers: number }> {
    return this.repo.deleteAll(project);
  }
}
