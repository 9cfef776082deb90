import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/platform/rate-limit.js';
import { AppError } from '../../src/platform/errors.js';

describe('RateLimiter', () => {
  it('allows max requests per window and key, then refuses with the time to wait', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(3, 10_000, () => now);
    for (let i = 0; i < 3; i++) limiter.take('alice');
    let refused: unknown;
    try {
      limiter.take('alice');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).kind).toBe('too_many');
    expect((refused as AppError).headers).toEqual({
      'Retry-After': '10',
      'X-RateLimit-Limit': '3',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '10',
    });
    expect(() => limiter.take('bob')).not.toThrow();

    now += 7_500;
    expect(() => limiter.take('alice')).toThrow(
      expect.objectContaining({ headers: expect.objectContaining({ 'Retry-After': '3' }) }),
    );
    now += 2_500;
    for (let i = 0; i < 3; i++) limiter.take('alice');
    expect(() => limiter.take('alice')).toThrow(AppError);
  });
});
