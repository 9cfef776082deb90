import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import type { App } from '../platform/http.js';
import { packageRoot } from '../platform/paths.js';
import { RX_ID, RX_VER } from '../iotedge/patterns.js';
import { RX_PROVIDER_NAME } from '../rfs/schemas.js';
import type { ConsoleReads } from './reads.js';

const ASSETS: Record<string, string> = {
  'console.js': 'application/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

// Nothing on a console page may reach past this server: an air-gapped site works the same.
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const shell = (region: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Versionary console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<div id="console" data-region="${region.replace(/[^A-Za-z0-9-]/g, '')}"></div>
<script src="/console/assets/console.js"></script>
</body>
</html>
`;

interface Built {
  body: string;
  etag: string;
  /** What the file was when read: a rebuild while the server runs is served at once. */
  stamp: string;
}

/**
 * The console's built files (npm run build writes them to dist/console), read on first use and again
 * once rebuilt; a file not built yet is looked for again at the next request, so building the console
 * needs no restart.
 */
function assets(dir: string) {
  const built = new Map<string, Built>();
  return (name: string): Built | null => {
    const file = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      built.delete(name);
      return null;
    }
    const stamp = `${stat.size}-${stat.mtimeMs}`;
    const was = built.get(name);
    if (was?.stamp === stamp) return was;
    const body = fs.readFileSync(file, 'utf8');
    const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const now = { body, etag, stamp };
    built.set(name, now);
    return now;
  };
}

/** Every answer of the console's own paths: no type sniffing, no referrer sent on. */
const HARDENING = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

/**
 * GET /console and every page under it: one page that routes in the browser (deep links land on it).
 * `assetsDir`: where the built console.js and console.css are (dist/console of the package).
 */
export function consolePages(app: App, opts: { region: string; assetsDir?: string }): void {
  const page = shell(opts.region);
  const asset = assets(opts.assetsDir ?? path.join(packageRoot(), 'dist', 'console'));
  const send = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', POLICY)
      .header('Cache-Control', 'no-cache')
      .headers(HARDENING)
      .send(page);
  app.get('/console', { schema: { hide: true } }, send);
  app.get('/console/*', { schema: { hide: true } }, send);
  // Only the built files are assets; any other path under /console/assets is none (not the page).
  const none = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.callNotFound();
  app.get('/console/assets', { schema: { hide: true } }, none);
  app.get('/console/assets/*', { schema: { hide: true } }, none);
  app.get<{ Params: { name: string } }>('/console/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const type = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!type) return reply.callNotFound();
    const found = asset(req.params.name);
    if (found === null) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .headers(HARDENING)
        .send('The console is not built: run npm run build.');
    }
    reply.type(type).header('Cache-Control', 'no-cache').header('ETag', found.etag).headers(HARDENING);
    const asked = req.headers['if-none-match'];
    if (typeof asked === 'string' && asked.split(/\s*,\s*/).some((t) => t === found.etag || t === `W/${found.etag}`))
      return reply.code(304).send();
    return reply.send(found.body);
  });
}

// What the families accept: a value no app, version or provider can have is refused, naming it, on every store.
const AppId = Type.String({ minLength: 1, maxLength: 64, pattern: RX_ID.source, 'x-rule': 'letters, digits, _ and -' });
const Version = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: RX_VER.source,
  'x-rule': 'letters, digits, ".", _ and -',
});
const ProviderName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: RX_PROVIDER_NAME.source,
  'x-rule': 'lower-case letters, digits and "-", starting and ending with a letter or digit',
});

const PageQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  },
  { additionalProperties: false },
);

/** The console's reads that the public APIs do not answer, for an authenticated caller in its own scope. */
export function consoleReads(app: App, reads: ConsoleReads): void {
  app.get(
    '/_versionary/overview',
    {
      schema: {
        hide: true,
        querystring: Type.Object({}, { additionalProperties: false }),
      },
    },
    async (req) => reads.overview(req.caller!.domainId, req.caller!.projectId),
  );
  app.get<{ Querystring: { edge_app_id: string; version: string[] } }>(
    '/_versionary/accelerators',
    {
      schema: {
        hide: true,
        querystring: Type.Object(
          {
            edge_app_id: AppId,
            version: Type.Array(Version, { maxItems: 1000, default: [] }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const project = req.caller!.projectId;
      if (project === null) return {};
      return reads.accelerators(project, req.query.edge_app_id, req.query.version);
    },
  );
  app.get<{ Params: { provider_name: string }; Querystring: { offset: number; limit: number } }>(
    '/_versionary/private-providers/:provider_name/versions',
    {
      schema: {
        hide: true,
        params: Type.Object({ provider_name: ProviderName }),
        querystring: PageQuery,
      },
    },
    async (req) =>
      reads.providerVersions(req.caller!.domainId, req.params.provider_name, req.query.offset, req.query.limit),
  );
}
