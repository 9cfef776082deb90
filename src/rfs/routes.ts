import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import { registerErrors, type App } from '../platform/http.js';
import { orJsonText } from '../platform/json-text.js';
import { RFS_ERRORS } from './errors.js';
import { AppError } from '../platform/errors.js';
import { lenientBody as lenient } from '../platform/normalize.js';
import type { RfsService } from './service.js';
import { activityOf } from '../activity/entry.js';
import {
  ClientRequestHeaders,
  CreateProviderBody,
  CreateVersionBody,
  ListQuery,
  ProviderCreated,
  ProviderIdQuery,
  ProviderPage,
  ProviderParams,
  ProviderSummary,
  RX_CLIENT_REQUEST_ID,
  UpdateProviderBody,
  VersionListQuery,
  VersionMetadata,
  VersionPage,
  VersionParams,
} from './schemas.js';

export interface RfsRouteOptions {
  service: RfsService;
}

/** docs/api/rfs.md §1.2, checked right after authentication, before any parameter. */
const requireClientRequestId: preValidationHookHandler = async (req) => {
  const id = req.headers['client-request-id'];
  if (id === undefined || id === '') throw new AppError('missing', 'Client-Request-Id header is required');
  if (typeof id !== 'string' || id.length < 36 || id.length > 128 || !RX_CLIENT_REQUEST_ID.test(id)) {
    throw new AppError(
      'invalid',
      'Client-Request-Id must be 36-128 letters, digits and "-", starting with a letter or digit',
    );
  }
};

const tags = ['RFS'];
const headers = ClientRequestHeaders;

/**
 * The nine RFS private-provider operations of docs/api/rfs.md §2, scoped by the caller's domain (§1.3):
 * every project of a domain and its domain-scoped credentials share one namespace, and no project
 * is needed. An X-Project-Id or X-Domain-Id header only has to agree with the credential, which
 * authentication checks (platform/auth.ts).
 */
export function rfsRoutes(app: App, { service }: RfsRouteOptions): void {
  registerErrors(app, '/v1/private-providers', RFS_ERRORS);
  app.addHook('preValidation', requireClientRequestId);

  const domain = (req: FastifyRequest): string => req.caller!.domainId;

  const base = '/v1/private-providers';

  app.post(
    base,
    {
      preValidation: lenient(CreateProviderBody),
      schema: {
        operationId: 'CreatePrivateProvider',
        summary: 'Create a private provider',
        tags,
        headers,
        body: CreateProviderBody,
        response: { 201: ProviderCreated },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.createProvider(domain(req), req.body, activityOf(req, 201))),
  );

  app.get(
    base,
    {
      schema: {
        operationId: 'ListPrivateProviders',
        summary: 'List private providers',
        tags,
        headers,
        querystring: ListQuery,
        response: { 200: ProviderPage },
      },
    },
    async (req) => service.listProviders(domain(req), req.query),
  );

  const show = {
    schema: { tags, headers, params: ProviderParams, querystring: ProviderIdQuery, response: { 200: ProviderSummary } },
  };
  app.get(
    `${base}/:provider_name/metadata`,
    { schema: { ...show.schema, operationId: 'ShowPrivateProviderMetadata', summary: 'Show a private provider' } },
    async (req) => service.showProvider(domain(req), req.params.provider_name, req.query.provider_id),
  );
  app.get(
    `${base}/:provider_name`,
    {
      schema: {
        ...show.schema,
        operationId: 'ShowPrivateProvider',
        summary: 'Show a private provider (alias)',
        description: 'Alias of ShowPrivateProviderMetadata.',
      },
    },
    async (req) => service.showProvider(domain(req), req.params.provider_name, req.query.provider_id),
  );

  app.patch(
    `${base}/:provider_name/metadata`,
    {
      preValidation: lenient(UpdateProviderBody),
      schema: {
        operationId: 'UpdatePrivateProviderMetadata',
        summary: 'Update a private provider',
        tags,
        headers,
        params: ProviderParams,
        body: UpdateProviderBody,
      },
    },
    async (req, reply) => {
      await service.updateProvider(domain(req), req.params.provider_name, req.body, activityOf(req, 204));
      return reply.code(204).send();
    },
  );

  app.delete(
    `${base}/:provider_name`,
    {
      schema: {
        operationId: 'DeletePrivateProvider',
        summary: 'Delete a private provider and its versions',
        tags,
        headers,
        params: ProviderParams,
        querystring: ProviderIdQuery,
      },
    },
    async (req, reply) => {
      await service.deleteProvider(domain(req), req.params.provider_name, req.query.provider_id, activityOf(req, 204));
      return reply.code(204).send();
    },
  );

  const versions = `${base}/:provider_name/versions`;

  app.post(
    versions,
    {
      preValidation: lenient(CreateVersionBody),
      schema: {
        operationId: 'CreatePrivateProviderVersion',
        summary: 'Create a private provider version',
        tags,
        headers,
        params: ProviderParams,
        body: CreateVersionBody,
      },
    },
    async (req, reply) => {
      await service.createVersion(domain(req), req.params.provider_name, req.body, activityOf(req, 201));
      return reply.code(201).send();
    },
  );

  app.get(
    versions,
    {
      schema: {
        operationId: 'ListPrivateProviderVersions',
        summary: 'List the versions of a private provider',
        tags,
        headers,
        params: ProviderParams,
        querystring: VersionListQuery,
        response: { 200: orJsonText(VersionPage) },
      },
    },
    async (req) => service.listVersions(domain(req), req.params.provider_name, req.query),
  );

  app.get(
    `${versions}/:provider_version/metadata`,
    {
      schema: {
        operationId: 'ShowPrivateProviderVersionMetadata',
        summary: 'Show a private provider version',
        tags,
        headers,
        params: VersionParams,
        querystring: ProviderIdQuery,
        response: { 200: orJsonText(VersionMetadata) },
      },
    },
    async (req) =>
      service.showVersion(domain(req), req.params.provider_name, req.params.provider_version, req.query.provider_id),
  );

  app.delete(
    `${versions}/:provider_version`,
    {
      schema: {
        operationId: 'DeletePrivateProviderVersion',
        summary: 'Delete a private provider version',
        tags,
        headers,
        params: VersionParams,
        querystring: ProviderIdQuery,
      },
    },
    async (req, reply) => {
      await service.deleteVersion(
        domain(req),
        req.params.provider_name,
        req.params.provider_version,
        req.query.provider_id,
        activityOf(req, 204),
      );
      return reply.code(204).send();
    },
  );
}
