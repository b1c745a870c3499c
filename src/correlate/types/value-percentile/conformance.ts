import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, REQUEST_RULE, SECOND, tick } from '../conformance-case.js';

function correlation(name: string, type: string, condition: string, cordon = ''): string {
  return `---
title: ${name}
name: ${name}
correlation:
  type: ${type}
  rules: [req]
  group-by: [api_key]
  timespan: 60s
  condition: ${condition}
${cordon ? `cordon: ${cordon}\n` : ''}`;
}

function rule(condition: string, cordon = ''): string {
  return REQUEST_RULE + correlation('p', 'value_percentile', condition, cordon);
}

function median(condition: string, cordon = ''): string {
  return REQUEST_RULE + correlation('median', 'value_median', condition, cordon);
}

/** Requests of `key` taking each of `ms`, one second apart from `t0`. */
function reqs(ms: readonly (number | undefined)[], key = 'k1', t0 = 0): CaseEvent[] {
  return ms.map((v, i): CaseEvent => ({
    t: t0 + i * SECOND,
    entity: { api_key: key },
    measures: v === undefined ? {} : { latency_ms: v },
  }));
}

/** 100, 200, …, 2000. */
const TWENTY = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);

export const CASES: readonly ConformanceCase[] = [
  {
    // Nearest rank: the ⌈0.95 × 20⌉ = 19th smallest value, 1900. Linear interpolation would
    // give 1905 and also meet gt 1900.
    name: 'the default percentile is 95, by nearest rank (no interpolation)',
    rules:
      REQUEST_RULE +
      correlation('p95_gte', 'value_percentile', '{ field: latency_ms, gte: 1900 }') +
      correlation('p95_gt', 'value_percentile', '{ field: latency_ms, gt: 1900 }'),
    events: reqs(TWENTY),
    expect: [
      {
        rule: 'p95_gte',
        group: { api_key: 'k1' },
        count: 20,
        first: 0,
        last: 19 * SECOND,
        windowStart: 0,
        windowEnd: MINUTE,
        aggregate: { value: 1900, percentile: 95 },
        at: 20,
      },
    ],
  },
  {
    name: 'condition.percentile picks the percentile; an even count takes the lower middle value',
    rules: rule('{ field: latency_ms, percentile: 50, lte: 20 }'),
    // ⌈0.5 × 4⌉ = 2nd smallest: 20 (an interpolated median would be 25).
    events: reqs([40, 10, 30, 20]),
    expect: [{ rule: 'p', count: 4, aggregate: { value: 20, percentile: 50 } }],
  },
  {
    name: 'a small percentile takes the smallest value (rank at least 1)',
    rules: rule('{ field: latency_ms, percentile: 1, lte: 5 }'),
    events: reqs([50, 5, 70]),
    expect: [{ rule: 'p', count: 3, aggregate: { value: 5, percentile: 1 } }],
  },
  {
    name: 'percentile 100 is the largest value',
    rules: rule('{ field: latency_ms, percentile: 100, gte: 900 }'),
    events: [...reqs([100, 900, 200], 'k1'), ...reqs([100, 800, 200], 'k2')],
    expect: [
      { rule: 'p', group: { api_key: 'k1' }, count: 3, aggregate: { value: 900, percentile: 100 } },
    ],
  },
  {
    name: 'value_median is the 50th percentile: the middle value of an odd count',
    rules: median('{ field: latency_ms, gte: 3 }'),
    events: reqs([5, 1, 3]),
    expect: [{ rule: 'median', count: 3, aggregate: { value: 3, percentile: 50 } }],
  },
  {
    name: 'value_median of an even count is the lower middle value',
    rules: median('{ field: latency_ms, gt: 2 }'),
    events: reqs([4, 1, 3, 2]),
    // The 2nd smallest, 2: not above 2.
    expect: [],
  },
  {
    name: 'decided when the window closes: a high value early does not fire if the window ends low',
    rules: rule('{ field: latency_ms, percentile: 50, gt: 1000 }', '{ lateness: 0s }'),
    events: [
      ...reqs([2000], 'k1'),
      ...reqs([2000, 1500], 'k2'),
      ...reqs([100, 100], 'k1', SECOND),
      // Watermark 85s − 30s = 55s: [0, 60s] is open.
      tick(85 * SECOND),
      // Watermark 61s: both windows close. k1: 100, 100, 2000 → 100; k2: 1500, 2000 → 1500.
      tick(91 * SECOND),
    ],
    expect: [
      {
        rule: 'p',
        group: { api_key: 'k2' },
        count: 2,
        first: 0,
        last: SECOND,
        windowStart: 0,
        windowEnd: MINUTE,
        aggregate: { value: 1500, percentile: 50 },
        at: 6,
      },
    ],
  },
  {
    name: 'events without the field are skipped and counted',
    rules: rule('{ field: latency_ms, percentile: 50, lte: 10 }'),
    // Values 10, 20, 5: the median is 10. Had the missing one counted as 0 it would be 5.
    events: reqs([10, undefined, 20, undefined, 5]),
    expect: [{ rule: 'p', count: 3, refs: ['gw/e0', 'gw/e2', 'gw/e4'], aggregate: { value: 10 } }],
    stats: { rule: 'p', withoutValue: 2 },
  },
  {
    name: 'cordon.fire: eager fires at the event that takes the percentile past the value',
    rules: rule('{ field: latency_ms, percentile: 50, gte: 500 }', '{ fire: eager }'),
    // After 100, 900: the median is 100; after 100, 900, 900 it is 900.
    events: reqs([100, 900, 900]),
    expect: [
      {
        rule: 'p',
        count: 3,
        first: 0,
        last: 2 * SECOND,
        windowStart: -58 * SECOND,
        windowEnd: 2 * SECOND,
        aggregate: { value: 900, percentile: 50 },
        at: 2,
      },
    ],
  },
];
