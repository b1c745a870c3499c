import type { CaseEvent, ConformanceCase } from '../conformance-case.js';
import { MINUTE, REQUEST_RULE, SECOND } from '../conformance-case.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A region never seen for the API key within 30 days, after one hour of learning per key. */
function rule(field = 'region', cordon = ''): string {
  return `${REQUEST_RULE}---
title: New region for a key
name: new_region
correlation:
  type: value_count
  rules: [req]
  group-by: [api_key]
  timespan: 30d
  condition: { field: ${field}, gt: 1 }
cordon: { type: new_terms, learning: 1h${cordon ? `, ${cordon}` : ''} }
`;
}

/** A request of `key` from `region`. */
function req(t: number, key: string, region: string, extra: Partial<CaseEvent> = {}): CaseEvent {
  return { t, entity: { api_key: key, geo: { region } }, ...extra };
}

/** An event of the same source that no rule reads: it only moves the watermark on. */
function tick(t: number): CaseEvent {
  return { t, kind: 'login', entity: { user: 'nobody' } };
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'nothing fires while the group learns; learning ends exactly `learning` after its first event',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(30 * MINUTE, 'k1', 'us'),
      req(HOUR - 1, 'k1', 'ap'),
      req(HOUR, 'k1', 'sa'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        count: 1,
        first: HOUR,
        last: HOUR,
        windowStart: HOUR,
        windowEnd: HOUR,
        refs: ['gw/e3'],
        aggregate: { term: 'sa', known: 3 },
        at: 3,
      },
    ],
  },
  {
    name: 'a region never seen for the key fires once; its repeats and the learned regions do not',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(2 * HOUR, 'k1', 'us'),
      req(2 * HOUR + 5 * MINUTE, 'k1', 'us'),
      req(3 * HOUR, 'k1', 'eu'),
      req(3 * HOUR, 'k1', 'us'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        count: 1,
        first: 2 * HOUR,
        late: false,
        refs: ['gw/e1'],
        aggregate: { term: 'us', known: 1 },
        at: 1,
      },
    ],
  },
  {
    name: 'the history is inclusive: a region last seen exactly one timespan ago is known, 1 ms more is new',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(0, 'k2', 'eu'),
      req(10 * MINUTE, 'k1', 'us'),
      req(10 * MINUTE, 'k2', 'us'),
      req(20 * DAY, 'k1', 'us'),
      req(20 * DAY, 'k2', 'us'),
      req(30 * DAY, 'k1', 'eu'),
      req(30 * DAY + 1, 'k2', 'eu'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k2' },
        first: 30 * DAY + 1,
        last: 30 * DAY + 1,
        aggregate: { term: 'eu', known: 1 },
        at: 7,
      },
    ],
  },
  {
    name: 'a region not seen within the history is new again, whether or not prune has forgotten it yet',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(0, 'k2', 'eu'),
      req(10 * MINUTE, 'k1', 'ap'),
      req(10 * MINUTE, 'k2', 'ap'),
      req(20 * MINUTE, 'k1', 'us'),
      req(20 * MINUTE, 'k2', 'us'),
      req(25 * DAY, 'k1', 'us'),
      req(25 * DAY, 'k2', 'us'),
      // k2: eu and ap are older than the history but still remembered; only us counts as known.
      req(35 * DAY, 'k2', 'eu'),
      // Every source is past 36d: eu and ap (last seen before 6d) are pruned, us (25d) is kept.
      tick(36 * DAY),
      req(36 * DAY + MINUTE, 'k1', 'eu'),
      req(36 * DAY + HOUR, 'k1', 'us'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k2' },
        first: 35 * DAY,
        last: 35 * DAY,
        aggregate: { term: 'eu', known: 1 },
        at: 8,
      },
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        first: 36 * DAY + MINUTE,
        last: 36 * DAY + MINUTE,
        aggregate: { term: 'eu', known: 1 },
        at: 10,
      },
    ],
  },
  {
    name: 'a key silent for longer than the history starts learning again, whether or not it was pruned',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(0, 'k2', 'eu'),
      req(2 * HOUR, 'k1', 'us'),
      req(2 * HOUR, 'k2', 'us'),
      // k2 comes back after 40 days, before anything moved the watermark on: it learns again.
      req(40 * DAY, 'k2', 'ap'),
      req(40 * DAY + 30 * MINUTE, 'k2', 'sa'),
      // Every source is past 41d: k1's whole memory is pruned; it comes back as a new key.
      tick(41 * DAY),
      req(41 * DAY + MINUTE, 'k1', 'ap'),
      req(41 * DAY + 30 * MINUTE, 'k1', 'sa'),
      // Once each has learned for an hour, a new region fires again.
      req(41 * DAY + 2 * HOUR, 'k1', 'af'),
      req(41 * DAY + 2 * HOUR, 'k2', 'af'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        first: 2 * HOUR,
        last: 2 * HOUR,
        aggregate: { term: 'us' },
        at: 2,
      },
      {
        rule: 'new_region',
        group: { api_key: 'k2' },
        first: 2 * HOUR,
        last: 2 * HOUR,
        aggregate: { term: 'us' },
        at: 3,
      },
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        first: 41 * DAY + 2 * HOUR,
        last: 41 * DAY + 2 * HOUR,
        aggregate: { term: 'af', known: 2 },
        at: 9,
      },
      {
        rule: 'new_region',
        group: { api_key: 'k2' },
        first: 41 * DAY + 2 * HOUR,
        last: 41 * DAY + 2 * HOUR,
        aggregate: { term: 'af', known: 2 },
        at: 10,
      },
    ],
  },
  {
    name: 'tuple fields: a new combination of known values is a new term; events missing a field are skipped',
    rules: rule('[region, model]'),
    events: [
      req(0, 'k1', 'eu', { entity: { api_key: 'k1', geo: { region: 'eu' }, model: 'm1' } }),
      req(10 * MINUTE, 'k1', 'us', {
        entity: { api_key: 'k1', geo: { region: 'us' }, model: 'm2' },
      }),
      req(2 * HOUR, 'k1', 'eu', { entity: { api_key: 'k1', geo: { region: 'eu' }, model: 'm2' } }),
      req(3 * HOUR, 'k1', 'us', { entity: { api_key: 'k1', geo: { region: 'us' }, model: 'm2' } }),
      req(4 * HOUR, 'k1', 'ap'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        first: 2 * HOUR,
        last: 2 * HOUR,
        aggregate: { term: 'eu\u001fm2', known: 2 },
        at: 2,
      },
    ],
    stats: { rule: 'new_region', withoutValue: 1 },
  },
  {
    name: 'learning is per group: a key first seen later learns on its own',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(2 * HOUR, 'k1', 'us'),
      req(3 * HOUR, 'k2', 'eu'),
      req(3 * HOUR + 30 * MINUTE, 'k2', 'us'),
      req(4 * HOUR, 'k2', 'ap'),
    ],
    expect: [
      {
        rule: 'new_region',
        group: { api_key: 'k1' },
        first: 2 * HOUR,
        last: 2 * HOUR,
        aggregate: { term: 'us' },
        at: 1,
      },
      {
        rule: 'new_region',
        group: { api_key: 'k2' },
        first: 4 * HOUR,
        last: 4 * HOUR,
        aggregate: { term: 'ap', known: 2 },
        at: 4,
      },
    ],
  },
  {
    name: 'a new region arriving behind the watermark (within the lateness) fires, flagged late',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(2 * HOUR + MINUTE, 'k1', 'eu'),
      // Watermark 2h1m − 30s; 2h is behind it, within the 5m lateness.
      req(2 * HOUR, 'k1', 'us', { delay: 70 * SECOND }),
    ],
    expect: [{ rule: 'new_region', first: 2 * HOUR, late: true, aggregate: { term: 'us' }, at: 2 }],
    stats: { rule: 'new_region', late: 1, lateDropped: 0 },
  },
  {
    name: 'a region fires once even when its occurrences arrive out of order',
    rules: rule(),
    events: [
      req(0, 'k1', 'eu'),
      req(2 * HOUR + 20 * SECOND, 'k1', 'us'),
      req(2 * HOUR, 'k1', 'us', { delay: 30 * SECOND }),
    ],
    expect: [
      { rule: 'new_region', first: 2 * HOUR + 20 * SECOND, aggregate: { term: 'us' }, at: 1 },
    ],
  },
];
