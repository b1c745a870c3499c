import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND, perKeyRule, tick } from '../conformance-case.js';

function rule(condition: string, cordon = '', timespan = '60s'): string {
  return perKeyRule({
    title: 'Slow key',
    name: 'slow',
    type: 'value_avg',
    condition,
    cordon,
    timespan,
  });
}

/** A request of `key` at `t` taking `ms` (no latency when undefined). */
function req(t: number, ms: number | undefined, key = 'k1'): CaseEvent {
  return { t, entity: { api_key: key }, measures: ms === undefined ? {} : { latency_ms: ms } };
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'on-close by default: fires once every source has passed the window end plus lateness',
    rules: rule('{ field: latency_ms, gt: 500 }', '{ lateness: 0s }'),
    events: [
      req(0, 400),
      // The average is 600 here, but more events could still bring it down.
      req(10 * SECOND, 800),
      // Watermark 85s − 30s = 55s: [0, 60s] is open.
      tick(85 * SECOND),
      // Watermark 61s: it closes.
      tick(91 * SECOND),
    ],
    expect: [
      {
        rule: 'slow',
        group: { api_key: 'k1' },
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowStart: 0,
        windowEnd: MINUTE,
        late: false,
        refs: ['gw/e0', 'gw/e1'],
        aggregate: { value: 600 },
        at: 3,
      },
    ],
  },
  {
    name: 'an average that crossed the value early but ends below it does not fire',
    rules: rule('{ field: latency_ms, gt: 500 }'),
    events: [req(0, 900), req(10 * SECOND, 300), req(20 * SECOND, 100)],
    expect: [],
  },
  {
    name: 'the default lateness holds the window open until the end of input',
    rules: rule('{ field: latency_ms, gt: 500 }'),
    // Watermark 91s − 30s = 61s, but the window closes at 60s + 5m.
    events: [req(0, 600), tick(91 * SECOND)],
    expect: [{ rule: 'slow', count: 1, aggregate: { value: 600 }, at: 2 }],
  },
  {
    name: 'fractional averages are reported rounded to 6 decimals',
    rules: rule('{ field: latency_ms, gt: 500 }'),
    events: [req(0, 500), req(SECOND, 501), req(2 * SECOND, 501)],
    expect: [{ rule: 'slow', count: 3, aggregate: { value: 500.666667 } }],
  },
  {
    name: 'windows are anchored at the first event; the next opens at the first event after',
    rules: rule('{ field: latency_ms, gt: 500 }'),
    events: [req(0, 100), req(30 * SECOND, 200), req(70 * SECOND, 900), req(80 * SECOND, 700)],
    // [0, 60s]: 150; [70s, 130s]: 800.
    expect: [
      {
        rule: 'slow',
        count: 2,
        first: 70 * SECOND,
        last: 80 * SECOND,
        windowStart: 70 * SECOND,
        windowEnd: 130 * SECOND,
        aggregate: { value: 800 },
      },
    ],
  },
  {
    name: 'events without the field are skipped and counted',
    rules: rule('{ field: latency_ms, lt: 100 }'),
    events: [req(0, 50), req(SECOND, undefined), req(2 * SECOND, 90)],
    // Had the missing value counted as 0 the average would be 46.67, not 70.
    expect: [{ rule: 'slow', count: 2, refs: ['gw/e0', 'gw/e2'], aggregate: { value: 70 } }],
    stats: { rule: 'slow', withoutValue: 1 },
  },
  {
    name: 'groups average apart',
    rules: rule('{ field: latency_ms, gte: 500 }'),
    events: [req(0, 1000, 'k1'), req(0, 100, 'k2'), req(SECOND, 100, 'k1'), req(SECOND, 800, 'k2')],
    // k1: 550; k2: 450.
    expect: [{ rule: 'slow', group: { api_key: 'k1' }, count: 2, aggregate: { value: 550 } }],
  },
  {
    name: 'cordon.fire: eager fires at the event that takes the average past the value',
    rules: rule('{ field: latency_ms, gt: 500 }', '{ fire: eager }'),
    events: [req(0, 400), req(10 * SECOND, 800), req(20 * SECOND, 100)],
    expect: [
      {
        rule: 'slow',
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowStart: -50 * SECOND,
        windowEnd: 10 * SECOND,
        aggregate: { value: 600 },
        at: 1,
      },
    ],
  },
  {
    name: 'tumbling: averages per epoch-aligned bucket, decided when the bucket closes',
    rules: rule('{ field: latency_ms, gt: 500 }', '{ window: tumbling, lateness: 0s }'),
    events: [
      req(50 * SECOND, 100),
      req(70 * SECOND, 900),
      // Watermark 120s: the bucket [60s, 120s) closes.
      tick(150 * SECOND),
    ],
    // A sliding window anchored at 50s would average 500 over [50s, 110s] and not fire.
    expect: [
      {
        rule: 'slow',
        count: 1,
        first: 70 * SECOND,
        last: 70 * SECOND,
        windowStart: 60 * SECOND,
        windowEnd: 120 * SECOND,
        aggregate: { value: 900 },
        at: 2,
      },
    ],
  },
];
