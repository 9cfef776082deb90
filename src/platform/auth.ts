import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSignatureHeader, parseAuthorization, parseSdkDate, verifySignature, EMPTY_SHA256, type ParsedAuthorization } from './aksk.js';
import { AppError, tenantForbidden } from './errors.js';
import { sha256Hex } from '../iam/crypto.js';

/** Who is calling: the user, their domain, and the project the request acts in (if known yet). */
export interface Principal {
  userId: string;
  userName: string;
  isAdmin: boolean;
  domainId: string;
  domainName: string;
  projectId: string | null;
  projectName: string | null;
}

/** What authentication needs from the identity store. */
export interface IdentityProvider {
  principalForToken(token: string): Promise<Principal | null>;
  principalForKey(accessKey: string): Promise<{ principal: Principal; secretKey: string } | null>;
  projectOfDomain(projectId: string, domainId: string): Promise<{ id: string; name: string } | null>;
}

export interface AuthOptions {
  identity: IdentityProvider;
  clockSkewSeconds: number;
  /** Replaces the clock (tests replaying fixed-date vectors). */
  now?: () => number;
}

interface PendingSignature {
  auth: ParsedAuthorization;
  secretKey: string;
  principal: Principal;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Principal | null;
    pendingSignature: PendingSignature | null;
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const unauthorized = (detail: string) => new AppError('unauthorized', detail);

/**
 * Authentication for every route registered inside the plugin this is applied to:
 * X-Auth-Token or an AK/SK signature, then the tenant checks of the X-Domain-Id / X-Project-Id
 * headers and of a `project_id` path parameter. Runs before the body is validated.
 */
export function requireAuth(app: FastifyInstance, opts: AuthOptions): void {
  const now = opts.now ?? Date.now;
  app.decorateRequest('caller', null);
  app.decorateRequest('pendingSignature', null);

  app.addHook('onRequest', async (req) => {
    const authorization = header(req, 'authorization');
    if (isSignatureHeader(authorization)) {
      const auth = parseAuthorization(authorization!);
      if (!auth) throw unauthorized('The Authorization header is malformed.');
      const date = parseSdkDate(header(req, 'x-sdk-date'));
      if (date === null) throw unauthorized('X-Sdk-Date is missing or malformed.');
      if (Math.abs(now() - date) > opts.clockSkewSeconds * 1000) throw unauthorized('X-Sdk-Date is too far from the server time.');
      const key = await opts.identity.principalForKey(auth.accessKey);
      if (!key) throw unauthorized('The access key does not exist.');
      if (header(req, 'x-security-token') !== undefined) throw unauthorized('Temporary security credentials are not supported.');
      req.pendingSignature = { auth, secretKey: key.secretKey, principal: key.principal };
      return;
    }
    const token = header(req, 'x-auth-token');
    if (token !== undefined) {
      const principal = await opts.identity.principalForToken(token);
      if (!principal) throw unauthorized('The token is invalid or expired.');
      req.caller = principal;
      return;
    }
    throw unauthorized('No X-Auth-Token and no AK/SK signature.');
  });

  app.addHook('preValidation', async (req) => {
    const pending = req.pendingSignature;
    if (pending) {
      const declared = header(req, 'x-sdk-content-sha256');
      const streamed = (req.routeOptions.config as { streamingBody?: boolean }).streamingBody === true;
      if (streamed && declared !== 'UNSIGNED-PAYLOAD' && req.headers['content-length'] !== '0') {
        throw unauthorized('Sign a streamed body with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, or use X-Auth-Token.');
      }
      if (!streamed && declared !== undefined && declared !== (req.rawBody?.length ? sha256Hex(req.rawBody) : EMPTY_SHA256)) {
        throw unauthorized('X-Sdk-Content-Sha256 does not match the body.');
      }
      const signed = { method: req.method, target: req.raw.url ?? req.url, headers: req.headers, body: req.rawBody };
      if (!verifySignature(signed, pending.auth, pending.secretKey)) throw unauthorized('Verify AK/SK signature fail.');
      req.caller = { ...pending.principal };
      req.pendingSignature = null;
    }
    await scopeToTenant(req, opts.identity);
    throwBodyError(req);
  });
}

async function scopeToTenant(req: FastifyRequest, identity: IdentityProvider): Promise<void> {
  const caller = req.caller!;
  const domainHeader = header(req, 'x-domain-id');
  if (domainHeader !== undefined && domainHeader !== caller.domainId) throw tenantForbidden('X-Domain-Id is not the domain of the credential.');
  const wanted = [header(req, 'x-project-id'), (req.params as Record<string, string> | undefined)?.project_id].filter((p) => p !== undefined);
  for (const projectId of wanted) {
    if (caller.projectId !== null) {
      if (projectId !== caller.projectId) throw tenantForbidden(`The credential is not valid for project ${projectId}.`);
      continue;
    }
    const project = await identity.projectOfDomain(projectId, caller.domainId);
    if (!project) throw tenantForbidden(`The credential is not valid for project ${projectId}.`);
    caller.projectId = project.id;
    caller.projectName = project.name;
  }
}

/** A body that arrived but is not JSON is reported after authentication, never before. */
export function throwBodyError(req: FastifyRequest): void {
  if (req.bodyError) throw req.bodyError;
}
