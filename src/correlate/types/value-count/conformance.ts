import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { SECOND, perKeyRule, tick } from '../conformance-case.js';

function rule(condition: string, cordon = '', timespan = '60s'): string {
  return perKeyRule({
    title: 'Many users',
    name: 'users',
    type: 'value_count',
    condition,
    cordon,
    timespan,
  });
}

/** A request by `user` with API key `key` at `t`. */
function by(
  t: number,
  user: string | undefined,
  key = 'k1',
  extra: Partial<CaseEvent> = {},
): CaseEvent {
  return { t, entity: user === undefined ? { api_key: key } : { api_key: key, user }, ...extra };
}

/** 300 users, u0 … u299, 100 ms apart from t = 0, then u300 at 63.75 s. */
const MANY: CaseEvent[] = [
  ...Array.from({ length: 300 }, (_, i) => by(i * 100, `u${i}`)),
  by(63_750, 'u300'),
];

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'gte fires at the event that brings the distinct count to the threshold; repeats do not count',
    rules: rule('{ field: user, gte: 3 }'),
    events: [
      by(0, 'a'),
      by(SECOND, 'a'),
      by(2 * SECOND, 'b'),
      by(3 * SECOND, 'a'),
      by(4 * SECOND, 'c'),
    ],
    expect: [
      {
        rule: 'users',
        group: { api_key: 'k1' },
        count: 5,
        first: 0,
        last: 4 * SECOND,
        windowStart: -56 * SECOND,
        windowEnd: 4 * SECOND,
        approximate: false,
        refs: ['gw/e0', 'gw/e1', 'gw/e2', 'gw/e3', 'gw/e4'],
        aggregate: { distinct: 3, values: ['a', 'b', 'c'] },
        at: 4,
      },
    ],
  },
  {
    name: 'a tuple field counts distinct combinations',
    rules: rule('{ field: [user, ip], gte: 3 }'),
    events: [
      // Two users and two IPs, but three (user, ip) pairs.
      by(0, 'u1', 'k1', { entity: { api_key: 'k1', user: 'u1', ip: '10.0.0.1' } }),
      by(SECOND, 'u1', 'k1', { entity: { api_key: 'k1', user: 'u1', ip: '10.0.0.2' } }),
      by(2 * SECOND, 'u1', 'k1', { entity: { api_key: 'k1', user: 'u1', ip: '10.0.0.1' } }),
      by(3 * SECOND, 'u2', 'k1', { entity: { api_key: 'k1', user: 'u2', ip: '10.0.0.1' } }),
    ],
    expect: [
      {
        rule: 'users',
        count: 4,
        aggregate: {
          distinct: 3,
          values: ['u1\u001f10.0.0.1', 'u1\u001f10.0.0.2', 'u2\u001f10.0.0.1'],
        },
        at: 3,
      },
    ],
  },
  {
    name: 'events without the field (or with an empty one) are skipped and counted',
    rules: rule('{ field: user, gte: 2 }'),
    events: [by(0, 'a'), by(SECOND, undefined), by(2 * SECOND, ''), by(3 * SECOND, 'b')],
    expect: [
      { rule: 'users', count: 2, first: 0, last: 3 * SECOND, refs: ['gw/e0', 'gw/e3'], at: 3 },
    ],
    stats: { rule: 'users', withoutValue: 2, events: 2 },
  },
  {
    name: 'sliding: values older than t - T leave the window',
    rules: rule('{ field: user, gte: 3 }'),
    events: [by(0, 'a'), by(30 * SECOND, 'b'), by(61 * SECOND, 'c'), by(70 * SECOND, 'a')],
    // At 61s, a (0s) has left: b, c. At 70s: b, c, a.
    expect: [
      {
        rule: 'users',
        count: 3,
        first: 30 * SECOND,
        last: 70 * SECOND,
        aggregate: { distinct: 3 },
        at: 3,
      },
    ],
  },
  {
    name: 'reset: after a match the next one needs fresh values',
    rules: rule('{ field: user, gte: 2 }'),
    events: [
      by(0, 'a'),
      by(SECOND, 'b'),
      by(2 * SECOND, 'a'),
      by(3 * SECOND, 'a'),
      by(4 * SECOND, 'c'),
    ],
    expect: [
      { rule: 'users', count: 2, first: 0, last: SECOND, aggregate: { distinct: 2 }, at: 1 },
      // a at 2s and 3s are one value; c completes the second match.
      {
        rule: 'users',
        count: 3,
        first: 2 * SECOND,
        last: 4 * SECOND,
        aggregate: { distinct: 2 },
        at: 4,
      },
    ],
  },
  {
    name: 'an out-of-order event completes the window it belongs to, flagged late',
    rules: rule('{ field: user, gte: 2 }'),
    events: [
      by(0, 'a'),
      by(100 * SECOND, 'a'),
      // Arrives at 100s, when the watermark is 70s: late, within the 5-minute lateness.
      by(10 * SECOND, 'b', 'k1', { delay: 90 * SECOND }),
    ],
    expect: [
      {
        rule: 'users',
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowStart: -50 * SECOND,
        windowEnd: 10 * SECOND,
        late: true,
        aggregate: { distinct: 2 },
        at: 2,
      },
    ],
    stats: { rule: 'users', late: 1 },
  },
  {
    name: 'lt (few distinct users) fires only when the window closes',
    rules: rule('{ field: user, lt: 3 }', '{ lateness: 0s }'),
    events: [
      by(0, 'a', 'k1'),
      by(SECOND, 'a', 'k1'),
      by(2 * SECOND, 'b', 'k1'),
      by(0, 'a', 'k2'),
      by(SECOND, 'b', 'k2'),
      by(2 * SECOND, 'c', 'k2'),
      // Watermark 85s − 30s = 55s: [0, 60s] is still open.
      tick(85 * SECOND),
      // Watermark 61s: it closes; k1 has 2 users, k2 has 3.
      tick(91 * SECOND),
    ],
    expect: [
      {
        rule: 'users',
        group: { api_key: 'k1' },
        count: 3,
        first: 0,
        last: 2 * SECOND,
        windowStart: 0,
        windowEnd: 60 * SECOND,
        aggregate: { distinct: 2, values: ['a', 'b'] },
        at: 7,
      },
    ],
  },
  {
    name: 'tumbling: distinct values are counted per epoch-aligned bucket',
    rules: rule('{ field: user, gte: 3 }', '{ window: tumbling }'),
    events: [
      by(50 * SECOND, 'a'),
      by(55 * SECOND, 'b'),
      by(65 * SECOND, 'c'),
      by(70 * SECOND, 'a'),
      by(75 * SECOND, 'b'),
    ],
    // A sliding window would have fired at 65s (a, b, c); the bucket [60s, 120s) fires at 75s.
    expect: [
      {
        rule: 'users',
        count: 3,
        first: 65 * SECOND,
        last: 75 * SECOND,
        windowStart: 60 * SECOND,
        windowEnd: 120 * SECOND,
        aggregate: { distinct: 3 },
        at: 4,
      },
    ],
  },
  {
    // maxDistinctExact 10 and gte 20: exact up to max(10, 10 × 20) = 200 distinct values. With
    // `continue` the window keeps filling after the match at u19 (later fires are suppressed for
    // one timespan); at u200 it holds 201 values and the group switches to HyperLogLog sketches
    // over 16 sub-buckets of 3.75 s. u300 at 63.75 s is the first fire after the suppression
    // (which ends at 1.9 s + 60 s); its window [3.75 s, 63.75 s] starts on a sub-bucket edge,
    // so it holds exactly u38 … u300: 263 distinct values. The sketch is deterministic for
    // these inputs, so the exact estimate is pinned: 264, checked to be within 3 % of the true
    // 263 (0.4 % off) rather than taken on trust. Refs are the first four events of each
    // sub-bucket.
    name: 'past the exact limit a group switches to HyperLogLog: the match is approximate',
    rules: rule('{ field: user, gte: 20 }', '{ action: continue }'),
    limits: { maxDistinctExact: 10 },
    events: MANY,
    expect: [
      {
        rule: 'users',
        count: 20,
        first: 0,
        last: 1_900,
        approximate: false,
        aggregate: { distinct: 20 },
        suppressedCount: 0,
        at: 19,
      },
      {
        rule: 'users',
        count: 263,
        first: 3_800,
        last: 63_750,
        windowStart: 3_750,
        windowEnd: 63_750,
        approximate: true,
        aggregate: { distinct: 264 },
        suppressedCount: 280,
        at: 300,
      },
    ],
    stats: { rule: 'users', matches: 2, suppressed: 280 },
  },
];
