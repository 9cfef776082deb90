import rateLimit from '@fastify/rate-limit';
import type { App } from './http.js';
import { AppError } from './errors.js';

/**
 * Per-credential rate limiting: a caller (user) may make `max` requests per window; past that,
 * 429 in the family envelope with Retry-After. Runs after authentication, keyed by the user.
 */
export async function limitRate(app: App, max: number, windowMs: number): Promise<void> {
  // Loaded before the routes are added, so that its route hook reaches every one of them.
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    max,
    timeWindow: windowMs,
    cache: 10_000,
    keyGenerator: (req) => (req.caller ? `user:${req.caller.userId}` : `ip:${req.ip}`),
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) => new AppError('too_many', `at most ${ctx.max} requests per ${windowMs} ms; retry after ${ctx.after}`),
  });
}
