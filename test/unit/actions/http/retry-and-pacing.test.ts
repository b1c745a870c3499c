/** Pure retry arithmetic: Retry-After in both forms, capped full-jitter backoff, pacing, redaction. */
import { describe, expect, it } from 'vitest';
import { OutboundPacer } from '../../../../src/actions/http/outbound-pacer.js';
import { Redactor } from '../../../../src/actions/http/redactor.js';
import {
  backoffDelay,
  parseRetryAfter,
  retryableStatus,
} from '../../../../src/actions/http/retry-policy.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, clamps past dates to 0, ignores junk', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 5_000).toUTCString(), NOW)).toBe(5_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 };
  it('doubles the ceiling per retry and caps it, drawing uniformly below it', () => {
    expect([0, 1, 2, 3, 4, 20].map((r) => backoffDelay(r, policy, () => 0.999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(5, policy, () => 0)).toBe(0);
  });
});

describe('retryableStatus', () => {
  it('retries 408/425/429 always, 5xx only when idempotent, other 4xx never', () => {
    expect([408, 425, 429].every((s) => retryableStatus(s, false))).toBe(true);
    expect(retryableStatus(503, true)).toBe(true);
    expect(retryableStatus(503, false)).toBe(false);
    expect([400, 401, 403, 404, 409, 410, 422].some((s) => retryableStatus(s, true))).toBe(false);
  });
});

describe('OutboundPacer', () => {
  it('lets a burst of count through, then spaces requests window/count apart', () => {
    const pacer = new OutboundPacer({ mode: 'throttle', count: 2, windowMs: 1_000 });
    expect([
      pacer.reserve(NOW),
      pacer.reserve(NOW),
      pacer.reserve(NOW),
      pacer.reserve(NOW),
    ]).toEqual([0, 0, 500, 1_000]);
    expect(pacer.reserve(NOW + 10_000)).toBe(0);
  });
});

describe('Redactor', () => {
  it('removes secrets and their URL-encoded and base64 forms from text and nested values', () => {
    const r = new Redactor();
    r.add('p@ss/word+1');
    r.add('abc'); // too short to be treated as a secret
    expect(
      r.text('x p@ss/word+1 p%40ss%2Fword%2B1 ' + Buffer.from('p@ss/word+1').toString('base64')),
    ).toBe('x [redacted] [redacted] [redacted]');
    expect(r.value({ a: ['p@ss/word+1'], 'k p@ss/word+1': 1, abc: 'abc' })).toEqual({
      a: ['[redacted]'],
      'k [redacted]': 1,
      abc: 'abc',
    });
  });
});
