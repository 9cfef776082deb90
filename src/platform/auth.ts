import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  isSignatureHeader,
  parseAuthorization,
  parseSdkDate,
  verifySignature,
  EMPTY_SHA256,
  sha256Hex,
  type ParsedAuthorization,
} from './aksk.js';
import { AppError, tenantForbidden } from './errors.js';
import { systemClock, type Clock } from './clock.js';
import type { RateLimiter } from './rate-limit.js';

/** Who is calling: the user, their domain, and the project the request acts in (if known yet). */
export interface Principal {
  userId: string;
  userName: string;
  isAdmin: boolean;
  domainId: string;
  domainName: string;
  projectId: string | null;
  projectName: string | null;
  /** The access key id, when the request's AK/SK signature was verified. */
  accessKey?: string;
}

type Maybe<T> = T | Promise<T>;

/** What authentication needs from the identity store (a cache hit may answer without a promise). */
export interface IdentityProvider {
  principalForToken(token: string): Maybe<Principal | null>;
  principalForKey(accessKey: string): Maybe<{ principal: Principal; secretKey: string } | null>;
  projectOfDomain(projectId: string, domainId: string): Maybe<{ id: string; name: string } | null>;
}

export interface AuthOptions {
  identity: IdentityProvider;
  clockSkewSeconds: number;
  /** Request budgets per user; none = unlimited. */
  limiter?: RateLimiter;
  /** The clock X-Sdk-Date is checked against. */
  clock?: Clock;
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
 * X-Auth-Token or an AK/SK signature, then the caller's request budget, then the tenant checks
 * of the X-Domain-Id / X-Project-Id headers and of a `project_id` path parameter. Runs before
 * the body is validated.
 */
export function requireAuth(app: FastifyInstance, opts: AuthOptions): void {
  const clock = opts.clock ?? systemClock;
  app.decorateRequest('caller', null);
  app.decorateRequest('pendingSignature', null);

  app.addHook('onRequest', async (req) => {
    const authorization = header(req, 'authorization');
    if (isSignatureHeader(authorization)) {
      const auth = parseAuthorization(authorization!);
      if (!auth) throw unauthorized('The Authorization header is malformed.');
      const date = parseSdkDate(header(req, 'x-sdk-date'));
      if (date === null) throw unauthorized('X-Sdk-Date is missing or malformed.');
      if (Math.abs(clock.now() - date) > opts.clockSkewSeconds * 1000)
        throw unauthorized('X-Sdk-Date is too far from the server time.');
      const key = await opts.identity.principalForKey(auth.accessKey);
      if (!key) throw unauthorized('The access key does not exist.');
      if (header(req, 'x-security-token') !== undefined)
        throw unauthorized('Temporary security credentials are not supported.');
      req.pendingSignature = { auth, secretKey: key.secretKey, principal: key.principal };
      return;
    }
    const token = header(req, 'x-auth-token');
    if (token === undefined) throw unauthorized('No X-Auth-Token and no AK/SK signature.');
    const principal = await opts.identity.principalForToken(token);
    if (!principal) throw unauthorized('The token is invalid or expired.');
    req.caller = principal;
  });

  app.addHook('preValidation', async (req) => {
    const pending = req.pendingSignature;
    if (pending) {
      const body = await unparsedBody(req);
      verifyBodySignature(req, pending, body ?? req.rawBody);
      req.caller = { ...pending.principal, accessKey: pending.auth.accessKey };
      req.pendingSignature = null;
    }
    opts.limiter?.take(req.caller!.userId);
    await scopeToTenant(req, opts.identity);
    throwBodyError(req);
  });
}

const isStreamed = (req: FastifyRequest) =>
  (req.routeOptions.config as { streamingBody?: boolean }).streamingBody === true;

/**
 * The body of a signed request that no content-type parser has read: the bytes a GET (or HEAD)
 * carries, such as the `{}` the Node SDK core sends on its IAM look-ups, are signed like any other
 * body (docs/api/auth.md §2.6). They are read here, up to the route's body limit, hashed by the signature
 * check and otherwise ignored. Undefined when there is no such body (the usual case).
 */
async function unparsedBody(req: FastifyRequest): Promise<Buffer | undefined> {
  const raw = req.raw;
  const length = req.headers['content-length'];
  const declared = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!declared || raw.readableDidRead || raw.readableEnded || raw.destroyed || isStreamed(req)) return undefined;
  const limit = req.routeOptions.bodyLimit ?? 1024 * 1024;
  if (length !== undefined && Number(length) > limit) throw new AppError('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: AppError) => {
      raw.off('data', onData).off('end', onEnd).off('error', onBroken).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(new AppError('too_large'));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onBroken = () => done(new AppError('invalid', 'The request body did not arrive whole.'));
    const onClose = () => {
      if (!raw.complete) onBroken();
    };
    raw.on('data', onData).on('end', onEnd).on('error', onBroken).on('close', onClose);
  });
}

function verifyBodySignature(req: FastifyRequest, pending: PendingSignature, body: Buffer | undefined): void {
  const declared = header(req, 'x-sdk-content-sha256');
  const streamed = isStreamed(req);
  if (streamed && declared !== 'UNSIGNED-PAYLOAD' && req.headers['content-length'] !== '0') {
    throw unauthorized('Sign a streamed body with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, or use X-Auth-Token.');
  }
  if (!streamed && declared !== undefined && declared !== (body?.length ? sha256Hex(body) : EMPTY_SHA256)) {
    throw unauthorized('X-Sdk-Content-Sha256 does not match the body.');
  }
  const signed = { method: req.method, target: req.raw.url ?? req.url, headers: req.headers, body };
  if (!verifySignature(signed, pending.auth, pending.secretKey)) throw unauthorized('Verify AK/SK signature fail.');
}

/** Binds the caller to the project the request names (header or path), or refuses it. */
async function scopeToTenant(req: FastifyRequest, identity: IdentityProvider): Promise<void> {
  const caller = req.caller!;
  const domainHeader = header(req, 'x-domain-id');
  if (domainHeader !== undefined && domainHeader !== caller.domainId)
    throw tenantForbidden('X-Domain-Id is not the domain of the credential.');
  const wanted = [header(req, 'x-project-id'), (req.params as Record<string, string> | undefined)?.project_id].filter(
    (p) => p !== undefined,
  );
  const refused = (projectId: string) =>
    tenantForbidden(
      projectId === ''
        ? 'The request names no project: put your project id (token.project.id, or the X-Project-Id of your access key) where the path says {project_id}.'
        : `The credential is not valid for project ${projectId}.`,
    );
  for (const projectId of wanted) {
    if (caller.projectId === null) {
      const project = await identity.projectOfDomain(projectId, caller.domainId);
      if (!project) throw refused(projectId);
      caller.projectId = project.id;
      caller.projectName = project.name;
    } else if (projectId !== caller.projectId) throw refused(projectId);
  }
}

/** A body that arrived but is not JSON is reported after authentication, never before. */
export function throwBodyError(req: FastifyRequest): void {
  if (req.bodyError) throw req.bodyError;
}
