import fs from 'node:fs';
import path from 'node:path';
import swagger from '@fastify/swagger';
import { packageRoot } from './paths.js';
import type { App } from './http.js';
import { ENDPOINT, withCodeSamples } from '../samples/index.js';

const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
  version: string;
  description: string;
};
export const VERSION = pkg.version;

const ENVELOPE = {
  type: 'object',
  required: ['error_code', 'error_msg'],
  properties: {
    error_code: {
      type: 'string',
      description: 'IoTEdge.xxxxxxxx, RF.xxxxxxxx (11 characters), IAM.xxxx or a gateway code APIGW.xxxx',
    },
    error_msg: { type: 'string', description: 'the canonical message, then the failing fields and rules' },
    encoded_authorization_message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', properties: { error_code: { type: 'string' }, error_msg: { type: 'string' } } },
    },
  },
};

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid request: the message names every failing field and rule.',
  '401': 'No valid X-Auth-Token and no valid AK/SK signature (APIGW.0301).',
  '403': 'Not allowed: another project than the credential (APIGW.0302), a published version, a quota.',
  '404': 'Unknown resource, or unknown route (APIGW.0101).',
  '409': 'Already exists.',
  '413': 'Body over the size limit (APIGW.0201).',
  '503': 'The store is unavailable; retry after Retry-After seconds.',
};

type ObjectSchema = { properties?: Record<string, { default?: unknown }>; required?: string[] };

/**
 * A querystring or header field with a default may be left out: the request is then validated with
 * the default filled in, which is why the schema lists it as required. In the document it is optional.
 */
function optionalDefaults<T>(schema: T): T {
  const s = schema as ObjectSchema | undefined;
  if (!s?.properties || !Array.isArray(s.required)) return schema;
  const required = s.required.filter((name) => s.properties?.[name]?.default === undefined);
  if (required.length === s.required.length) return schema;
  const { required: _all, ...rest } = s;
  return (required.length ? { ...rest, required } : rest) as T;
}

/** OpenAPI 3.1 generated from the route schemas; the error envelopes are added to every API operation. */
export function registerOpenApi(app: App): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Versionary',
        version: VERSION,
        description:
          'Self-hosted, wire-compatible Huawei Cloud IoTEdge edge-app versions (v2) and RFS private-provider versions (v1), ' +
          'with the IAM token endpoints their clients use. Authenticate with an IAM token in X-Auth-Token ' +
          '(POST /v3/auth/tokens) or with AK/SK request signatures (SDK-HMAC-SHA256) as the official SDKs do.',
      },
      tags: [
        { name: 'IoTEdge', description: 'Edge applications and their versions: /v2/{project_id}/edge-apps' },
        { name: 'RFS', description: 'Private providers and their immutable versions: /v1/private-providers' },
        { name: 'IAM', description: 'Tokens and the look-ups the SDKs make' },
        { name: 'Admin', description: 'Snapshot export/import, reset and fault rules, for the admin user' },
        { name: 'Activity', description: 'The trail of API changes: who did what, with what outcome' },
      ],
      components: {
        securitySchemes: {
          iamToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Auth-Token',
            description: 'An IAM token: the X-Subject-Token header of POST /v3/auth/tokens.',
          },
          akskSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              'SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>, with X-Sdk-Date, as computed by the official Huawei Cloud SDKs from an access key and secret key.',
          },
        },
      },
      security: [{ iamToken: [] }, { akskSignature: [] }],
    },
    hideUntagged: true,
    transformObject: (d) => ('openapiObject' in d ? withCodeSamples(d.openapiObject) : d.swaggerObject),
    transform: ({ schema, url, route }) => {
      const tags = (schema as { tags?: unknown } | undefined)?.tags;
      if (!schema || !Array.isArray(tags) || tags.length === 0) return { schema, url };
      const table = app.errorTables.of(url);
      // Only an authenticated POST creates something that may already exist.
      const isPublic = (route.config as { public?: boolean } | undefined)?.public;
      const creates = route.method === 'POST' && !isPublic;
      const response = { ...((schema as { response?: Record<string, unknown> }).response ?? {}) };
      for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
        if (status === '409' && !(creates && table.conflict?.status === 409)) continue;
        response[status] ??= { description, content: { 'application/json': { schema: ENVELOPE } } };
      }
      const { querystring, headers } = schema as { querystring?: unknown; headers?: unknown };
      const optional = {
        ...(querystring ? { querystring: optionalDefaults(querystring) } : {}),
        ...(headers ? { headers: optionalDefaults(headers) } : {}),
      };
      return {
        schema: { ...schema, ...optional, response, ...(isPublic ? { security: [] } : {}) } as typeof schema,
        url,
      };
    },
  });
  // The document is made once; each origin it is served at gets its text with that URL in the code samples.
  const texts = new Map<string, string>();
  let base: string | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async (req, reply) => {
    const origin = ORIGIN.test(req.host) ? `${req.protocol}://${req.host}` : ENDPOINT;
    let text = texts.get(origin);
    if (text === undefined) {
      base ??= JSON.stringify(app.swagger());
      text = base.replaceAll(ENDPOINT, origin);
      if (texts.size >= 16) texts.clear();
      texts.set(origin, text);
    }
    return reply.type('application/json; charset=utf-8').send(text);
  });
}

/** A host and port as a request may name them; anything else is not put in the samples. */
const ORIGIN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
