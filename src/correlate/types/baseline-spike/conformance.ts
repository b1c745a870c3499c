import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, REQUEST_RULE, SECOND } from '../conformance-case.js';

const HOUR = 60 * MINUTE;

/**
 * Requests per key and minute against the key's own last hour, in buckets of one minute;
 * at least 5 requests (the Sigma condition) to be a spike at all.
 */
function rate(baseline = '{ window: 1h }', cordon = ''): string {
  return `${REQUEST_RULE}---
title: Request spike
name: spike
correlation:
  type: event_count
  rules: [req]
  group-by: [api_key]
  timespan: 1m
  condition: { gte: 5 }
cordon: { type: baseline_spike, baseline: ${baseline}${cordon ? `, ${cordon}` : ''} }
`;
}

/** Prompt tokens per key and minute against the key's own last hour; at least 1000. */
function tokens(baseline = '{ window: 1h }'): string {
  return `${REQUEST_RULE}---
title: Token spike
name: token_spike
correlation:
  type: value_sum
  rules: [req]
  group-by: [api_key]
  timespan: 1m
  condition: { field: tokens_in, gte: 1000 }
cordon: { type: baseline_spike, baseline: ${baseline} }
`;
}

/** `n` requests of `key`, `step` ms apart from `t0`. */
function reqs(n: number, t0: number, step: number, key = 'k1', tokensIn?: number): CaseEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    t: t0 + i * step,
    entity: { api_key: key },
    ...(tokensIn === undefined ? {} : { measures: { tokens_in: tokensIn } }),
  }));
}

/**
 * Ten minutes of history for `key`: one request at :30 of even minutes, three at :30, :35, :40
 * of odd minutes. Bucket totals 1, 3, 1, 3 …: mean 2, standard deviation 1. No 1-minute window
 * holds more than 4 of them.
 */
function alternating(key = 'k1'): CaseEvent[] {
  return Array.from({ length: 10 }, (_, m) =>
    m % 2 === 0
      ? reqs(1, m * MINUTE + 30 * SECOND, 0, key)
      : reqs(3, m * MINUTE + 30 * SECOND, 5 * SECOND, key),
  ).flat();
}

/** Numbers the events of a case in order (ids must be unique per source). */
function numbered(events: CaseEvent[]): CaseEvent[] {
  return events.map((e, i) => ({ ...e, id: `e${i}` }));
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'a brand-new group with no history fires at the minimum volume',
    rules: rate(),
    events: reqs(5, 0, SECOND),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k1' },
        count: 5,
        first: 0,
        last: 4 * SECOND,
        windowStart: 4 * SECOND - MINUTE,
        windowEnd: 4 * SECOND,
        aggregate: { value: 5, baseline: { mean: 0, stdev: 0, buckets: 0 }, z: null },
        at: 4,
      },
    ],
  },
  {
    name: 'a group jumping far above its own history fires, with its baseline and z-score',
    rules: rate(),
    // The window ending at 10:49 reaches back into minute 9, so its baseline is minutes 0–8:
    // totals 1, 3, 1, 3, 1, 3, 1, 3, 1 (mean 17/9, stdev 0.9938); a spike needs more than
    // 17/9 + 3 × 0.9938 = 4.87 and at least twice the mean: the fifth request does it.
    events: numbered([...alternating(), ...reqs(6, 10 * MINUTE + 45 * SECOND, SECOND)]),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k1' },
        count: 5,
        first: 10 * MINUTE + 45 * SECOND,
        last: 10 * MINUTE + 49 * SECOND,
        aggregate: {
          value: 5,
          baseline: { mean: 1.888889, stdev: 0.993808, buckets: 9 },
          z: 3.130495,
        },
        at: 24,
      },
    ],
  },
  {
    name: 'the Sigma condition is a minimum volume: far above the baseline but below it never fires',
    rules: rate(),
    // k1: one request, then silence; the window ending at 10:04 is judged against minutes 0–8
    // (mean 1/9, stdev 0.3143). Four requests are far above that, but below the minimum of 5;
    // the fifth fires. k2 is new, and 4 requests are not enough.
    events: numbered([
      ...reqs(1, 0, 0),
      ...reqs(4, 0, SECOND, 'k2'),
      ...reqs(5, 10 * MINUTE, SECOND),
    ]),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k1' },
        count: 5,
        first: 10 * MINUTE,
        last: 10 * MINUTE + 4 * SECOND,
        aggregate: {
          value: 5,
          baseline: { mean: 0.111111, stdev: 0.31427, buckets: 9 },
          z: 15.556349,
        },
        at: 9,
      },
    ],
  },
  {
    name: 'a steady heavy group does not fire (its baseline is high) while a quiet group jumping less does',
    rules: rate('{ window: 1h, learning: 3m }'),
    events: numbered(
      [
        // k1: 6 requests a minute for 8 minutes; a 1-minute window holds 7 (both ends count),
        // never 2 × 6 = 12.
        ...reqs(48, 0, 10 * SECOND, 'k1'),
        // k2: one request a minute, then 5 within seconds.
        ...Array.from({ length: 8 }, (_, m) => reqs(1, m * MINUTE + 30 * SECOND, 0, 'k2')).flat(),
        ...reqs(5, 8 * MINUTE + 45 * SECOND, SECOND, 'k2'),
      ].sort((a, b) => a.t - b.t),
    ),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k2' },
        count: 5,
        first: 8 * MINUTE + 45 * SECOND,
        last: 8 * MINUTE + 49 * SECOND,
        // Judged at 8:49 against minutes 0–6 (minute 7 overlaps the window [7:49, 8:49]).
        aggregate: { value: 5, baseline: { mean: 1, stdev: 0, buckets: 7 }, z: null },
      },
    ],
  },
  {
    name: 'baseline.learning makes a new group wait, then judges it against what it learned',
    rules: rate('{ window: 1h, learning: 5m }'),
    // Minute 0: 5 requests (learning). At 5:0x the window reaches into minute 4, so the baseline
    // is minutes 0–3: [5, 0, 0, 0], mean 1.25, stdev 2.165; a spike needs more than 7.745.
    events: numbered([...reqs(5, 0, SECOND), ...reqs(8, 5 * MINUTE, SECOND)]),
    expect: [
      {
        rule: 'spike',
        count: 8,
        first: 5 * MINUTE,
        last: 5 * MINUTE + 7 * SECOND,
        aggregate: { value: 8, baseline: { mean: 1.25, stdev: 2.165064, buckets: 4 }, z: 3.117691 },
        at: 12,
      },
    ],
  },
  {
    name: 'a group with nothing in its baseline window is new again (learns again), whether or not it was pruned',
    rules: rate('{ window: 1h, learning: 5m }'),
    events: numbered([
      ...reqs(1, 0, 0, 'k1'),
      ...reqs(1, 0, 0, 'k2'),
      // k2 comes back after two silent hours, before anything pruned it; k1 after it was pruned.
      ...reqs(5, 2 * HOUR, SECOND, 'k2'),
      ...reqs(5, 2 * HOUR + 5 * SECOND, SECOND, 'k1'),
      // Ten minutes on, each is judged against minutes 120–128: [5, 0 × 8], mean 0.5556, stdev
      // 1.5713; a spike needs more than 5.27, so the sixth request.
      ...reqs(6, 2 * HOUR + 10 * MINUTE, SECOND, 'k1'),
      ...reqs(6, 2 * HOUR + 10 * MINUTE + 10 * SECOND, SECOND, 'k2'),
    ]),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k1' },
        count: 6,
        last: 2 * HOUR + 10 * MINUTE + 5 * SECOND,
        aggregate: {
          value: 6,
          baseline: { mean: 0.555556, stdev: 1.571348, buckets: 9 },
          z: 3.464823,
        },
        at: 17,
      },
      {
        rule: 'spike',
        group: { api_key: 'k2' },
        count: 6,
        last: 2 * HOUR + 10 * MINUTE + 15 * SECOND,
        aggregate: {
          value: 6,
          baseline: { mean: 0.555556, stdev: 1.571348, buckets: 9 },
          z: 3.464823,
        },
        at: 23,
      },
    ],
  },
  {
    name: 'arrival order does not change the outcome: a window is judged against the buckets before its end',
    rules: rate(),
    // One request at 59 s, four at 60–63 s: the window ending at 63 s holds 5; it reaches back
    // into minute 0, so there is no bucket before it, and the minimum volume decides. k2's
    // request at 59 s arrives last and completes that same window, with the same figures.
    events: numbered(
      [
        ...reqs(1, 59 * SECOND, 0, 'k1'),
        ...reqs(4, MINUTE, SECOND, 'k1'),
        ...reqs(4, MINUTE, SECOND, 'k2'),
      ]
        .sort((a, b) => a.t - b.t)
        .concat({ t: 59 * SECOND, delay: 6 * SECOND, entity: { api_key: 'k2' } }),
    ),
    expect: [
      {
        rule: 'spike',
        group: { api_key: 'k1' },
        count: 5,
        first: 59 * SECOND,
        last: 63 * SECOND,
        windowEnd: 63 * SECOND,
        aggregate: { value: 5, baseline: { mean: 0, stdev: 0, buckets: 0 }, z: null },
        at: 7,
      },
      {
        rule: 'spike',
        group: { api_key: 'k2' },
        count: 5,
        first: 59 * SECOND,
        last: 63 * SECOND,
        windowEnd: 63 * SECOND,
        late: false,
        aggregate: { value: 5, baseline: { mean: 0, stdev: 0, buckets: 0 }, z: null },
        at: 9,
      },
    ],
  },
  {
    name: 'tumbling: the spike is judged per bucket against the buckets before it',
    rules: rate('{ window: 1h }', 'window: tumbling'),
    events: numbered([...alternating(), ...reqs(6, 10 * MINUTE, SECOND)]),
    expect: [
      {
        rule: 'spike',
        count: 6,
        first: 10 * MINUTE,
        last: 10 * MINUTE + 5 * SECOND,
        windowStart: 10 * MINUTE,
        windowEnd: 11 * MINUTE,
        aggregate: { value: 6, baseline: { mean: 2, stdev: 1, buckets: 10 }, z: 4 },
        at: 25,
      },
    ],
  },
  {
    name: 'value_sum: tokens far above the group’s own history fire, with its baseline and z-score',
    rules: tokens(),
    // One request a minute of 50 and 150 tokens in turn, then 2000 at once: judged against
    // minutes 0–8 (mean 94.44, stdev 49.69).
    events: numbered([
      ...Array.from({ length: 10 }, (_, m) =>
        reqs(1, m * MINUTE + 30 * SECOND, 0, 'k1', m % 2 === 0 ? 50 : 150),
      ).flat(),
      ...reqs(1, 10 * MINUTE + 45 * SECOND, 0, 'k1', 2000),
    ]),
    expect: [
      {
        rule: 'token_spike',
        group: { api_key: 'k1' },
        count: 1,
        first: 10 * MINUTE + 45 * SECOND,
        aggregate: {
          value: 2000,
          baseline: { mean: 94.444444, stdev: 49.690399, buckets: 9 },
          z: 38.348566,
        },
        at: 10,
      },
    ],
  },
  {
    name: 'value_sum: a steady heavy token user does not fire after learning; a small one below the minimum never does',
    rules: tokens('{ window: 1h, learning: 2m }'),
    events: numbered(
      [
        // k1: 500 tokens every 20 s (1500 a minute); a window holds 2000, never 2 × 1500.
        ...reqs(18, 0, 20 * SECOND, 'k1', 500),
        // k2: 10 tokens a minute, then 900 at once: far above its baseline, below 1000.
        ...Array.from({ length: 5 }, (_, m) =>
          reqs(1, m * MINUTE + 30 * SECOND, 0, 'k2', 10),
        ).flat(),
        ...reqs(1, 5 * MINUTE + 45 * SECOND, 0, 'k2', 900),
      ].sort((a, b) => a.t - b.t),
    ),
    expect: [],
  },
];
