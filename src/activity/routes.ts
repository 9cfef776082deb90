import type { Logger } from 'pino';
import type { App } from '../platform/http.js';
import { activityOf, MUTATING } from './entry.js';
import type { ActivityService } from './service.js';
import { ActivityPage, ActivityQuery } from './schemas.js';

/**
 * Records the failures and refusals of the mutating calls of `app`'s routes once they are answered,
 * each in a small transaction of its own (a success is stored with its change: Store.transact). Only
 * calls whose caller is known: a request that failed authentication has none; nor a call the rate
 * limiter refused (429), so that a throttled caller costs no write; nor an answer a fault rule
 * gave. A failure to record is logged; the answer has gone already. Closing the server waits for
 * the rows still being stored.
 */
export function recordFailures(app: App, service: ActivityService, logger: Logger): void {
  const pending = new Set<Promise<void>>();
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    if (status >= 400 && status !== 429 && req.caller !== null && req.fault === null && MUTATING.has(req.method)) {
      const stored: Promise<void> = service
        .record(activityOf(req, status, req.errorCode))
        .catch((err) => logger.error({ reqId: req.id, err: String(err) }, 'activity not recorded'))
        .finally(() => pending.delete(stored));
      pending.add(stored);
    }
    done();
  });
  app.addHook('onClose', async () => {
    await Promise.all([...pending]);
  });
}

/** GET /_versionary/activity: the trail, newest first, for any authenticated caller within its scope. */
export function activityRoutes(app: App, service: ActivityService): void {
  app.get(
    '/_versionary/activity',
    {
      schema: {
        operationId: 'ListActivity',
        tags: ['Activity'],
        summary: 'List the activity trail',
        description:
          "The mutating calls and their outcomes, newest first: an administrator's domain, or the project another user's credential is scoped to.",
        querystring: ActivityQuery,
        response: { 200: ActivityPage },
      },
    },
    async (req) => service.list(req.caller!, req.query),
  );
}
