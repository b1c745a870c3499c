import { expect } from 'vitest';
import type { CanonicalEvent } from '../../src/ingest/canonical-event.js';
import type { EngineLimits } from '../../src/correlate/engine/engine.js';
import { CorrelationEngine } from '../../src/correlate/engine/engine.js';
import type { RuleStats } from '../../src/correlate/engine/rule-stats.js';
import type { Match, Retraction } from '../../src/correlate/match.js';
import { buildRuleSet } from '../../src/correlate/rule/index.js';
import type { CompiledRuleSet } from '../../src/correlate/rule/types.js';
import type { CorrelationStateStore, Lease } from '../../src/correlate/state-store.js';
import { formatDiagnostic } from '../../src/shared/diagnostics.js';

/**
 * Runs correlation scenarios the way the live correlator does, minus the network: events in
 * arrival order, processing time = event time + ingest delay, matches collected with the index
 * of the event whose processing emitted them. The same scenario can be run
 *
 * - in memory (the replay path),
 * - with checkpoints to a state store and simulated crashes (state thrown away, the last
 *   checkpoint restored, the events since re-read), matches deduplicated by id as the
 *   incident store does,
 * - on two workers owning different partitions of one store.
 *
 * and must give the same matches every way.
 */
export const BASE = Date.UTC(2026, 0, 1, 12, 0, 0);

export type { CaseEvent, ExpectedMatch } from '../../src/correlate/types/conformance-case.js';
import type {
  CaseEvent,
  ExpectedMatch,
  ExpectedRetraction,
} from '../../src/correlate/types/conformance-case.js';

export interface RunResult {
  readonly matches: Match[];
  /** Per match id: index of the event after which it was emitted (events.length = flush). */
  readonly emittedAt: Map<string, number>;
  readonly stats: ReadonlyMap<string, RuleStats>;
  /** Withdrawn matches, once per match id (as the incident store records them). */
  readonly retractions: Retraction[];
}

/** Collects retractions once per match id. */
class Retractions {
  readonly byMatch = new Map<string, Retraction>();
  readonly add = (r: Retraction): void => {
    if (!this.byMatch.has(r.matchId)) this.byMatch.set(r.matchId, r);
  };
  list(): Retraction[] {
    return [...this.byMatch.values()];
  }
}

export const TEST_LIMITS: EngineLimits = {
  partitions: 1,
  maxGroupsPerRule: 10_000,
  maxEventsPerGroup: 10_000,
  maxDistinctExact: 1_000,
  maxRefsPerMatch: 50,
};

export const TEST_TIMING = { outOfOrdernessMs: 30_000, idleMs: 60_000 };

export function compileRules(yaml: string): CompiledRuleSet {
  const { ruleSet, diagnostics } = buildRuleSet([{ file: 'rules.yaml', text: yaml }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map(formatDiagnostic)).toEqual([]);
  if (!ruleSet) throw new Error('rules did not compile');
  return ruleSet;
}

export function toEvents(events: readonly CaseEvent[]): CanonicalEvent[] {
  return events.map((e, i) => ({
    id: e.id ?? `e${i}`,
    time: BASE + e.t,
    received: BASE + e.t + (e.delay ?? 0),
    source: e.source ?? 'gw',
    kind: e.kind ?? 'inference',
    name: e.name ?? 'request',
    severity: 'info',
    outcome: e.outcome ?? 'success',
    entity: e.entity ?? {},
    measures: e.measures ?? {},
    labels: e.labels ?? {},
    ...(e.text ? { text: e.text } : {}),
  }));
}

function engineFor(
  rules: CompiledRuleSet,
  limits: EngineLimits,
  owned?: number[],
): CorrelationEngine {
  return new CorrelationEngine(rules, {
    limits,
    timing: TEST_TIMING,
    ...(owned ? { owned } : {}),
  });
}

/** Feeds one event and its derived events (chains) the way replay does. */
function feed(
  engine: CorrelationEngine,
  event: CanonicalEvent,
  sink: (m: Match) => void,
  retract: (r: Retraction) => void,
): void {
  const queue = [event];
  for (let e = queue.shift(); e; e = queue.shift()) {
    engine.process(e, e.received);
    engine.advance(e.received);
    const out = engine.drain();
    out.matches.forEach(sink);
    out.retractions.forEach(retract);
    queue.push(...out.derived);
  }
}

function flush(
  engine: CorrelationEngine,
  now: number,
  sink: (m: Match) => void,
  retract: (r: Retraction) => void,
): void {
  for (;;) {
    engine.flush(now);
    const out = engine.drain();
    out.matches.forEach(sink);
    out.retractions.forEach(retract);
    if (out.derived.length === 0) return;
    for (const d of out.derived) feed(engine, d, sink, retract);
  }
}

/** The replay path: everything in memory, one engine. */
export function runInMemory(
  rules: CompiledRuleSet,
  events: readonly CanonicalEvent[],
  limits: EngineLimits = TEST_LIMITS,
): RunResult {
  const engine = engineFor(rules, limits);
  const matches: Match[] = [];
  const emittedAt = new Map<string, number>();
  const retractions = new Retractions();
  events.forEach((event, i) => {
    feed(
      engine,
      event,
      (m) => {
        matches.push(m);
        emittedAt.set(m.matchId, i);
      },
      retractions.add,
    );
  });
  const last = events[events.length - 1]?.received ?? BASE;
  flush(
    engine,
    last,
    (m) => {
      matches.push(m);
      emittedAt.set(m.matchId, events.length);
    },
    retractions.add,
  );
  return { matches, emittedAt, stats: engine.stats(), retractions: retractions.list() };
}

/**
 * The live path against a state store: checkpoint every `every` events; at each index in
 * `crashes`, throw the engine away (after processing that event, before its checkpoint),
 * restore the last checkpoint and re-read from its offset. Matches are kept once per id.
 */
export async function runWithCheckpoints(
  rules: CompiledRuleSet,
  events: readonly CanonicalEvent[],
  store: CorrelationStateStore,
  options: { every: number; crashes: readonly number[]; limits?: EngineLimits; member?: string },
): Promise<RunResult> {
  const limits = options.limits ?? TEST_LIMITS;
  const member = options.member ?? 'w1';
  const partitions = Array.from({ length: limits.partitions }, (_, p) => p);
  const delivered = new Map<string, Match>();
  const emittedAt = new Map<string, number>();
  const crashes = new Set(options.crashes);
  const leases = new Map<number, Lease>();
  const retractions = new Retractions();
  let engine = engineFor(rules, limits, partitions);

  /** Restores every partition; returns the index of the last event the checkpoint reflects. */
  const acquire = async (now: number): Promise<number> => {
    engine = engineFor(rules, limits, partitions);
    let from = Infinity;
    for (const p of partitions) {
      const got = await store.acquire(p, member, now, 60_000);
      if (!got) throw new Error(`partition ${p} not free`);
      leases.set(p, got.lease);
      engine.restore(p, [], await store.rules(p));
      for await (const chunk of store.groups(p)) engine.restore(p, chunk, []);
      if (got.head.engine) engine.restoreMeta(got.head.engine);
      // Offsets are "1-<index>" for a checkpoint after event <index>; "0-0" for none.
      const o = got.head.offset === '0-0' ? -1 : Number(got.head.offset.split('-')[1]);
      from = Math.min(from, o);
    }
    return from === Infinity ? -1 : from;
  };
  const checkpoint = async (index: number, now: number): Promise<void> => {
    for (const p of partitions) {
      const delta = engine.takeDelta(p);
      const ok = await store.commit(
        leases.get(p) as Lease,
        member,
        {
          offset: `1-${index}`,
          read: index + 1,
          engine: engine.meta(),
          groups: delta.groups,
          rules: delta.rules,
          outbox: [],
        },
        now,
        60_000,
      );
      if (!ok) throw new Error('lease lost');
    }
  };
  const sink = (i: number) => (m: Match) => {
    if (!delivered.has(m.matchId)) {
      delivered.set(m.matchId, m);
      emittedAt.set(m.matchId, i);
    }
  };

  let i = (await acquire(BASE)) + 1;
  while (i < events.length) {
    const event = events[i] as CanonicalEvent;
    feed(engine, event, sink(i), retractions.add);
    if (crashes.has(i)) {
      crashes.delete(i);
      // Crash: nothing since the last checkpoint survives in memory.
      const resumeFrom = await acquire(event.received);
      i = resumeFrom + 1;
      continue;
    }
    if ((i + 1) % options.every === 0) await checkpoint(i, event.received);
    i += 1;
  }
  const last = events[events.length - 1]?.received ?? BASE;
  flush(engine, last, sink(events.length), retractions.add);
  return {
    matches: [...delivered.values()],
    emittedAt,
    stats: engine.stats(),
    retractions: retractions.list(),
  };
}

/** Two workers, each owning half the partitions, each reading every event. */
export function runOnTwoWorkers(
  rules: CompiledRuleSet,
  events: readonly CanonicalEvent[],
  limits: EngineLimits,
): RunResult {
  const partitions = Array.from({ length: limits.partitions }, (_, p) => p);
  const engines = [
    engineFor(
      rules,
      limits,
      partitions.filter((p) => p % 2 === 0),
    ),
    engineFor(
      rules,
      limits,
      partitions.filter((p) => p % 2 === 1),
    ),
  ];
  const matches = new Map<string, Match>();
  const emittedAt = new Map<string, number>();
  const retractions = new Retractions();
  // Derived events go through the shared log: every worker reads them, like any event.
  const log: CanonicalEvent[] = [...events];
  const seen = new Set(log.map((e) => `${e.source}/${e.id}`));
  for (let i = 0; i < log.length; i += 1) {
    const event = log[i] as CanonicalEvent;
    for (const engine of engines) {
      engine.process(event, event.received);
      engine.advance(event.received);
      const out = engine.drain();
      for (const m of out.matches) {
        expect(matches.has(m.matchId), `match ${m.matchId} emitted by two workers`).toBe(false);
        matches.set(m.matchId, m);
        emittedAt.set(m.matchId, Math.min(i, events.length - 1));
      }
      out.retractions.forEach(retractions.add);
      for (const d of out.derived) {
        const ref = `${d.source}/${d.id}`;
        if (!seen.has(ref)) {
          seen.add(ref);
          log.splice(i + 1, 0, d);
        }
      }
    }
  }
  const last = events[events.length - 1]?.received ?? BASE;
  for (const engine of engines) {
    engine.flush(last);
    const out = engine.drain();
    for (const m of out.matches) {
      matches.set(m.matchId, m);
      emittedAt.set(m.matchId, events.length);
    }
    out.retractions.forEach(retractions.add);
  }
  return {
    matches: [...matches.values()],
    emittedAt,
    stats: new Map(),
    retractions: retractions.list(),
  };
}

export function describeMatch(m: Match, emittedAt?: number): Record<string, unknown> {
  return {
    rule: m.rule,
    level: m.level,
    group: m.group,
    count: m.count,
    first: m.firstTime - BASE,
    last: m.lastTime - BASE,
    windowStart: m.windowStart - BASE,
    windowEnd: m.windowEnd - BASE,
    late: m.late,
    partial: m.partial,
    approximate: m.approximate,
    suppressedCount: m.suppressedCount,
    refs: m.refs,
    sources: m.sources,
    aggregate: m.aggregate,
    ...(emittedAt === undefined ? {} : { at: emittedAt }),
  };
}

/**
 * Checks the matches against the expectation, in order of emission; `timed` also checks when
 * each was emitted (meaningful on the in-memory path only).
 */
export function expectMatches(
  result: RunResult,
  expected: readonly ExpectedMatch[],
  timed: boolean,
): void {
  const actual = result.matches
    .map((m) => describeMatch(m, result.emittedAt.get(m.matchId)))
    .sort(
      (a, b) => Number(a.last) - Number(b.last) || String(a.rule).localeCompare(String(b.rule)),
    );
  const wanted = [...expected].sort(
    (a, b) => (a.last ?? 0) - (b.last ?? 0) || a.rule.localeCompare(b.rule),
  );
  expect(actual.length, JSON.stringify(actual, null, 1)).toBe(wanted.length);
  wanted.forEach((w, i) => {
    const { at, ...rest } = w;
    expect(actual[i]).toMatchObject(timed && at !== undefined ? { ...rest, at } : rest);
  });
}

/**
 * Checks the withdrawn matches: each names one of the run's matches (by its last event), the
 * event that withdrew it and whether that event was too late to count; none when none expected.
 */
export function expectRetractions(
  result: RunResult,
  expected: readonly ExpectedRetraction[],
): void {
  const byId = new Map(result.matches.map((m) => [m.matchId, m]));
  const actual = result.retractions
    .map((r) => {
      const m = byId.get(r.matchId);
      return {
        rule: r.rule,
        matchLast: m ? m.lastTime - BASE : `no match ${r.matchId}`,
        by: r.ref,
        tooLate: r.tooLate,
      };
    })
    .sort((a, b) => String(a.matchLast).localeCompare(String(b.matchLast)));
  const wanted = [...expected].sort((a, b) =>
    String(a.matchLast).localeCompare(String(b.matchLast)),
  );
  expect(actual.length, JSON.stringify(actual)).toBe(wanted.length);
  wanted.forEach((w, i) => expect(actual[i]).toMatchObject(w));
}
