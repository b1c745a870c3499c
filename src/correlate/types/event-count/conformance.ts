import type { ConformanceCase } from '../conformance-case.js';
import { MINUTE, SECOND, burst, perKeyRule, REQUEST_RULE } from '../conformance-case.js';

function rule(condition: string, cordon = '', timespan = '60s'): string {
  return perKeyRule({
    title: 'Burst',
    name: 'burst',
    type: 'event_count',
    condition,
    cordon,
    timespan,
  });
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'gte fires at the event that reaches the threshold, window ending at it',
    rules: rule('{ gte: 3 }'),
    events: burst(3, 0, 10 * SECOND),
    expect: [
      {
        rule: 'burst',
        group: { api_key: 'k1' },
        count: 3,
        first: 0,
        last: 20 * SECOND,
        windowStart: -40 * SECOND,
        windowEnd: 20 * SECOND,
        late: false,
        partial: false,
        refs: ['gw/e0', 'gw/e1', 'gw/e2'],
        aggregate: { count: 3 },
        at: 2,
      },
    ],
  },
  {
    name: 'gt needs one event more than the value',
    rules: rule('{ gt: 3 }'),
    events: burst(4, 0, SECOND),
    expect: [{ rule: 'burst', count: 4, at: 3 }],
  },
  {
    name: 'sliding: events older than t - T leave the window',
    rules: rule('{ gte: 3 }'),
    events: [
      ...burst(1, 0, 0),
      ...burst(2, 70 * SECOND, 10 * SECOND),
      ...burst(1, 100 * SECOND, 0),
    ].map((e, i) => ({ ...e, id: `e${i}` })),
    expect: [{ rule: 'burst', count: 3, first: 70 * SECOND, last: 100 * SECOND, at: 3 }],
  },
  {
    name: 'the window is inclusive: events exactly T apart count together',
    rules: rule('{ gte: 3 }'),
    events: burst(3, 0, 30 * SECOND),
    expect: [{ rule: 'burst', count: 3, first: 0, last: MINUTE }],
  },
  {
    name: 'events T + 1 ms apart do not count together',
    rules: rule('{ gte: 2 }'),
    events: [...burst(1, 0, 0), { t: MINUTE + 1, entity: { api_key: 'k1' } }],
    expect: [],
  },
  {
    name: 'groups count apart',
    rules: rule('{ gte: 3 }'),
    events: [
      ...burst(2, 0, SECOND, 'k1'),
      ...burst(2, 2 * SECOND, SECOND, 'k2'),
      { t: 4 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', group: { api_key: 'k1' }, count: 3, at: 4 }],
  },
  {
    name: 'an out-of-order event within the lateness completes the window it belongs to, flagged late',
    rules: rule('{ gte: 2 }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 100 * SECOND, entity: { api_key: 'k1' } },
      { t: 10 * SECOND, delay: 90 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [
      {
        rule: 'burst',
        count: 2,
        first: 0,
        last: 10 * SECOND,
        windowStart: -50 * SECOND,
        windowEnd: 10 * SECOND,
        late: true,
        at: 2,
      },
    ],
    stats: { rule: 'burst', late: 1, lateDropped: 0 },
  },
  {
    name: 'a late event completes a window that ends after it (arrival order does not change the result)',
    rules: rule('{ gte: 3 }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 50 * SECOND, entity: { api_key: 'k1' } },
      { t: 30 * SECOND, delay: 20 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', count: 3, first: 0, last: 50 * SECOND, late: false }],
  },
  {
    name: 'an event later than the allowed lateness is dropped and counted',
    rules: rule('{ gte: 2 }', '{ lateness: 0s }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 100 * SECOND, entity: { api_key: 'k1' } },
      // The watermark is 100s − 30s = 70s; with no lateness, 69s is too late, 70s is not.
      { t: 69 * SECOND, delay: 40 * SECOND, entity: { api_key: 'k1' } },
      { t: 70 * SECOND, delay: 40 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', count: 2, first: 70 * SECOND, last: 100 * SECOND, at: 3 }],
    stats: { rule: 'burst', lateDropped: 1 },
  },
  {
    name: 'lateness is judged per source: a slow source is not late because another is ahead',
    rules: rule('{ gte: 3 }', '{ lateness: 0s }'),
    events: [
      { t: 1_000 * SECOND, source: 'fast', entity: { api_key: 'k9' } },
      { t: 0, source: 'slow', entity: { api_key: 'k1' } },
      { t: SECOND, source: 'slow', entity: { api_key: 'k1' } },
      { t: 2 * SECOND, source: 'slow', entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', group: { api_key: 'k1' }, count: 3, late: false }],
    stats: { rule: 'burst', lateDropped: 0, late: 0 },
  },
  {
    name: 'reset: after a match the next one needs fresh events',
    rules: rule('{ gte: 2 }'),
    events: burst(5, 0, SECOND),
    expect: [
      { rule: 'burst', count: 2, first: 0, last: SECOND, at: 1 },
      { rule: 'burst', count: 2, first: 2 * SECOND, last: 3 * SECOND, at: 3 },
    ],
  },
  {
    name: 'continue keeps the window and suppresses repeats for one timespan by default',
    rules: rule('{ gte: 2 }', '{ action: continue }'),
    events: [...burst(4, 0, SECOND), ...burst(2, 70 * SECOND, SECOND)].map((e, i) => ({
      ...e,
      id: `e${i}`,
    })),
    expect: [
      { rule: 'burst', count: 2, last: SECOND, suppressedCount: 0, at: 1 },
      { rule: 'burst', count: 2, first: 70 * SECOND, last: 71 * SECOND, suppressedCount: 2, at: 5 },
    ],
    stats: { rule: 'burst', suppressed: 2, matches: 2 },
  },
  {
    name: 'suppress folds matches of a group within the period into a count on the next one',
    rules: rule('{ gte: 2 }', '{ suppress: 10m }'),
    events: [...burst(4, 0, SECOND), ...burst(2, 700 * SECOND, SECOND)].map((e, i) => ({
      ...e,
      id: `e${i}`,
    })),
    expect: [
      { rule: 'burst', last: SECOND, suppressedCount: 0 },
      { rule: 'burst', last: 701 * SECOND, suppressedCount: 1 },
    ],
  },
  {
    name: 'refs are capped; count is the total',
    rules: rule('{ gte: 3 }'),
    limits: { maxRefsPerMatch: 2 },
    events: burst(3, 0, SECOND),
    expect: [{ rule: 'burst', count: 3, refs: ['gw/e0', 'gw/e1'], sources: ['gw'] }],
  },
  {
    name: 'beyond the refs cap, the match still names every source of its events',
    rules: rule('{ gte: 4 }'),
    limits: { maxRefsPerMatch: 2 },
    events: burst(4, 0, SECOND).map((e, i) => ({ ...e, source: i < 3 ? 'gw' : 'kong' })),
    expect: [{ rule: 'burst', count: 4, refs: ['gw/e0', 'gw/e1'], sources: ['gw', 'kong'] }],
  },
  {
    name: 'within the refs cap, the refs name the sources (no sources field)',
    rules: rule('{ gte: 2 }'),
    limits: { maxRefsPerMatch: 2 },
    events: burst(2, 0, SECOND).map((e, i) => ({ ...e, source: i === 0 ? 'gw' : 'kong' })),
    expect: [{ rule: 'burst', count: 2, refs: ['gw/e0', 'kong/e1'], sources: undefined }],
  },
  {
    name: 'the per-group event cap evicts the oldest events and flags the match partial',
    rules: rule('{ gte: 3 }', '{ max_events_per_group: 2 }'),
    events: [...burst(2, 0, SECOND), ...burst(1, 2 * SECOND, 0, 'k1')].map((e, i) => ({
      ...e,
      id: `e${i}`,
    })),
    expect: [],
  },
  {
    name: 'a partial window still fires when the cap is above the threshold',
    rules: rule('{ gte: 2 }', '{ max_events_per_group: 2 }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 100 * SECOND, entity: { api_key: 'k1' } },
      { t: 101 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', count: 2, partial: true, first: 100 * SECOND }],
  },
  {
    name: 'tumbling: epoch-aligned buckets, a burst across a boundary does not count together',
    rules: rule('{ gte: 3 }', '{ window: tumbling }'),
    events: [
      { t: 50 * SECOND, entity: { api_key: 'k1' } },
      { t: 55 * SECOND, entity: { api_key: 'k1' } },
      { t: 65 * SECOND, entity: { api_key: 'k1' } },
      { t: 66 * SECOND, entity: { api_key: 'k1' } },
      { t: 70 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [
      {
        rule: 'burst',
        count: 3,
        first: 65 * SECOND,
        last: 70 * SECOND,
        windowStart: 60 * SECOND,
        windowEnd: 120 * SECOND,
        at: 4,
      },
    ],
  },
  {
    name: 'session: a gap longer than `gap` starts a new session',
    rules: rule('{ gte: 3 }', '{ window: session, gap: 10s }'),
    events: [0, 5, 30, 35, 38].map((s) => ({ t: s * SECOND, entity: { api_key: 'k1' } })),
    expect: [
      {
        rule: 'burst',
        count: 3,
        first: 30 * SECOND,
        last: 38 * SECOND,
        windowStart: 30 * SECOND,
        at: 4,
      },
    ],
  },
  {
    name: 'session: a session never spans more than the timespan',
    rules: rule('{ gte: 4 }', '{ window: session, gap: 30s }', '60s'),
    events: [0, 25, 50, 75].map((s) => ({ t: s * SECOND, entity: { api_key: 'k1' } })),
    expect: [],
  },
  {
    name: 'lt fires only when the window closes (every source past its end plus lateness)',
    rules: rule('{ lt: 3 }', '{ lateness: 0s }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 10 * SECOND, entity: { api_key: 'k1' } },
      // Watermark 85s − 30s = 55s: the window [0, 60s] is still open.
      { t: 85 * SECOND, entity: { api_key: 'k2' } },
      // Watermark 91s − 30s = 61s ≥ 60s: it closes with 2 events.
      { t: 91 * SECOND, entity: { api_key: 'k2' } },
    ],
    expect: [
      {
        rule: 'burst',
        group: { api_key: 'k1' },
        count: 2,
        windowStart: 0,
        windowEnd: MINUTE,
        at: 3,
      },
      // k2's window [85s, 145s] closes at the end of input.
      { rule: 'burst', group: { api_key: 'k2' }, count: 2, at: 4 },
    ],
  },
  {
    name: 'a range fires on close when the count is inside it',
    rules: rule('{ gte: 2, lte: 3 }', '{ lateness: 0s }'),
    events: [...burst(4, 0, SECOND, 'k1'), ...burst(2, 0, SECOND, 'k2')].map((e, i) => ({
      ...e,
      id: `e${i}`,
    })),
    expect: [{ rule: 'burst', group: { api_key: 'k2' }, count: 2 }],
  },
  {
    name: 'eq fires on close for exactly the value',
    rules: rule('{ eq: 2 }', '{ lateness: 0s }'),
    events: [...burst(2, 0, SECOND, 'k1'), ...burst(3, 0, SECOND, 'k2')].map((e, i) => ({
      ...e,
      id: `e${i}`,
    })),
    expect: [{ rule: 'burst', group: { api_key: 'k1' }, count: 2 }],
  },
  {
    name: 'cordon.fire: on_close makes a gte rule wait for the window to close',
    rules: rule('{ gte: 2 }', '{ fire: on_close, lateness: 0s }'),
    events: [...burst(3, 0, SECOND), { t: 200 * SECOND, entity: { api_key: 'k2' } }].map(
      (e, i) => ({ ...e, id: `e${i}` }),
    ),
    expect: [
      {
        rule: 'burst',
        group: { api_key: 'k1' },
        count: 3,
        windowStart: 0,
        windowEnd: MINUTE,
        at: 3,
      },
    ],
  },
  {
    name: 'events without a group-by value belong to no group, counted',
    rules: `${REQUEST_RULE}---
title: Per model
name: per_model
correlation: { type: event_count, rules: [req], group-by: [model], timespan: 60s, condition: { gte: 2 } }
`,
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: SECOND, entity: { api_key: 'k1', model: 'm1' } },
      { t: 2 * SECOND, entity: { api_key: 'k1', model: 'm1' } },
    ],
    expect: [{ rule: 'per_model', group: { model: 'm1' }, count: 2 }],
    stats: { rule: 'per_model', withoutGroup: 1 },
  },
  {
    name: 'group_case: insensitive joins values that differ in case, showing the first spelling',
    rules: rule('{ gte: 2 }', '{ group_case: insensitive }'),
    events: [
      { t: 0, entity: { api_key: 'Key-A' } },
      { t: SECOND, entity: { api_key: 'key-a' } },
    ],
    expect: [{ rule: 'burst', group: { api_key: 'Key-A' }, count: 2 }],
  },
  {
    name: 'an on-close window waits until the watermark is past its inclusive end plus lateness',
    rules: rule('{ eq: 1 }', '{ lateness: 0s }'),
    events: [
      { t: 0, entity: { api_key: 'k1' } },
      { t: 90 * SECOND, entity: { api_key: 'k9' } },
      // Watermark 90s − 30s = 60s: an event at exactly 60s (the end of [0, 60s]) is still on time.
      { t: 60 * SECOND, delay: 31 * SECOND, entity: { api_key: 'k1' } },
    ],
    expect: [{ rule: 'burst', group: { api_key: 'k9' }, count: 1 }],
  },
];
