import type { Clock } from '../shared/clock.js';

export interface RateLimitOptions {
  /** Sustained requests per second; 0 turns the limit off. */
  readonly ratePerS: number;
  /** Requests allowed at once after a quiet spell. */
  readonly burst: number;
}

/**
 * Per-principal request rate limit: one token bucket per principal, in this process's memory
 * (N API processes allow N times the rate; principals are the tokens file's, so the map is
 * bounded). Kept out of Redis so it still answers while Redis is away.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  /** Takes a token for `principal`: 0 when allowed, else the milliseconds until one is free. */
  take(principal: string): number {
    const { ratePerS, burst } = this.options;
    if (ratePerS <= 0) return 0;
    const now = this.clock.now();
    const bucket = this.#buckets.get(principal) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * ratePerS) / 1000);
    bucket.at = now;
    this.#buckets.set(principal, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / ratePerS);
  }
}
