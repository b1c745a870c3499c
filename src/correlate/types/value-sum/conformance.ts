import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { SECOND, perKeyRule, REQUEST_RULE, tick } from '../conformance-case.js';

function rule(condition: string, cordon = '', timespan = '60s'): string {
  return perKeyRule({
    title: 'Token use',
    name: 'tokens',
    type: 'value_sum',
    condition,
    cordon,
    timespan,
  });
}

/** A request of `key` at `t` with `n` prompt tokens (none when undefined). */
function req(t: number, n: number | undefined, key = 'k1'): CaseEvent {
  return { t, entity: { api_key: key }, measures: n === undefined ? {} : { tokens_in: n } };
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'gte fires at the event whose amount takes the sum to the threshold',
    rules: rule('{ field: tokens_in, gte: 1000 }'),
    events: [req(0, 400), req(10 * SECOND, 300), req(20 * SECOND, 300), req(30 * SECOND, 300)],
    expect: [
      {
        rule: 'tokens',
        group: { api_key: 'k1' },
        count: 3,
        first: 0,
        last: 20 * SECOND,
        windowStart: -40 * SECOND,
        windowEnd: 20 * SECOND,
        refs: ['gw/e0', 'gw/e1', 'gw/e2'],
        aggregate: { value: 1000 },
        at: 2,
      },
    ],
  },
  {
    name: 'gt needs a sum above the value',
    rules: rule('{ field: tokens_in, gt: 1000 }'),
    events: [req(0, 500), req(SECOND, 500), req(2 * SECOND, 1)],
    expect: [{ rule: 'tokens', count: 3, aggregate: { value: 1001 }, at: 2 }],
  },
  {
    name: 'sliding: amounts older than t - T leave the sum',
    rules: rule('{ field: tokens_in, gte: 1000 }'),
    events: [req(0, 900), req(70 * SECOND, 200), req(80 * SECOND, 800)],
    // At 70s the 900 has left (200); at 80s: 200 + 800.
    expect: [
      {
        rule: 'tokens',
        count: 2,
        first: 70 * SECOND,
        last: 80 * SECOND,
        aggregate: { value: 1000 },
        at: 2,
      },
    ],
  },
  {
    name: 'events without the field are skipped and counted',
    rules: rule('{ field: tokens_in, gte: 1000 }'),
    events: [req(0, 600), req(SECOND, undefined), req(2 * SECOND, 400)],
    expect: [
      { rule: 'tokens', count: 2, refs: ['gw/e0', 'gw/e2'], aggregate: { value: 1000 }, at: 2 },
    ],
    stats: { rule: 'tokens', withoutValue: 1, events: 2 },
  },
  {
    name: 'numeric text counts; text that is not a number is skipped and counted',
    rules: `${REQUEST_RULE}---
title: Labelled tokens
name: labelled
correlation:
  type: value_sum
  rules: [req]
  group-by: [api_key]
  timespan: 60s
  condition: { field: labels.tokens, gte: 100 }
`,
    events: [
      { t: 0, entity: { api_key: 'k1' }, labels: { tokens: '60' } },
      { t: SECOND, entity: { api_key: 'k1' }, labels: { tokens: 'n/a' } },
      { t: 2 * SECOND, entity: { api_key: 'k1' }, labels: { tokens: ' ' } },
      { t: 3 * SECOND, entity: { api_key: 'k1' }, labels: { tokens: '40.5' } },
    ],
    expect: [
      { rule: 'labelled', count: 2, refs: ['gw/e0', 'gw/e3'], aggregate: { value: 100.5 }, at: 3 },
    ],
    stats: { rule: 'labelled', withoutValue: 2 },
  },
  {
    name: 'fractional sums are reported rounded to 6 decimals',
    rules: rule('{ field: cost, gte: 0.3 }'),
    events: [
      { t: 0, entity: { api_key: 'k1' }, measures: { cost: 0.1 } },
      { t: SECOND, entity: { api_key: 'k1' }, measures: { cost: 0.2 } },
    ],
    // 0.1 + 0.2 is 0.30000000000000004 in floating point: still ≥ 0.3, shown as 0.3.
    expect: [{ rule: 'tokens', count: 2, aggregate: { value: 0.3 }, at: 1 }],
  },
  {
    name: 'reset: after a match the next one needs fresh amounts',
    rules: rule('{ field: tokens_in, gte: 1000 }'),
    events: [
      req(0, 600),
      req(SECOND, 600),
      req(2 * SECOND, 600),
      req(3 * SECOND, 300),
      req(4 * SECOND, 100),
    ],
    expect: [
      { rule: 'tokens', count: 2, first: 0, last: SECOND, aggregate: { value: 1200 }, at: 1 },
      {
        rule: 'tokens',
        count: 3,
        first: 2 * SECOND,
        last: 4 * SECOND,
        aggregate: { value: 1000 },
        at: 4,
      },
    ],
  },
  {
    name: 'a late amount completes the window it belongs to',
    rules: rule('{ field: tokens_in, gte: 1000 }'),
    events: [
      req(0, 500),
      req(100 * SECOND, 500),
      // Arrives at 100s (watermark 70s): late, within the lateness; joins the window [−50s, 10s].
      { ...req(10 * SECOND, 500), delay: 90 * SECOND },
    ],
    expect: [
      {
        rule: 'tokens',
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowEnd: 10 * SECOND,
        late: true,
        aggregate: { value: 1000 },
        at: 2,
      },
    ],
  },
  {
    name: 'a range fires when the window closes with the sum inside it',
    rules: rule('{ field: tokens_in, gte: 100, lte: 500 }', '{ lateness: 0s }'),
    events: [
      req(0, 100, 'k1'),
      req(10 * SECOND, 200, 'k1'),
      req(0, 300, 'k2'),
      req(10 * SECOND, 400, 'k2'),
      req(5 * SECOND, 50, 'k3'),
      // Watermark 61s: the windows [0, 60s] of k1 (300: inside) and k2 (700: above) close;
      // k3's [5s, 65s] (50: below) closes at the end of input.
      tick(91 * SECOND),
    ],
    expect: [
      {
        rule: 'tokens',
        group: { api_key: 'k1' },
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowStart: 0,
        windowEnd: 60 * SECOND,
        aggregate: { value: 300 },
        at: 5,
      },
    ],
  },
  {
    name: 'lt fires on close for a group whose window sums below the value',
    rules: rule('{ field: tokens_in, lt: 100 }', '{ lateness: 0s }'),
    events: [
      req(0, 30, 'k1'),
      req(SECOND, 60, 'k1'),
      req(0, 90, 'k2'),
      req(SECOND, 10, 'k2'),
      tick(91 * SECOND),
    ],
    expect: [
      { rule: 'tokens', group: { api_key: 'k1' }, count: 2, aggregate: { value: 90 }, at: 4 },
    ],
  },
  {
    name: 'tumbling: sums per epoch-aligned bucket',
    rules: rule('{ field: tokens_in, gte: 1000 }', '{ window: tumbling }'),
    events: [req(50 * SECOND, 600), req(65 * SECOND, 600), req(70 * SECOND, 400)],
    expect: [
      {
        rule: 'tokens',
        count: 2,
        first: 65 * SECOND,
        last: 70 * SECOND,
        windowStart: 60 * SECOND,
        windowEnd: 120 * SECOND,
        aggregate: { value: 1000 },
        at: 2,
      },
    ],
  },
];
