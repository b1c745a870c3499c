import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { RedisStateStore } from '../../../src/store/correlation-state-store.js';
import { CorrelatorProgress } from '../../../src/store/correlator-progress.js';
import { EventLog } from '../../../src/store/event-log.js';
import type { Keys } from '../../../src/store/keys.js';
import { RetentionSweeper } from '../../../src/store/retention/retention-sweeper.js';
import { makeEvent, useStoreRedis } from '../store/store-helpers.js';

/** The sweeper: checkpoints bound the log, one sweeper at a time, quiet memories forgotten. */
const env = useStoreRedis('ret-sweeper');
const DAY = 86_400_000;

function sweeper(keys: Keys, member: string, clock: ManualClock, metrics = new Metrics()) {
  return new RetentionSweeper(
    env.t.redis,
    keys,
    new EventLog(env.t.redis, keys),
    new RedisStateStore(env.t.redis, keys),
    [],
    {
      member,
      intervalMs: 1_000,
      batch: 100,
      eventRetentionMs: DAY,
      eventsMax: 1_000_000,
      dedupeWindowMs: DAY,
      partitions: 2,
      memberLeaseMs: 10_000,
    },
    clock,
    createLogger('silent'),
    metrics,
  );
}

describe('RetentionSweeper', () => {
  it('keeps the log from the oldest partition checkpoint, and trims old entries up to it', async () => {
    const keys = env.fresh('log');
    const log = new EventLog(env.t.redis, keys);
    // Stream ids carry Redis's clock; sweep "two days later" by the injected one.
    const out = await log.append(
      Array.from({ length: 50 }, (_, i) => makeEvent({ id: `e${i}` })),
      Date.now(),
      DAY,
    );
    const clock = new ManualClock(Date.now() + 2 * DAY);
    const metrics = new Metrics();
    const s = sweeper(keys, 'a', clock, metrics);

    // No correlator has checkpointed: no entry goes, however old; the dedupe memory of them,
    // past its window, does.
    expect((await s.pass()).removed).toMatchObject({ event: 0, event_id: 50 });
    // Partition 0 is past entry 29, partition 1 past entry 9: the log keeps from entry 10.
    await env.t.redis.hset(keys.partitionMeta(0), 'offset', out[29]!.seq);
    await env.t.redis.hset(keys.partitionMeta(1), 'offset', out[9]!.seq);
    const report = await s.pass();
    expect(report).toMatchObject({ swept: true, behind: false, eventLogLength: 40 });
    expect(report.removed).toMatchObject({ event: 10, event_id: 0 });
    expect(metrics.get('cordon_retention_removed_total', { record: 'event' })).toBe(10);
    expect(metrics.get('cordon_retention_event_log_entries')).toBe(40);
  });

  it('lets one process sweep at a time and hands the duty on when it stops', async () => {
    const keys = env.fresh('lock');
    const clock = new ManualClock(Date.now());
    const a = sweeper(keys, 'a', clock);
    const b = sweeper(keys, 'b', clock);
    expect((await a.pass()).swept).toBe(true);
    expect((await b.pass()).swept).toBe(false);
    expect((await a.pass()).swept).toBe(true);
    await a.stop();
    expect((await b.pass()).swept).toBe(true);
    await b.stop();
    expect(await env.t.redis.exists(keys.retentionLock)).toBe(0);
  });

  it('forgets correlator members that stopped heartbeating', async () => {
    const keys = env.fresh('members');
    const clock = new ManualClock(Date.now());
    const state = new RedisStateStore(env.t.redis, keys);
    await state.heartbeat('gone', clock.now() - 60_000, 10_000);
    await state.heartbeat('alive', clock.now(), 10_000);
    await sweeper(keys, 'a', clock).pass();
    expect(await env.t.redis.zrange(keys.correlatorMembers, 0, -1)).toEqual(['alive']);
  });

  it('forgets the published progress of correlators silent for a day, but keeps the furthest', async () => {
    const keys = env.fresh('progress');
    const clock = new ManualClock(Date.now());
    const progress = new CorrelatorProgress(env.t.redis, keys);
    await progress.report('old-furthest', 900, clock.now() - 2 * DAY);
    await progress.report('old', 500, clock.now() - 2 * DAY);
    await progress.report('recent', 100, clock.now() - 60_000);
    const report = await sweeper(keys, 'a', clock).pass();
    expect(report.removed.correlator_progress).toBe(1);
    expect(Object.keys(await env.t.redis.hgetall(keys.correlatorProgress)).sort()).toEqual([
      'old-furthest',
      'recent',
    ]);
  });
});
