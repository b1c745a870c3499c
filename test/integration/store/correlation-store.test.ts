import { describe, expect, it } from 'vitest';
import {
  CorrelationStore,
  type RawMatch,
  type RecordStatus,
  type WindowLimits,
} from '../../../src/store/correlation-store.js';
import { BASE, eventCountRule, groupOf, sha1Hex, useStoreRedis } from './store-helpers.js';

/**
 * recordEventCount-5.lua against a real Redis: a conformance table of event sequences (each on
 * a fresh rule key), then the parts a table cannot express (id determinism across fresh state,
 * outbox, group cap). Times in the table are offsets from BASE (epoch ms); the processing time
 * of event i is NOW0 + i * 1000.
 */
const env = useStoreRedis('store-corr');

const DEFAULT_LIMITS: WindowLimits = {
  maxGroupsPerRule: 100,
  maxEventsPerGroup: 1_000,
  maxRefsPerMatch: 50,
};
const NOW0 = BASE + 3_600_000;
const nowOf = (i: number): number => NOW0 + i * 1_000;
const ref = (name: string): string => `gw/${name}`;

interface RuleSpec {
  readonly timespanMs: number;
  readonly op: 'gt' | 'gte';
  readonly value: number;
  readonly allowedLatenessMs: number;
}

interface EventSpec {
  readonly ref: string;
  /** Event time, offset from BASE. */
  readonly t: number;
  /** Group-by value; default k-1. */
  readonly group?: string;
}

interface MatchSpec {
  /** Index of the event that fires it. */
  readonly at: number;
  readonly refs: readonly string[];
  /** Total events; defaults to refs.length (differs only when refs are capped). */
  readonly count?: number;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly late: boolean;
  readonly partial?: boolean;
  readonly group?: string;
}

interface Case {
  readonly name: string;
  readonly rule: RuleSpec;
  readonly limits?: Partial<WindowLimits>;
  readonly events: readonly EventSpec[];
  /** Per event: [status, count]. */
  readonly expect: readonly (readonly [RecordStatus, number])[];
  readonly matches: readonly MatchSpec[];
  /** ruleStats after the sequence; maxT as an offset from BASE. */
  readonly stats: Readonly<Record<string, number>>;
}

const T1M = { timespanMs: 60_000, allowedLatenessMs: 300_000 } as const;

const CASES: readonly Case[] = [
  {
    name: 'gte: fires at the event that reaches the threshold',
    rule: { ...T1M, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 10_000 },
      { ref: 'c', t: 20_000 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 2,
        refs: ['a', 'b', 'c'],
        firstTime: 0,
        lastTime: 20_000,
        windowStart: -40_000,
        windowEnd: 20_000,
        late: false,
      },
    ],
    stats: { maxT: 20_000, matches: 1, groups: 1 },
  },
  {
    name: 'gt: needs one event more than the value',
    rule: { ...T1M, op: 'gt', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 1_000 },
      { ref: 'c', t: 2_000 },
      { ref: 'd', t: 3_000 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['counted', 3],
      ['matched', 4],
    ],
    matches: [
      {
        at: 3,
        refs: ['a', 'b', 'c', 'd'],
        firstTime: 0,
        lastTime: 3_000,
        windowStart: -57_000,
        windowEnd: 3_000,
        late: false,
      },
    ],
    stats: { maxT: 3_000, matches: 1, groups: 1 },
  },
  {
    name: 'sliding: events older than t - T leave the window (and stay unconsumed)',
    rule: { ...T1M, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 30_000 },
      { ref: 'c', t: 70_000 },
      { ref: 'd', t: 80_000 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 3,
        refs: ['b', 'c', 'd'],
        firstTime: 30_000,
        lastTime: 80_000,
        windowStart: 20_000,
        windowEnd: 80_000,
        late: false,
      },
    ],
    stats: { maxT: 80_000, matches: 1, groups: 1 },
  },
  {
    name: 'inclusive window: events exactly T apart count together',
    rule: { ...T1M, op: 'gte', value: 2 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 60_000 },
    ],
    expect: [
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 1,
        refs: ['a', 'b'],
        firstTime: 0,
        lastTime: 60_000,
        windowStart: 0,
        windowEnd: 60_000,
        late: false,
      },
    ],
    stats: { maxT: 60_000, matches: 1, groups: 1 },
  },
  {
    name: 'events T + 1 ms apart do not count together',
    rule: { ...T1M, op: 'gte', value: 2 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 60_001 },
      { ref: 'c', t: 60_002 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 2,
        refs: ['b', 'c'],
        firstTime: 60_001,
        lastTime: 60_002,
        windowStart: 2,
        windowEnd: 60_002,
        late: false,
      },
    ],
    stats: { maxT: 60_002, matches: 1, groups: 1 },
  },
  {
    name: 'equal event times are in order (not late)',
    rule: { ...T1M, op: 'gte', value: 2 },
    events: [
      { ref: 'b', t: 5_000 },
      { ref: 'a', t: 5_000 },
    ],
    expect: [
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 1,
        refs: ['a', 'b'],
        firstTime: 5_000,
        lastTime: 5_000,
        windowStart: -55_000,
        windowEnd: 5_000,
        late: false,
      },
    ],
    stats: { maxT: 5_000, matches: 1, groups: 1 },
  },
  {
    name: 'out-of-order events within lateness complete a match: flagged late, earliest best window containing the late event',
    rule: { timespanMs: 100_000, allowedLatenessMs: 300_000, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'x', t: 150_000 },
      { ref: 'b', t: 90_000 }, // late: [0,100k] = {a,b}, [90k,190k] = {b,x}
      { ref: 'c', t: 95_000 }, // late: [0,100k] = {a,b,c} and [90k,190k] = {b,c,x} tie; earliest wins
      { ref: 'e', t: 120_000 }, // late: a,b,c consumed, so [20k..220k] has {e,x}
    ],
    expect: [
      ['counted', 1],
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
      ['counted', 2],
    ],
    // Reported window: the one ending at the last contributing event, whatever the arrival order.
    matches: [
      {
        at: 3,
        refs: ['a', 'b', 'c'],
        firstTime: 0,
        lastTime: 95_000,
        windowStart: -5_000,
        windowEnd: 95_000,
        late: true,
      },
    ],
    stats: { maxT: 150_000, matches: 1, groups: 1 },
  },
  {
    name: 'a late event may complete a window that extends after it',
    rule: { timespanMs: 100_000, allowedLatenessMs: 300_000, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'x', t: 150_000 },
      { ref: 'y', t: 160_000 },
      { ref: 'b', t: 100_000 }, // [0,100k] = {a,b}; [100k,200k] = {b,x,y}
    ],
    expect: [
      ['counted', 1],
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 3,
        refs: ['b', 'x', 'y'],
        firstTime: 100_000,
        lastTime: 160_000,
        windowStart: 60_000,
        windowEnd: 160_000,
        late: true,
      },
    ],
    stats: { maxT: 160_000, matches: 1, groups: 1 },
  },
  {
    name: 'too late: older than the watermark (maxT - O) minus lateness is dropped and counted in late_dropped (the boundary itself is accepted)',
    rule: { timespanMs: 60_000, allowedLatenessMs: 30_000, op: 'gte', value: 5 },
    events: [
      { ref: 'a', t: 200_000 },
      { ref: 'b', t: 140_000 }, // exactly maxT - O - L with O = 30 s (the default)
      { ref: 'c', t: 139_999 },
      { ref: 'd', t: 0 },
      { ref: 'b', t: 140_000 }, // still known: duplicate, not too late
    ],
    // b is late but accepted: its best window [140k, 200k] also holds a.
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['too-late', 0],
      ['too-late', 0],
      ['duplicate', 0],
    ],
    matches: [],
    stats: { maxT: 200_000, late_dropped: 2, duplicates: 1, groups: 1 },
  },
  {
    name: 'a late event at the lateness boundary still sees events back to its own t - T',
    rule: { timespanMs: 60_000, allowedLatenessMs: 30_000, op: 'gte', value: 2 },
    events: [
      { ref: 'a', t: 30_000 },
      { ref: 'x', t: 150_000 }, // maxT - O - L - T = 30k: a is still kept
      { ref: 'b', t: 90_000 }, // maxT - O - L: accepted, window [30k, 90k] = {a, b}
    ],
    expect: [
      ['counted', 1],
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 2,
        refs: ['a', 'b'],
        firstTime: 30_000,
        lastTime: 90_000,
        windowStart: 30_000,
        windowEnd: 90_000,
        late: true,
      },
    ],
    stats: { maxT: 150_000, matches: 1, groups: 1 },
  },
  {
    name: 'duplicate ref is not counted twice (same or different time)',
    rule: { ...T1M, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'a', t: 0 },
      { ref: 'a', t: 5_000 },
      { ref: 'b', t: 10_000 },
      { ref: 'c', t: 20_000 },
    ],
    expect: [
      ['counted', 1],
      ['duplicate', 0],
      ['duplicate', 0],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 4,
        refs: ['a', 'b', 'c'],
        firstTime: 0,
        lastTime: 20_000,
        windowStart: -40_000,
        windowEnd: 20_000,
        late: false,
      },
    ],
    stats: { maxT: 20_000, duplicates: 2, matches: 1, groups: 1 },
  },
  {
    name: 'duplicate of a ref already consumed by a match is still a duplicate and does not re-fire',
    rule: { ...T1M, op: 'gte', value: 2 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 1_000 },
      { ref: 'b', t: 1_000 },
      { ref: 'a', t: 0 },
      { ref: 'c', t: 2_000 },
      { ref: 'd', t: 3_000 },
    ],
    expect: [
      ['counted', 1],
      ['matched', 2],
      ['duplicate', 0],
      ['duplicate', 0],
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 1,
        refs: ['a', 'b'],
        firstTime: 0,
        lastTime: 1_000,
        windowStart: -59_000,
        windowEnd: 1_000,
        late: false,
      },
      {
        at: 5,
        refs: ['c', 'd'],
        firstTime: 2_000,
        lastTime: 3_000,
        windowStart: -57_000,
        windowEnd: 3_000,
        late: false,
      },
    ],
    stats: { maxT: 3_000, duplicates: 2, matches: 2, groups: 1 },
  },
  {
    name: 'reset after firing: the next match needs a fresh threshold of events',
    rule: { ...T1M, op: 'gte', value: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 10_000 },
      { ref: 'c', t: 20_000 },
      { ref: 'd', t: 30_000 },
      { ref: 'e', t: 40_000 },
      { ref: 'f', t: 50_000 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 2,
        refs: ['a', 'b', 'c'],
        firstTime: 0,
        lastTime: 20_000,
        windowStart: -40_000,
        windowEnd: 20_000,
        late: false,
      },
      {
        at: 5,
        refs: ['d', 'e', 'f'],
        firstTime: 30_000,
        lastTime: 50_000,
        windowStart: -10_000,
        windowEnd: 50_000,
        late: false,
      },
    ],
    stats: { maxT: 50_000, matches: 2, groups: 1 },
  },
  {
    name: 'maxRefsPerMatch caps the listed refs; count is the total',
    rule: { ...T1M, op: 'gte', value: 3 },
    limits: { maxRefsPerMatch: 2 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 1_000 },
      { ref: 'c', t: 2_000 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 2,
        refs: ['a', 'b'],
        count: 3,
        firstTime: 0,
        lastTime: 2_000,
        windowStart: -58_000,
        windowEnd: 2_000,
        late: false,
      },
    ],
    stats: { maxT: 2_000, matches: 1, groups: 1 },
  },
  {
    name: 'maxEventsPerGroup evicts the oldest events and flags the match partial',
    rule: { timespanMs: 10_000, allowedLatenessMs: 100_000, op: 'gte', value: 3 },
    limits: { maxEventsPerGroup: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 1_000 },
      { ref: 'x', t: 50_000 },
      { ref: 'y', t: 51_000 }, // 4 kept > 3: a evicted
      { ref: 'z', t: 52_000 }, // b evicted
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['counted', 1],
      ['counted', 2],
      ['matched', 3],
    ],
    matches: [
      {
        at: 4,
        refs: ['x', 'y', 'z'],
        firstTime: 50_000,
        lastTime: 52_000,
        windowStart: 42_000,
        windowEnd: 52_000,
        late: false,
        partial: true,
      },
    ],
    stats: { maxT: 52_000, evicted_events: 2, matches: 1, groups: 1 },
  },
  {
    name: 'maxEventsPerGroup bounds the count inside one window',
    rule: { timespanMs: 100_000, allowedLatenessMs: 0, op: 'gte', value: 4 },
    limits: { maxEventsPerGroup: 3 },
    events: [
      { ref: 'a', t: 0 },
      { ref: 'b', t: 1 },
      { ref: 'c', t: 2 },
      { ref: 'd', t: 3 },
    ],
    expect: [
      ['counted', 1],
      ['counted', 2],
      ['counted', 3],
      ['counted', 3],
    ],
    matches: [],
    stats: { maxT: 3, evicted_events: 1, groups: 1 },
  },
  {
    name: 'groups share the rule watermark: a new group can be late or too late',
    rule: { timespanMs: 60_000, allowedLatenessMs: 30_000, op: 'gte', value: 2 },
    events: [
      { ref: 'a1', t: 100_000, group: 'k-A' },
      { ref: 'b0', t: 0, group: 'k-B' }, // < 100k - O - L = 40k
      { ref: 'b1', t: 50_000, group: 'k-B' },
      { ref: 'b2', t: 55_000, group: 'k-B' },
    ],
    expect: [
      ['counted', 1],
      ['too-late', 0],
      ['counted', 1],
      ['matched', 2],
    ],
    matches: [
      {
        at: 3,
        refs: ['b1', 'b2'],
        firstTime: 50_000,
        lastTime: 55_000,
        windowStart: -5_000,
        windowEnd: 55_000,
        late: true,
        group: 'k-B',
      },
    ],
    stats: { maxT: 100_000, late_dropped: 1, matches: 1, groups: 2 },
  },
];

function expectedMatch(ruleKey: string, m: MatchSpec): RawMatch {
  const group = groupOf(m.group ?? 'k-1');
  const refs = m.refs.map(ref);
  const firstTime = BASE + m.firstTime;
  return {
    matchId: `m_${sha1Hex(`${ruleKey}\n${group.key}\n${firstTime}\n${refs[0]}`).slice(0, 32)}`,
    rule: ruleKey,
    groupKey: group.key,
    count: m.count ?? m.refs.length,
    firstTime,
    lastTime: BASE + m.lastTime,
    windowStart: BASE + m.windowStart,
    windowEnd: BASE + m.windowEnd,
    firedAt: nowOf(m.at),
    late: m.late,
    partial: m.partial ?? false,
    refs,
  };
}

const byId = (a: RawMatch, b: RawMatch): number => a.matchId.localeCompare(b.matchId);

describe('CorrelationStore.recordEventCount conformance (recordEventCount-5.lua)', () => {
  CASES.forEach((c, index) => {
    it(c.name, async () => {
      expect(c.expect).toHaveLength(c.events.length);
      const ruleKey = `case-${index}`;
      const store = new CorrelationStore(env.t.redis, env.keys, { ...DEFAULT_LIMITS, ...c.limits });
      const rule = eventCountRule(ruleKey, c.rule);

      const statuses: [RecordStatus, number][] = [];
      const fired: { at: number; match: RawMatch }[] = [];
      for (const [i, e] of c.events.entries()) {
        const out = await store.recordEventCount(
          rule,
          groupOf(e.group ?? 'k-1'),
          ref(e.ref),
          BASE + e.t,
          nowOf(i),
        );
        statuses.push([out.status, out.count]);
        expect(out.evictedGroups).toBe(0);
        if (out.status === 'matched') {
          expect(out.match).toBeDefined();
          fired.push({ at: i, match: out.match! });
        } else {
          expect(out.match).toBeUndefined();
        }
      }

      expect(statuses).toEqual(c.expect);
      const expected = c.matches.map((m) => ({ at: m.at, match: expectedMatch(ruleKey, m) }));
      expect(fired).toEqual(expected);
      // Every match sits in the outbox until the incident is recorded.
      const pending = await store.pendingMatches(ruleKey);
      expect([...pending].sort(byId)).toEqual(expected.map((e) => e.match).sort(byId));
      const stats =
        c.stats.maxT === undefined ? c.stats : { ...c.stats, maxT: BASE + c.stats.maxT };
      expect(await store.ruleStats(ruleKey)).toEqual(stats);
    });
  });
});

describe('CorrelationStore match identity, outbox and caps', () => {
  const rule3 = (key: string) => eventCountRule(key, { ...T1M, op: 'gte', value: 3 });

  async function fire(
    store: CorrelationStore,
    ruleKey: string,
    group: string,
    events: readonly (readonly [string, number])[],
  ): Promise<RawMatch | undefined> {
    let last: RawMatch | undefined;
    for (const [i, [name, t]] of events.entries()) {
      const out = await store.recordEventCount(
        rule3(ruleKey),
        groupOf(group),
        ref(name),
        BASE + t,
        nowOf(i),
      );
      if (out.match) last = out.match;
    }
    return last;
  }

  const ABC = [
    ['a', 0],
    ['b', 10_000],
    ['c', 20_000],
  ] as const;

  it('matchId is deterministic: same rule key, group and events on fresh state give the same id and match', async () => {
    const first = await fire(
      new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS),
      'det',
      'k-1',
      ABC,
    );
    const again = await fire(
      new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS),
      'det',
      'k-1',
      ABC,
    );
    expect(first).toBeDefined();
    expect(first!.matchId).toBe(`m_${sha1Hex(`det\n["k-1"]\n${BASE}\ngw/a`).slice(0, 32)}`);
    expect(again).toEqual(first);

    const otherGroup = await fire(
      new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS),
      'det',
      'k-2',
      ABC,
    );
    expect(otherGroup!.matchId).not.toBe(first!.matchId);
    expect(otherGroup!.groupKey).toBe('["k-2"]');

    const otherRule = await fire(
      new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS),
      'det2',
      'k-1',
      ABC,
    );
    expect(otherRule!.matchId).not.toBe(first!.matchId);
  });

  it('matchId survives a replay in another order (anchored on the first contributing event)', async () => {
    const inOrder = await fire(
      new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS),
      'det',
      'k-1',
      ABC,
    );
    const store = new CorrelationStore(env.t.redis, env.fresh('id'), DEFAULT_LIMITS);
    const rule = rule3('det');
    const c = await store.recordEventCount(rule, groupOf('k-1'), ref('c'), BASE + 20_000, NOW0);
    const a = await store.recordEventCount(rule, groupOf('k-1'), ref('a'), BASE, NOW0 + 1);
    const b = await store.recordEventCount(rule, groupOf('k-1'), ref('b'), BASE + 10_000, NOW0 + 2);
    expect([c.status, c.count, a.status, a.count, b.status, b.count]).toEqual([
      'counted',
      1,
      'counted',
      2,
      'matched',
      3,
    ]);
    expect(b.match!.matchId).toBe(inOrder!.matchId);
    // Within the out-of-orderness allowance (30 s), so not late; and the same window as in order.
    expect(b.match!.late).toBe(false);
    expect(b.match!.refs).toEqual(['gw/a', 'gw/b', 'gw/c']);
    expect({ ...b.match!, firedAt: 0 }).toEqual({ ...inOrder!, firedAt: 0 });
  });

  it('match JSON has exactly the documented fields and types', async () => {
    const keys = env.fresh('shape');
    const store = new CorrelationStore(env.t.redis, keys, DEFAULT_LIMITS);
    const match = await fire(store, 'shape', 'k-1', ABC);
    const raw = await env.t.redis.hget(keys.rulePending('shape'), match!.matchId);
    expect(raw).not.toBeNull();
    const json = JSON.parse(raw!) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([
      'count',
      'firedAt',
      'firstTime',
      'groupKey',
      'lastTime',
      'late',
      'matchId',
      'partial',
      'refs',
      'rule',
      'windowEnd',
      'windowStart',
    ]);
    expect(json).toEqual({
      matchId: match!.matchId,
      rule: 'shape',
      groupKey: '["k-1"]',
      count: 3,
      firstTime: BASE,
      lastTime: BASE + 20_000,
      windowStart: BASE - 40_000,
      windowEnd: BASE + 20_000,
      firedAt: nowOf(2),
      late: false,
      partial: false,
      refs: ['gw/a', 'gw/b', 'gw/c'],
    });
    expect(json).toEqual(match);
  });

  it('the outbox holds every match until clearPending removes it', async () => {
    const keys = env.fresh('outbox');
    const store = new CorrelationStore(env.t.redis, keys, DEFAULT_LIMITS);
    const m1 = await fire(store, 'ob', 'k-1', ABC);
    const m2 = await fire(store, 'ob', 'k-2', [
      ['d', 30_000],
      ['e', 31_000],
      ['f', 32_000],
    ]);
    expect((await store.pendingMatches('ob')).sort(byId)).toEqual([m1!, m2!].sort(byId));
    await store.clearPending('ob', m1!.matchId);
    expect(await store.pendingMatches('ob')).toEqual([m2]);
    await store.clearPending('ob', 'm_unknown');
    expect(await store.pendingMatches('ob')).toEqual([m2]);
    await store.clearPending('ob', m2!.matchId);
    expect(await store.pendingMatches('ob')).toEqual([]);
    expect(await store.pendingMatches('never-seen')).toEqual([]);
    // Clearing the outbox does not forget the events: a redelivery is still a duplicate.
    const dup = await store.recordEventCount(
      rule3('ob'),
      groupOf('k-1'),
      ref('b'),
      BASE + 10_000,
      NOW0,
    );
    expect(dup).toEqual({ status: 'duplicate', count: 0, evictedGroups: 0 });
    expect(await store.pendingMatches('ob')).toEqual([]);
  });

  it('maxGroupsPerRule evicts the stalest group (by processing time) and reports it', async () => {
    const keys = env.fresh('groups');
    const store = new CorrelationStore(env.t.redis, keys, {
      ...DEFAULT_LIMITS,
      maxGroupsPerRule: 2,
    });
    const rule = rule3('cap');
    const rec = (group: string, name: string, t: number, now: number) =>
      store.recordEventCount(rule, groupOf(group), ref(name), BASE + t, BASE + now);

    expect(await rec('A', 'a1', 0, 1_000)).toEqual({
      status: 'counted',
      count: 1,
      evictedGroups: 0,
    });
    expect(await rec('B', 'b1', 1_000, 2_000)).toEqual({
      status: 'counted',
      count: 1,
      evictedGroups: 0,
    });
    expect(await rec('A', 'a2', 2_000, 3_000)).toEqual({
      status: 'counted',
      count: 2,
      evictedGroups: 0,
    });
    // C is new at the cap: B (processed at 2000) is now the stalest, not A (3000).
    expect(await rec('C', 'c1', 3_000, 4_000)).toEqual({
      status: 'counted',
      count: 1,
      evictedGroups: 1,
    });
    expect(await env.t.redis.exists(keys.groupWindow('cap', groupOf('B').hash))).toBe(0);
    expect(await env.t.redis.zrange(keys.ruleGroups('cap'), 0, -1)).toEqual([
      groupOf('A').hash,
      groupOf('C').hash,
    ]);
    expect(await store.ruleStats('cap')).toEqual({
      maxT: BASE + 3_000,
      groups_evicted: 1,
      groups: 2,
    });

    // An existing group at the cap evicts nothing.
    expect(await rec('A', 'a3', 4_000, 5_000)).toEqual(
      expect.objectContaining({ status: 'matched', count: 3, evictedGroups: 0 }),
    );
    // B comes back with fresh state (its earlier event is gone) and evicts C (4000 < A's 5000).
    expect(await rec('B', 'b2', 5_000, 6_000)).toEqual({
      status: 'counted',
      count: 1,
      evictedGroups: 1,
    });
    expect(await env.t.redis.zrange(keys.ruleGroups('cap'), 0, -1)).toEqual([
      groupOf('A').hash,
      groupOf('B').hash,
    ]);
    expect(await store.ruleStats('cap')).toEqual({
      maxT: BASE + 5_000,
      groups_evicted: 2,
      matches: 1,
      groups: 2,
    });
  });

  it('ruleStats of a rule with no state is just zero groups', async () => {
    const store = new CorrelationStore(env.t.redis, env.fresh('stats'), DEFAULT_LIMITS);
    expect(await store.ruleStats('nothing')).toEqual({ groups: 0 });
  });
});
