import type { Logger } from 'pino';
import type { Clock } from '../platform/clock.js';
import type { ActivityService } from './service.js';

const HOUR_MS = 3_600_000;

/**
 * Prunes the trail in the background: now, then every hour. A failure is logged and tried again at
 * the next hour. Returns the function that stops it (once a pruning under way has ended).
 */
export function startRetention(
  service: ActivityService,
  days: number,
  clock: Clock,
  logger: Logger,
): () => Promise<void> {
  if (days <= 0) return async () => {};
  let running: Promise<void> | undefined;
  const prune = () => {
    running ??= service
      .prune(days, clock)
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted, days }, 'activity pruned');
      })
      .catch((err) => logger.warn({ err: String(err) }, 'activity pruning failed'))
      .finally(() => (running = undefined));
  };
  prune();
  const timer = setInterval(prune, HOUR_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
