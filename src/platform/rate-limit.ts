import { AppError } from './errors.js';

interface Window {
  start: number;
  count: number;
}

/**
 * Fixed-window request budgets per key (the caller's user): at most `max` requests per window,
 * then 429 in the family envelope with Retry-After and X-RateLimit-* headers. Kept in process
 * memory, so N replicas allow N times the budget.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private sweptAt = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key`; throws the 429 error when its budget for this window is spent. */
  take(key: string): void {
    const now = this.now();
    let w = this.windows.get(key);
    if (w === undefined || now - w.start >= this.windowMs) {
      if (now - this.sweptAt >= this.windowMs) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (++w.count <= this.max) return;
    const resetSeconds = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    throw new AppError(
      'too_many',
      `at most ${this.max} requests per ${this.windowMs} ms; retry after ${resetSeconds} s`,
      undefined,
      {
        'Retry-After': String(resetSeconds),
        'X-RateLimit-Limit': String(this.max),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(resetSeconds),
      },
    );
  }

  /** Forgets the windows that have ended, so idle callers cost no memory. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}
