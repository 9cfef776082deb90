import fs from 'node:fs';
import scalar from '@scalar/fastify-api-reference';
import type { App } from '../platform/http.js';

const PUBLIC = new URL('../../public/', import.meta.url);
const read = (name: string) => fs.readFileSync(new URL(name, PUBLIC), 'utf8');

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

  app.register(scalar, { routePrefix: '/explorer/reference', logLevel: 'warn', configuration: { url: '/openapi.json', withDefaultFonts: false, telemetry: false } as never });

  app.get('/explorer', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { name: string } }>('/explorer/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const asset = assets[req.params.name];
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('Cache-Control', 'no-cache').send(asset.body);
  });
}
