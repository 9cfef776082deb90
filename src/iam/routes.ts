import type { FastifyRequest } from 'fastify';
import { registerErrors, type App } from '../platform/http.js';
import { IAM_ERRORS } from './errors.js';
import { AppError, tenantForbidden } from '../platform/errors.js';
import type { TokenRow } from './queries.js';
import type { IamService } from './service.js';
import { activityOf } from '../activity/entry.js';
import {
  AuthProjectList,
  CreateProjectBody,
  DomainList,
  PasswordAuthBody,
  ProjectCreated,
  ProjectList,
  ProjectsQuery,
  RegionList,
  TokenBody,
  TokenQuery,
} from './schemas.js';

export interface IamRouteOptions {
  iam: IamService;
  region: string;
}

const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Keystone-style timestamps: UTC with microseconds. */
const micro = (iso: string) => iso.replace(/\.(\d{3})Z$/, '.$1000Z');

const tags = ['IAM'];

const CATALOG_SERVICES = ['iam', 'iotedge', 'rfs'];

export function tokenBody(row: TokenRow, region: string, base: string, withCatalog: boolean): TokenBody {
  const domain = { id: row.domain_id, name: row.domain_name };
  return {
    token: {
      methods: ['password'],
      issued_at: micro(row.issued_at),
      expires_at: micro(row.expires_at),
      user: { id: row.user_id, name: row.user_name, password_expires_at: '', domain },
      ...(row.project_id ? { project: { id: row.project_id, name: row.project_name!, domain } } : { domain }),
      roles: row.is_admin
        ? [
            { id: '0', name: 'te_admin' },
            { id: '1', name: 'op_service' },
          ]
        : [{ id: '1', name: 'op_service' }],
      ...(withCatalog
        ? {
            catalog: CATALOG_SERVICES.map((name) => ({
              id: name,
              name,
              type: name,
              endpoints: [{ id: `${name}-${region}`, interface: 'public', region, region_id: region, url: base }],
            })),
          }
        : {}),
    },
  };
}

function projectView(p: { id: string; name: string; domain_id: string }, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    parent_id: p.domain_id,
    enabled: true,
    is_domain: false,
    description: '',
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

/** POST /v3/auth/tokens: the password is the proof; no other credential is needed. */
export function iamPublicRoutes(app: App, { iam, region }: IamRouteOptions): void {
  registerErrors(app, '/v3/', IAM_ERRORS);
  app.post(
    '/v3/auth/tokens',
    {
      config: { public: true },
      schema: {
        operationId: 'KeystoneCreateUserTokenByPassword',
        tags,
        summary: 'Get a token with a password',
        body: PasswordAuthBody,
        querystring: TokenQuery,
        response: { 201: TokenBody },
      },
    },
    async (req, reply) => {
      const { token, row } = await iam.issueToken(req.body, req.ip);
      reply.code(201).header('X-Subject-Token', token);
      return tokenBody(row, region, baseUrl(req), !req.query.nocatalog);
    },
  );
}

/** IAM look-ups the SDK makes, for an authenticated caller. */
export function iamRoutes(app: App, { iam, region }: IamRouteOptions): void {
  registerErrors(app, '/v3/', IAM_ERRORS);
  app.get(
    '/v3/auth/tokens',
    {
      schema: {
        operationId: 'KeystoneValidateToken',
        tags,
        summary: 'Validate the token in X-Subject-Token',
        querystring: TokenQuery,
        response: { 200: TokenBody },
      },
    },
    async (req, reply) => {
      const subject = req.headers['x-subject-token'];
      if (typeof subject !== 'string' || subject === '')
        throw new AppError('missing', 'X-Subject-Token header is required');
      const row = await iam.lookupToken(subject);
      // Another domain's token is answered as if it did not exist.
      if (!row || row.domain_id !== req.caller!.domainId)
        throw new AppError('not_found', 'The token in X-Subject-Token is unknown or expired.');
      reply.header('X-Subject-Token', subject);
      return tokenBody(row, region, baseUrl(req), !req.query.nocatalog);
    },
  );

  app.get(
    '/v3/projects',
    {
      schema: {
        operationId: 'KeystoneListProjects',
        tags,
        summary: 'List the projects of your domain',
        querystring: ProjectsQuery,
        response: { 200: ProjectList },
      },
    },
    async (req) => {
      const base = baseUrl(req);
      const projects = await iam.listProjects(req.caller!.domainId, req.query.name);
      return {
        projects: projects.map((p) => projectView(p, base)),
        links: { self: `${base}/v3/projects`, next: null, previous: null },
      };
    },
  );

  // Keystone lists the projects a token may be scoped to. Every user of a domain may use every
  // project of it, so any credential of the domain (AK/SK, or a token scoped to the domain or to
  // one of its projects) sees them all, and nothing of another domain.
  app.get(
    '/v3/auth/projects',
    {
      schema: {
        operationId: 'KeystoneListAuthProjects',
        tags,
        summary: 'List the projects your credential may use',
        response: { 200: AuthProjectList },
      },
    },
    async (req) => {
      const base = baseUrl(req);
      const projects = await iam.listProjects(req.caller!.domainId);
      return { projects: projects.map((p) => projectView(p, base)), links: { self: `${base}/v3/auth/projects` } };
    },
  );

  // The SDK creates the project named after its region when it finds none.
  app.post(
    '/v3/projects',
    {
      schema: {
        operationId: 'KeystoneCreateProject',
        tags,
        summary: 'Create a project (administrators)',
        body: CreateProjectBody,
        response: { 201: ProjectCreated },
      },
    },
    async (req, reply) => {
      const caller = req.caller!;
      const { name, domain_id } = req.body.project;
      if (!caller.isAdmin) throw tenantForbidden('Only an administrator may create projects.');
      if (domain_id !== undefined && domain_id !== caller.domainId)
        throw tenantForbidden('project.domain_id is not the domain of the credential.');
      const created = await iam.createProject({ name, domain: caller.domainName }, activityOf(req, 201));
      reply.code(201);
      return { project: projectView({ id: created.id, name, domain_id: caller.domainId }, baseUrl(req)) };
    },
  );

  app.get(
    '/v3/auth/domains',
    {
      schema: {
        operationId: 'KeystoneListAuthDomains',
        tags,
        summary: 'Show your domain',
        response: { 200: DomainList },
      },
    },
    async (req) => {
      const base = baseUrl(req);
      const caller = req.caller!;
      return {
        domains: [
          {
            id: caller.domainId,
            name: caller.domainName,
            enabled: true,
            description: '',
            links: { self: `${base}/v3/domains/${caller.domainId}` },
          },
        ],
        links: { self: `${base}/v3/auth/domains`, next: null, previous: null },
      };
    },
  );

  app.get(
    '/v3/regions',
    { schema: { operationId: 'KeystoneListRegions', tags, summary: 'List regions', response: { 200: RegionList } } },
    async (req) => {
      const base = baseUrl(req);
      return {
        regions: [
          {
            id: region,
            type: 'public',
            description: '',
            parent_region_id: null,
            locales: { 'en-us': region, 'zh-cn': region },
            links: { self: `${base}/v3/regions/${region}` },
          },
        ],
        links: { self: `${base}/v3/regions`, next: null, previous: null },
      };
    },
  );
}
