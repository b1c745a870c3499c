/**
 * The live correlator against real Redis: it reads the durable log from checkpointed offsets,
 * hands each match to the sink, resumes after a stop or a failure without losing or inventing
 * a match (the sink sees repeats only of ids it already has), shares partitions between
 * correlators, takes over a dead one's, and runs chained rules through the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Correlator,
  type CorrelatorOptions,
  type PoisonHandler,
} from '../../../src/correlate/correlator.js';
import { CorrelationEngine } from '../../../src/correlate/engine/engine.js';
import type { LoggedEvent } from '../../../src/store/event-log.js';
import type { Match } from '../../../src/correlate/match.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import type { CompiledRuleSet } from '../../../src/correlate/rule/types.js';
import { ManualClock, systemClock, type Clock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import type { CorrelationStateStore } from '../../../src/correlate/state-store.js';
import { RedisStateStore } from '../../../src/store/correlation-state-store.js';
import { EventLog } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import { createRedis } from '../../../src/store/redis.js';
import { eventually } from '../../helpers/cordon.js';
import { compileRules, TEST_LIMITS, TEST_TIMING } from '../../helpers/correlation-harness.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';

const env = createTestRedis('correlator');
afterAll(() => env.cleanup());
let n = 0;
const freshKeys = (): Keys => new Keys(`${env.prefix}-${(n += 1)}`);

const RULES = `
title: Request
name: req
logsource: { category: inference }
detection: { sel: { api_key|exists: true }, condition: sel }
---
title: Burst
name: burst
correlation: { type: event_count, rules: [req], group-by: [api_key], timespan: 60s, condition: { gte: 3 } }
`;

const T0 = Date.now() - 60_000;

function event(id: string, key: string, offset: number): CanonicalEvent {
  return {
    id,
    time: T0 + offset,
    received: T0 + offset,
    source: 'gw',
    kind: 'inference',
    name: 'request',
    severity: 'info',
    outcome: 'success',
    entity: { api_key: key },
    measures: {},
    labels: {},
  };
}

/** Three events per key, each key's third one completing a burst. */
function bursts(keys: readonly string[], prefix = 'e'): CanonicalEvent[] {
  return keys.flatMap((k, i) => [0, 1, 2].map((j) => event(`${prefix}-${k}-${j}`, k, i * 10 + j)));
}

interface Harness {
  readonly correlator: Correlator;
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * The Redis state store, except that once `die()` is called nothing more reaches Redis: what a
 * SIGKILL does to a correlator (no last checkpoint, no release, no goodbye).
 */
function mortalStore(store: CorrelationStateStore): CorrelationStateStore & { die(): void } {
  let dead = false;
  const guard = <T>(fallback: T, f: () => Promise<T>): Promise<T> =>
    dead ? Promise.resolve(fallback) : f();
  return {
    die: () => {
      dead = true;
    },
    heartbeat: (m, now, l) => guard([], () => store.heartbeat(m, now, l)),
    leave: (m) => guard(undefined, () => store.leave(m)),
    partitionCount: (p) => store.partitionCount(p),
    acquire: (p, m, now, l) => guard(undefined, () => store.acquire(p, m, now, l)),
    renew: (lease, m, now, l) => guard(false, () => store.renew(lease, m, now, l)),
    release: (lease, m) => guard(undefined, () => store.release(lease, m)),
    groups: (p) => store.groups(p),
    rules: (p) => store.rules(p),
    outbox: (p) => store.outbox(p),
    commit: (lease, m, c, now, l) => guard(false, () => store.commit(lease, m, c, now, l)),
    clearOutbox: (p, ids) => guard(undefined, () => store.clearOutbox(p, ids)),
    offsets: (p) => store.offsets(p),
  };
}

/** The rule text behind each compiled set, for a reader thread (which compiles it again). */
const ruleText = new WeakMap<CompiledRuleSet, string>();
function rulesFrom(yaml: string): CompiledRuleSet {
  const rules = compileRules(yaml);
  ruleText.set(rules, yaml);
  return rules;
}

/** Whether correlators in the running suite read the log on a thread of their own. */
let readerThread = false;
/** CORDON_EVENT_LOG_PARTITIONS of the running suite (every test's log and correlators). */
let logPartitions = 1;

function startCorrelator(
  keys: Keys,
  rules: CompiledRuleSet,
  sink: (m: Match) => Promise<void>,
  options: Partial<CorrelatorOptions> = {},
  clock: Clock = systemClock,
  wrap: (s: CorrelationStateStore) => CorrelationStateStore = (s) => s,
  onPoison: PoisonHandler = async () => undefined,
): Harness {
  const redis = createRedis(TEST_REDIS_URL);
  const blocking = createRedis(TEST_REDIS_URL);
  blocking.on('error', () => undefined);
  const metrics = new Metrics();
  const correlator = new Correlator(
    rules,
    { limits: { ...TEST_LIMITS, partitions: 4 }, timing: TEST_TIMING },
    new EventLog(redis, keys, undefined, logPartitions),
    blocking,
    wrap(new RedisStateStore(redis, keys)),
    sink,
    {
      member: 'c1',
      partitions: 4,
      batchSize: 100,
      blockMs: 50,
      checkpointMs: 50,
      leaseMs: 3_000,
      dedupeWindowMs: 86_400_000,
      ...(readerThread
        ? {
            readerThread: {
              redisUrl: TEST_REDIS_URL,
              keyPrefix: keys.prefix,
              eventLogPartitions: logPartitions,
              connectionName: 'cordon-test-reader',
              commandTimeoutMs: 2_000,
              sources: [{ file: 'rules.yaml', text: ruleText.get(rules) ?? '' }],
            },
          }
        : {}),
      ...options,
    },
    clock,
    createLogger('silent'),
    metrics,
    () => undefined,
    onPoison,
  );
  return {
    correlator,
    metrics,
    async stop() {
      await correlator.stop();
      redis.disconnect();
    },
  };
}

/** A sink that records ids as the incident store would: once each, counting repeats. */
function recordingSink(fail?: (m: Match, attempt: number) => boolean): {
  sink: (m: Match) => Promise<void>;
  ids: Map<string, Match>;
  deliveries: string[];
} {
  const ids = new Map<string, Match>();
  const deliveries: string[] = [];
  const attempts = new Map<string, number>();
  return {
    ids,
    deliveries,
    async sink(m) {
      const attempt = (attempts.get(m.matchId) ?? 0) + 1;
      attempts.set(m.matchId, attempt);
      if (fail?.(m, attempt)) throw new Error(`sink refused ${m.matchId}`);
      deliveries.push(m.matchId);
      ids.set(m.matchId, m);
    },
  };
}

describe.each([
  ['reading the log on its own thread', false, 1],
  ['reading the log on a reader thread', true, 1],
  // The same cases over an event log split into 4 partitions: same matches, same guarantees.
  ['reading a 4-partition log on its own thread', false, 4],
  ['reading a 4-partition log on a reader thread', true, 4],
])('Correlator %s', (_mode, threaded, partitions) => {
  beforeAll(() => {
    readerThread = threaded;
    logPartitions = partitions;
  });

  it('correlates the log, checkpoints, and resumes after a restart without new or lost matches', async () => {
    const keys = freshKeys();
    const rules = rulesFrom(RULES);
    const log = new EventLog(env.redis, keys, undefined, logPartitions);
    await log.append(bursts(['k1', 'k2']), Date.now(), 86_400_000);
    const { sink, ids } = recordingSink();
    const first = startCorrelator(keys, rules, sink);
    await first.correlator.start();
    await eventually(async () => (ids.size === 2 ? true : undefined), 'two bursts', 10_000);
    expect([...ids.values()].map((m) => m.group.api_key).sort()).toEqual(['k1', 'k2']);
    expect(first.correlator.owned()).toEqual([0, 1, 2, 3]);
    // The log was read where this suite says: over the reader thread's own connection, or not.
    const clients = String(await env.redis.call('CLIENT', 'LIST'));
    expect(clients.includes('name=cordon-test-reader')).toBe(threaded);
    await first.stop();

    // More events: only the new burst is new; the state of k1/k2 came back from the checkpoint.
    await log.append([...bursts(['k3'], 'f'), event('f-k1-3', 'k1', 40)], Date.now(), 86_400_000);
    const second = startCorrelator(keys, rules, sink);
    await second.correlator.start();
    await eventually(async () => (ids.size === 3 ? true : undefined), 'k3 burst', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await second.stop();
    expect([...ids.values()].map((m) => m.group.api_key).sort()).toEqual(['k1', 'k2', 'k3']);
  });

  it('sets aside an event the engine fails on, with the entry read back from the log, and goes on', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, logPartitions);
    const appended = await log.append(bursts(['k1', 'k2']), Date.now(), 86_400_000);
    const { sink, ids } = recordingSink();
    const poisoned: [LoggedEvent, string][] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, below
    const apply = CorrelationEngine.prototype.apply;
    const failing = function (this: CorrelationEngine, ...args: Parameters<typeof apply>): void {
      if (args[2] === 'gw/e-k1-1') throw new Error('engine bug');
      apply.apply(this, args);
    };
    CorrelationEngine.prototype.apply = failing;
    try {
      const h = startCorrelator(
        keys,
        rulesFrom(RULES),
        sink,
        {},
        systemClock,
        undefined,
        async (entry, err) => {
          poisoned.push([entry, (err as Error).message]);
        },
      );
      await h.correlator.start();
      await eventually(
        async () => (ids.size === 1 && poisoned.length === 1 ? true : undefined),
        'k2 burst and the poison',
        10_000,
      );
      await h.stop();
    } finally {
      CorrelationEngine.prototype.apply = apply;
    }
    // k1 lost one of its three events to the failure, so only k2 bursts.
    expect([...ids.values()].map((m) => m.group.api_key)).toEqual(['k2']);
    const [entry, message] = poisoned[0] ?? [];
    expect(message).toBe('engine bug');
    expect(entry?.event.id).toBe('e-k1-1');
    expect(entry?.seq).toBe(appended[1]?.seq);
  });

  it('retries from the last checkpoint when the sink fails, delivering each match once in the end', async () => {
    const keys = freshKeys();
    const rules = rulesFrom(RULES);
    await new EventLog(env.redis, keys, undefined, logPartitions).append(
      bursts(['k1', 'k2', 'k3']),
      Date.now(),
      86_400_000,
    );
    // The first two attempts at every match fail, as if the incident store were down.
    const { sink, ids, deliveries } = recordingSink((_, attempt) => attempt <= 2);
    const h = startCorrelator(keys, rules, sink);
    await h.correlator.start();
    await eventually(
      async () => (ids.size === 3 ? true : undefined),
      'three matches after retries',
      20_000,
    );
    await h.stop();
    expect(new Set(deliveries).size).toBe(3);
    expect(h.metrics.get('cordon_correlator_restores_total')).toBeGreaterThan(0);
  });

  it('shares partitions between two correlators, each match delivered by one of them', async () => {
    const keys = freshKeys();
    const rules = rulesFrom(RULES);
    const log = new EventLog(env.redis, keys, undefined, logPartitions);
    const { sink, ids, deliveries } = recordingSink();
    const a = startCorrelator(keys, rules, sink, { member: 'a' });
    const b = startCorrelator(keys, rules, sink, { member: 'b' });
    await a.correlator.start();
    await b.correlator.start();
    await eventually(
      async () =>
        a.correlator.owned().length === 2 && b.correlator.owned().length === 2 ? true : undefined,
      'partitions split two and two',
      15_000,
    );
    const groups = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    await log.append(bursts(groups), Date.now(), 86_400_000);
    await eventually(async () => (ids.size === 12 ? true : undefined), 'twelve bursts', 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(deliveries).toHaveLength(12);
    expect([...a.correlator.owned(), ...b.correlator.owned()].sort()).toEqual([0, 1, 2, 3]);
    await a.stop();
    await b.stop();
  });

  it("takes over a dead correlator's partitions after its lease", async () => {
    const keys = freshKeys();
    const rules = rulesFrom(RULES);
    const log = new EventLog(env.redis, keys, undefined, logPartitions);
    const { sink, ids } = recordingSink();
    const store = mortalStore(new RedisStateStore(env.redis, keys));
    const a = startCorrelator(
      keys,
      rules,
      sink,
      { member: 'a', leaseMs: 1_500 },
      systemClock,
      () => store,
    );
    await a.correlator.start();
    await log.append(bursts(['k1']).slice(0, 2), Date.now(), 86_400_000);
    await new Promise((r) => setTimeout(r, 300)); // a checkpoints the first two events
    // a dies without giving anything back: its leases stay until they expire.
    store.die();
    await a.stop();
    const b = startCorrelator(keys, rules, sink, { member: 'b', leaseMs: 1_500 });
    await b.correlator.start();
    await eventually(
      async () => (b.correlator.owned().length === 4 ? true : undefined),
      'b holds every partition',
      15_000,
    );
    await log.append([bursts(['k1'])[2] as CanonicalEvent], Date.now(), 86_400_000);
    await eventually(
      async () => (ids.size === 1 ? true : undefined),
      'the burst completed across the takeover',
      10_000,
    );
    await b.stop();
  });

  it('runs chained rules through the log: the inner match is an event the outer rule reads', async () => {
    const keys = freshKeys();
    const rules = rulesFrom(`${RULES}---
title: Two bursts from one key
name: repeated_burst
correlation: { type: event_count, rules: [burst], group-by: [api_key], timespan: 10m, condition: { gte: 2 } }
`);
    const log = new EventLog(env.redis, keys, undefined, logPartitions);
    const { sink, ids } = recordingSink();
    const h = startCorrelator(keys, rules, sink);
    await h.correlator.start();
    await log.append(
      [0, 1, 2, 3, 4, 5].map((j) => event(`c-${j}`, 'k1', j)),
      Date.now(),
      86_400_000,
    );
    await eventually(async () => (ids.size === 1 ? true : undefined), 'the outer match', 10_000);
    const [outer] = [...ids.values()];
    expect(outer).toMatchObject({ rule: 'repeated_burst', group: { api_key: 'k1' }, count: 2 });
    // The inner matches are in the log, under the reserved source.
    expect(outer?.refs.every((r) => r.startsWith('cordon/'))).toBe(true);
    expect(
      (await log.get('cordon', outer?.refs[0]?.slice('cordon/'.length) ?? ''))?.event.name,
    ).toBe('burst');
    expect(h.metrics.get('cordon_correlator_derived_events_total')).toBe(2);
    await h.stop();
  });

  it('exports per-rule counters at zero from the start, and lag gauges', async () => {
    const keys = freshKeys();
    const clock = new ManualClock(Date.now());
    const h = startCorrelator(keys, rulesFrom(RULES), recordingSink().sink, {}, clock);
    await h.correlator.start();
    const text = await h.metrics.render();
    expect(text).toContain('cordon_rule_matches_total{rule="burst"} 0');
    expect(text).toContain('cordon_rule_late_dropped_total{rule="burst"} 0');
    expect(text).toContain('cordon_rule_eval_seconds_total{rule="burst"} 0');
    expect(text).toContain('cordon_correlator_lag_entries 0');
    expect(text).toContain('cordon_correlator_oldest_pending_age_seconds 0');
    await h.stop();
  });

  it('refuses to start when the configured partition count differs from the state in Redis', async () => {
    const keys = freshKeys();
    const rules = rulesFrom(RULES);
    const a = startCorrelator(keys, rules, recordingSink().sink);
    await a.correlator.start();
    await a.stop();
    const b = startCorrelator(keys, rules, recordingSink().sink, { partitions: 8 });
    await expect(b.correlator.start()).rejects.toThrow(/split into 4 partitions/);
    await b.stop();
  });
});

describe('Correlator over a partitioned event log', () => {
  afterAll(() => {
    logPartitions = 1;
  });

  /** Every match of `events` (appended in batches of 25) with the log split `partitions` ways. */
  async function matchesWith(partitions: number, events: CanonicalEvent[]): Promise<string[]> {
    logPartitions = partitions;
    readerThread = false;
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, partitions);
    for (let i = 0; i < events.length; i += 25)
      await log.append(events.slice(i, i + 25), Date.now(), 86_400_000);
    // Every partition holds some of them.
    for (let p = 0; p < partitions; p += 1)
      expect(await env.redis.xlen(keys.eventPartition(p).log)).toBeGreaterThan(0);
    const { sink, ids } = recordingSink();
    const h = startCorrelator(keys, rulesFrom(RULES), sink);
    await h.correlator.start();
    let seen = -1;
    await eventually(
      async () => {
        const done = ids.size === seen && h.correlator.entriesRead >= events.length;
        seen = ids.size;
        return done ? true : undefined;
      },
      'the correlator to drain the log',
      15_000,
    );
    await h.stop();
    return [...ids.values()].map((m) => `${m.matchId} ${JSON.stringify(m.group)}`).sort();
  }

  it('finds the same matches on the same input with 1 and with 4 partitions', async () => {
    // 30 keys, spread over the partitions by key; each key's events a little out of order.
    const events: CanonicalEvent[] = [];
    for (let round = 0; round < 6; round += 1)
      for (let k = 0; k < 30; k += 1)
        if ((k + round) % 3 !== 0)
          events.push(event(`r${round}-k${k}`, `k${k}`, round * 1_000 + ((k * 37) % 500)));
    const one = await matchesWith(1, events);
    const four = await matchesWith(4, events);
    expect(one.length).toBeGreaterThan(10);
    expect(four).toEqual(one);
  });
});
