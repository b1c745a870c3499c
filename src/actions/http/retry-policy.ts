/**
 * When an outbound call may be tried again and how long to wait first. Pure: the caller passes
 * `now` and a random source, so tests pin both.
 */
export interface RetryPolicy {
  /** Tries in total, the first included (1 = never retry). */
  readonly attempts: number;
  /** First backoff ceiling; doubles per retry up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * The longest Retry-After honoured in-process. A longer one fails the call as retryable so the
   * action job's own retry (BullMQ, durable) waits instead of a worker slot.
   */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Statuses worth another try. 408/425/429 mean "not processed, come back later"; 5xx may have
 * been processed, so they are retried only for idempotent requests (a retried create could
 * duplicate; those operations look up before creating instead).
 */
export function retryableStatus(status: number, idempotent: boolean): boolean {
  if (status === 408 || status === 425 || status === 429) return true;
  return status >= 500 && status <= 599 && idempotent;
}

/**
 * `Retry-After` as a delay in ms: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined
 * when absent or unparseable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Exponential backoff with full jitter: a uniform draw from [0, min(max, base·2^retry)).
 * `retry` counts from 0 for the first retry.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}
