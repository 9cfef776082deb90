import { Readable } from 'node:stream';
import type { App } from '../platform/http.js';
import { AppError, tenantForbidden } from '../platform/errors.js';
import { validatorCompiler } from '../platform/validation.js';
import { Counts, ImportQuery, ProjectQuery, Snapshot } from './schemas.js';
import type { Scope, SnapshotService } from './snapshot.js';
import { activityOf } from '../activity/entry.js';

export interface AdminRouteOptions {
  snapshots: SnapshotService;
  /** Largest snapshot import in bytes. */
  importLimit: number;
}

/** Counts the bytes of a streamed body and stops at the limit with a 413. */
async function* limited(body: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit)
      throw new AppError('too_large', `the snapshot is larger than the import limit of ${limit} bytes`);
    yield chunk;
  }
}

const tags = ['Admin'];

/** An administrator reaches its own domain only; another domain's project answers as a missing one. */
async function scopeOf(
  req: { caller: { domainId: string } | null; query: { project_id?: string } },
  snapshots: SnapshotService,
): Promise<Scope> {
  const scope: Scope = { domainId: req.caller!.domainId };
  const project = req.query.project_id;
  if (project === undefined) return scope;
  if (!(await snapshots.hasProject(project, scope)))
    throw new AppError('not_found', `project ${project} does not exist in your domain`);
  return { ...scope, projectId: project };
}

/** /_versionary/: snapshot export and import, and reset, for administrators only. */
export function adminRoutes(app: App, { snapshots, importLimit }: AdminRouteOptions): void {
  app.addHook('preValidation', async (req) => {
    if (!req.caller?.isAdmin) throw tenantForbidden('Only an administrator may use the admin API.');
  });

  // The import body is streamed to the snapshot reader instead of being parsed whole.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { bodyLimit: importLimit }, (_req, payload, done) =>
    done(null, payload),
  );

  app.get(
    '/_versionary/export',
    {
      schema: {
        operationId: 'ExportSnapshot',
        tags,
        summary: 'Export a snapshot',
        description:
          "All API data of the administrator's domain (or one of its projects) as a JSON snapshot; identities are not included.",
        querystring: ProjectQuery,
        response: { 200: { description: 'the snapshot', content: { 'application/json': { schema: Snapshot } } } },
      },
    },
    async (req, reply) => {
      const scope = await scopeOf(req, snapshots);
      const name = `versionary-snapshot${req.query.project_id ? `-${req.query.project_id}` : ''}.json`;
      reply.type('application/json;charset=UTF-8').header('Content-Disposition', `attachment; filename="${name}"`);
      return reply.send((await snapshots.export(scope)) as never);
    },
  );

  app.post(
    '/_versionary/import',
    {
      config: { streamingBody: true },
      bodyLimit: importLimit,
      schema: {
        operationId: 'ImportSnapshot',
        tags,
        summary: 'Import a snapshot',
        description:
          "Loads a snapshot into the administrator's domain atomically: mode=add refuses existing records; mode=replace first deletes what the snapshot covers.",
        querystring: ImportQuery,
        body: Snapshot,
        response: { 200: Type200 },
      },
      // The body is a stream here; the snapshot reader validates every record instead.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : validatorCompiler(route)),
    },
    async (req) => {
      if (!(req.body instanceof Readable))
        throw new AppError('wrong_type', 'the snapshot must be sent as application/json');
      return {
        imported: await snapshots.import(
          limited(req.body as AsyncIterable<Buffer>, importLimit),
          req.query.mode,
          { domainId: req.caller!.domainId },
          activityOf(req, 200),
        ),
      };
    },
  );

  app.post(
    '/_versionary/reset',
    {
      schema: {
        operationId: 'ResetData',
        tags,
        summary: 'Reset data',
        description:
          "Deletes all API data of the administrator's domain (or one of its projects); identities are kept.",
        querystring: ProjectQuery,
      },
    },
    async (req) => ({ deleted: await snapshots.reset(await scopeOf(req, snapshots), activityOf(req, 200)) }),
  );
}

const Type200 = { type: 'object', properties: { imported: Counts } };
