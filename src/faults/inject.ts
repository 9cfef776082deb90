import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import { sendError, type App } from '../platform/http.js';
import { faultAnswer } from './answer.js';
import type { FaultService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's fault rules (also reached by the test kit and the command). */
    faults: FaultService;
  }
}

/** Routes of the admin API are never hit: a rule for `*` must not lock its own administrator out. */
const ADMIN_PREFIX = '/_versionary/';

/**
 * Applies the fault rules of the caller's domain to the routes of `app` registered after this
 * call. Runs once the caller is authenticated and before the body is validated, so a fault
 * answers before anything is written: after an optional delay, in the envelope of the request's
 * family, with Retry-After on 429 and 503. The request is marked (req.fault) for the access log,
 * the metrics and the activity trail, which records no injected answer.
 */
export function injectFaults(app: App, faults: FaultService): void {
  // Each route a rule may name gets the check as a hook of its own, which knows its operation: no
  // other route pays for it, and no request looks its route up.
  app.addHook('onRoute', (route) => {
    const operation = (route.schema as { operationId?: string } | undefined)?.operationId;
    if (!operation || route.url.startsWith(ADMIN_PREFIX)) return;
    faults.operations.add(operation);
    const check = checkFor(operation);
    const before = route.preValidation;
    route.preValidation = before === undefined ? check : [...(Array.isArray(before) ? before : [before]), check];
  });
  // A server that closes lets the delayed requests go on at once. One timer per delayed request,
  // each ended here, and no listener per request on a shared signal.
  const delays = new Set<() => void>();
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    for (const end of [...delays]) end();
    done();
  });
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing) return resolve();
      const end = () => {
        clearTimeout(timer);
        delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      delays.add(end);
    });

  // A request a rule only delayed is answered by its route: its failure belongs in the activity
  // trail like any other (the access log and the metrics, which come first, still show the rule).
  const delayedOnly = new WeakSet<FastifyRequest>();
  app.addHook('onResponse', (req, _reply, done) => {
    if (delayedOnly.has(req)) req.fault = null;
    done();
  });

  // Synchronous while the domain's rules are remembered and there are none: the usual request.
  function checkFor(operation: string) {
    return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      const rules = faults.rulesOf(req.caller!.domainId);
      if (Array.isArray(rules) && rules.length === 0) return done();
      apply(req, reply, operation, rules).then(
        (answered) => {
          if (!answered) done();
        },
        (err: Error) => done(err),
      );
    };
  }

  /** True when the request was answered here. */
  async function apply(
    req: FastifyRequest,
    reply: FastifyReply,
    operation: string,
    pending: ReturnType<FaultService['rulesOf']>,
  ) {
    const caller = req.caller!;
    const rules = await pending;
    if (rules.length === 0) return false;
    const rule = await faults.hit(rules, operation, caller.projectId);
    if (rule === null) return false;
    req.fault = rule.id;
    reply.header('X-Versionary-Fault', rule.id);
    if (rule.delay_ms > 0) await wait(rule.delay_ms);
    if (rule.status === null) {
      delayedOnly.add(req);
      return false;
    }
    const { status, error_code, error_msg } = rule;
    const answer = faultAnswer(req.server.errorTables.of(req.url), { status, error_code, error_msg });
    const retry = answer.status === 429 || answer.status === 503 ? { 'Retry-After': '1' } : undefined;
    sendError(req, reply, new AppError('unavailable', undefined, answer, retry));
    return true;
  }
}
