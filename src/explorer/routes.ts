import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import type { App } from '../platform/http.js';
import { packageRoot } from '../platform/paths.js';

const read = (name: string) => fs.readFileSync(path.join(packageRoot(), 'public', name), 'utf8');

/**
 * Scalar's browser bundle (4 MB) ships inside @scalar/fastify-api-reference. It is loaded on the
 * first request for it, not at start-up, so that the server starts fast.
 */
let scalarScript: Promise<string> | undefined;
function loadScalarScript(): Promise<string> {
  scalarScript ??= (async () => {
    const { default: scalar } = await import('@scalar/fastify-api-reference');
    const probe = Fastify();
    await probe.register(scalar, {
      routePrefix: '/reference',
      configuration: { content: { openapi: '3.1.0', info: { title: '', version: '' }, paths: {} } } as never,
    });
    const res = await probe.inject('/reference/js/scalar.js');
    await probe.close();
    if (res.statusCode !== 200) throw new Error(`cannot load the Scalar script (${res.statusCode})`);
    return res.body;
  })();
  return scalarScript;
}

/**
 * GET /explorer: the Scalar API reference, served offline by Versionary itself (its script comes
 * from the @scalar/fastify-api-reference package), with a sign-in bar that gets an IAM token.
 */
export function explorerRoutes(app: App, opts: { region: string }): void {
  const page = read('explorer.html').replaceAll('{{region}}', opts.region);
  const assets: Record<string, { body: string; type: string }> = {
    'explorer.js': { body: read('explorer.js'), type: 'application/javascript; charset=utf-8' },
    'explorer.css': { body: read('explorer.css'), type: 'text/css; charset=utf-8' },
  };

  app.get('/explorer/reference/js/scalar.js', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .send(await loadScalarScript()),
  );

  app.get('/explorer', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
  app.get<{ Params: { name: string } }>('/explorer/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const asset = assets[req.params.name];
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('Cache-Control', 'no-cache').send(asset.body);
  });
}
