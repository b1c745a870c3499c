/**
 * The correlator's consumption of the durable log, against real Redis: every event is handed
 * to the engine once per delivery and acknowledged only after it; unacknowledged events come
 * back to the same consumer after a restart; an event that always fails is retried, then set
 * aside so it cannot block the log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../src/correlate/engine.js';
import type { Match } from '../../../src/correlate/match.js';
import { buildRuleSet } from '../../../src/correlate/rule/index.js';
import { CorrelationStore } from '../../../src/store/correlation-store.js';
import { Correlator, CORRELATOR_GROUP } from '../../../src/correlate/correlator.js';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { systemClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { EventLog, type LoggedEvent } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import { createRedis } from '../../../src/store/redis.js';
import { eventually } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';

const store = createTestRedis('correlator');
afterAll(() => store.cleanup());

function event(id: string): CanonicalEvent {
  return {
    id,
    time: 1_800_000_000_000,
    received: 1_800_000_000_001,
    source: 'events',
    kind: 'inference',
    name: 'x',
    severity: 'info',
    outcome: 'unknown',
    entity: {},
    measures: {},
    labels: {},
  };
}

function fakeEngine(fail: (e: CanonicalEvent) => boolean): {
  engine: CorrelationEngine;
  seen: string[];
} {
  const seen: string[] = [];
  const engine = {
    async process(e: CanonicalEvent) {
      seen.push(e.id);
      if (fail(e)) throw new Error(`cannot correlate ${e.id}`);
    },
    async drainPending() {
      return 0;
    },
  };
  return { engine: engine as unknown as CorrelationEngine, seen };
}

function correlator(
  log: EventLog,
  engine: CorrelationEngine,
  poisoned: LoggedEvent[],
  consumer = 'c1',
): Correlator {
  return new Correlator(
    log,
    createRedis(TEST_REDIS_URL),
    engine,
    {
      consumer,
      batchSize: 10,
      claimIdleMs: 60_000,
      retentionMs: 86_400_000,
      blockMs: 100,
      maxAttempts: 3,
    },
    systemClock,
    createLogger('silent'),
    new Metrics(),
    () => undefined,
    async (entry) => {
      poisoned.push(entry);
    },
  );
}

describe('Correlator', () => {
  it('processes every event once, then sets a poison event aside after its attempts', async () => {
    const log = new EventLog(store.redis, new Keys(`${store.prefix}-a`));
    await log.append([event('e1'), event('bad'), event('e3')], Date.now(), 86_400_000);
    const { engine, seen } = fakeEngine((e) => e.id === 'bad');
    const poisoned: LoggedEvent[] = [];
    const c = correlator(log, engine, poisoned);
    await c.start();
    await eventually(
      async () => (poisoned.length === 1 && seen.includes('e3') ? true : undefined),
      'the poison event to be set aside',
      20_000,
    );
    await c.stop();
    expect(poisoned[0]?.event.id).toBe('bad');
    expect(seen.filter((id) => id === 'bad')).toHaveLength(3);
    expect(seen.filter((id) => id === 'e1')).toHaveLength(1);
    expect(seen.filter((id) => id === 'e3')).toHaveLength(1);
    const pending = (await store.redis.xpending(
      new Keys(`${store.prefix}-a`).eventLog,
      CORRELATOR_GROUP,
    )) as [number];
    expect(pending[0]).toBe(0);
  });

  it('gives a restarted consumer its unacknowledged events first', async () => {
    const keys = new Keys(`${store.prefix}-b`);
    const log = new EventLog(store.redis, keys);
    await log.ensureGroup(CORRELATOR_GROUP);
    await log.append([event('p1'), event('p2')], Date.now(), 86_400_000);
    // A consumer that died after reading: both entries are pending for "c1".
    const blocking = createRedis(TEST_REDIS_URL);
    expect(await log.read(blocking, CORRELATOR_GROUP, 'c1', 10, 0, false)).toHaveLength(2);
    blocking.disconnect();

    const { engine, seen } = fakeEngine(() => false);
    const c = correlator(log, engine, []);
    await c.start();
    await eventually(async () => (seen.length === 2 ? true : undefined), 'the pending events');
    await c.stop();
    expect(seen).toEqual(['p1', 'p2']);
    const pending = (await store.redis.xpending(keys.eventLog, CORRELATOR_GROUP)) as [number];
    expect(pending[0]).toBe(0);
  });
});

describe('Correlator with the real engine', () => {
  it('still delivers a match whose first delivery failed, though its event is now a duplicate', async () => {
    const keys = new Keys(`${store.prefix}-c`);
    const log = new EventLog(store.redis, keys);
    const { ruleSet } = buildRuleSet([
      {
        file: 'r.yaml',
        text: 'title: d\nname: d\nlogsource: { category: inference }\ndetection:\n  s:\n    api_key|exists: true\n  condition: s\n---\ntitle: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [d]\n  group-by: [api_key]\n  timespan: 1m\n  condition: { gte: 2 }\n',
      },
    ]);
    const delivered: Match[] = [];
    let failNext = true;
    const engine = new CorrelationEngine(
      ruleSet!,
      new CorrelationStore(store.redis, keys, {
        maxGroupsPerRule: 10,
        maxEventsPerGroup: 100,
        maxRefsPerMatch: 10,
      }),
      async (match) => {
        if (failNext) {
          failNext = false;
          throw new Error('incident store briefly unavailable');
        }
        delivered.push(match);
      },
      systemClock,
      new Metrics(),
    );
    const a = { ...event('a'), entity: { api_key: 'k' } };
    const b = { ...event('b'), entity: { api_key: 'k' }, time: a.time + 1 };
    await log.append([a, b], Date.now(), 86_400_000);
    const c = correlator(log, engine, []);
    await c.start();
    await eventually(
      async () => (delivered.length === 1 ? true : undefined),
      'the match to be delivered',
    );
    await c.stop();
    expect(delivered[0]).toMatchObject({ rule: 'c', count: 2, group: { api_key: 'k' } });
    expect(await store.redis.hlen(keys.rulePending('c'))).toBe(0);
  });
});

describe('Correlator resilience', () => {
  it('recreates its consumer group when the log vanished (a Redis restarted without persistence)', async () => {
    const keys = new Keys(`${store.prefix}-d`);
    const log = new EventLog(store.redis, keys);
    const { engine, seen } = fakeEngine(() => false);
    const c = correlator(log, engine, []);
    await c.start();
    await store.redis.del(keys.eventLog);
    await log.append([event('after-wipe')], Date.now(), 86_400_000);
    await eventually(
      async () => (seen.includes('after-wipe') ? true : undefined),
      'the event after the wipe',
      20_000,
    );
    await c.stop();
  });
});
