import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/api/rate-limit.js';
import { ManualClock } from '../../../src/shared/clock.js';

describe('RateLimiter', () => {
  it('allows the burst, then one request per 1/rate, per principal', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ ratePerS: 4, burst: 2 }, clock);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBe(250);
    expect(limiter.take('b')).toBe(0);
    clock.advance(100);
    expect(limiter.take('a')).toBe(150);
    clock.advance(150);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(250);
  });

  it('refills no further than the burst after a quiet spell', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ ratePerS: 10, burst: 3 }, clock);
    limiter.take('a');
    clock.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  it('allows everything when the rate is 0 (off)', () => {
    const limiter = new RateLimiter({ ratePerS: 0, burst: 1 }, new ManualClock());
    expect(Array.from({ length: 100 }, () => limiter.take('a')).every((w) => w === 0)).toBe(true);
  });
});
