import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
}

type Maybe<T> = T | Promise<T>;

/** What authentication needs from the identity store; cache hits answer synchronously. */
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

/** Applies fn to a value that may still be on its way. */
function then<T, R>(value: Maybe<T>, fn: (v: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/**
 * Runs a hook step as a callback-style hook: a step that finishes synchronously (every cache hit)
 * costs no promise and no extra turn of the event loop.
 */
function hook(step: (req: FastifyRequest) => Maybe<void>) {
  return (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    let pending: Maybe<void>;
    try {
      pending = step(req);
    } catch (err) {
      return done(err as Error);
    }
    if (pending instanceof Promise) pending.then(() => done(), done);
    else done();
  };
}

/**
 * Authentication for every route registered inside the plugin this is applied to:
 * X-Auth-Token or an AK/SK signature, then the caller's request budget, then the tenant checks
 * of the X-Domain-Id / X-Project-Id headers and of a `project_id` path parameter. Runs before
 * the body is validated.
 */
export function requireAuth(app: FastifyInstance, opts: AuthOptions): void {
  const now = opts.now ?? Date.now;
  app.decorateRequest('caller', null);
  app.decorateRequest('pendingSignature', null);

  app.addHook(
    'onRequest',
    hook((req) => {
      const authorization = header(req, 'authorization');
      if (isSignatureHeader(authorization)) {
        const auth = parseAuthorization(authorization!);
        if (!auth) throw unauthorized('The Authorization header is malformed.');
        const date = parseSdkDate(header(req, 'x-sdk-date'));
        if (date === null) throw unauthorized('X-Sdk-Date is missing or malformed.');
        if (Math.abs(now() - date) > opts.clockSkewSeconds * 1000)
          throw unauthorized('X-Sdk-Date is too far from the server time.');
        return then(opts.identity.principalForKey(auth.accessKey), (key) => {
          if (!key) throw unauthorized('The access key does not exist.');
          if (header(req, 'x-security-token') !== undefined)
            throw unauthorized('Temporary security credentials are not supported.');
          req.pendingSignature = { auth, secretKey: key.secretKey, principal: key.principal };
        });
      }
      const token = header(req, 'x-auth-token');
      if (token === undefined) throw unauthorized('No X-Auth-Token and no AK/SK signature.');
      return then(opts.identity.principalForToken(token), (principal) => {
        if (!principal) throw unauthorized('The token is invalid or expired.');
        req.caller = principal;
      });
    }),
  );

  app.addHook(
    'preValidation',
    hook((req) => {
      const pending = req.pendingSignature;
      const verified = pending
        ? then(unparsedBody(req), (body) => {
            verifyBodySignature(req, pending, body ?? req.rawBody);
            req.caller = { ...pending.principal };
            req.pendingSignature = null;
          })
        : undefined;
      return then(verified, () => {
        opts.limiter?.take(req.caller!.userId);
        return then(scopeToTenant(req, opts.identity), () => throwBodyError(req));
      });
    }),
  );
}

const isStreamed = (req: FastifyRequest) =>
  (req.routeOptions.config as { streamingBody?: boolean }).streamingBody === true;

/**
 * The body of a signed request that no content-type parser has read: the bytes a GET (or HEAD)
 * carries, such as the `{}` the Node SDK core sends on its IAM look-ups, are signed like any other
 * body (docs/api/auth.md §2.6). They are read here, up to the route's body limit, hashed by the signature
 * check and otherwise ignored. Undefined when there is no such body (the usual case, answered
 * synchronously).
 */
function unparsedBody(req: FastifyRequest): Maybe<Buffer | undefined> {
  const raw = req.raw;
  const length = req.headers['content-length'];
  const declared = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!declared || raw.readableDidRead || raw.readableEnded || raw.destroyed || isStreamed(req)) return undefined;
  const limit = req.routeOptions.bodyLimit ?? 1024 * 1024;
  if (length !== undefined && Number(length) > limit) return Promise.reject(new AppError('too_large'));
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
function scopeToTenant(req: FastifyRequest, identity: IdentityProvider): Maybe<void> {
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
  const check = (i: number): Maybe<void> => {
    for (; i < wanted.length; i++) {
      const projectId = wanted[i]!;
      if (caller.projectId !== null) {
        if (projectId !== caller.projectId) throw refused(projectId);
        continue;
      }
      const next = i + 1;
      const bound = then(identity.projectOfDomain(projectId, caller.domainId), (project) => {
        if (!project) throw refused(projectId);
        caller.projectId = project.id;
        caller.projectName = project.name;
      });
      if (bound instanceof Promise) return bound.then(() => check(next));
    }
  };
  return check(0);
}

/** A body that arrived but is not JSON is reported after authentication, never before. */
export function throwBodyError(req: FastifyRequest): void {
  if (req.bodyError) throw req.bodyError;
}
