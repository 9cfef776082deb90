import type { Logger } from 'pino';
import type { App } from '../platform/http.js';
import { activityOf, MUTATING } from './entry.js';
import type { ActivityService } from './service.js';
import { ActivityPage, ActivityQuery } from './schemas.js';

/**
 * Records the failures and refusals of the mutating calls of `app`'s routes once they are answered,
 * each in a small transaction of its own (a success is stored with its change: Store.transact). Only
 * calls whose caller is known: a request that failed authentication has none. A failure to record is
 * logged; the answer has gone already.
 */
export function recordFailures(app: App, service: ActivityService, logger: Logger): void {
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode >= 400 && req.caller !== null && MUTATING.has(req.method)) {
      service
        .record(activityOf(req, reply.statusCode, req.errorCode))
        .catch((err) => logger.error({ reqId: req.id, err: String(err) }, 'activity not recorded'));
    }
    done();
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
