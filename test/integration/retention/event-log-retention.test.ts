import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { EventLog } from '../../../src/store/event-log.js';
import { BASE, makeEvent, useStoreRedis } from '../store/store-helpers.js';

/** Event-log retention (trim by age and count, dedupe memory) against a real Redis. */
const env = useStoreRedis('ret-evlog');
const WINDOW = 86_400_000;
const DAY = 86_400_000;

/** Appends `n` events in batches of 1,000; returns their stream ids in order. */
async function fill(log: EventLog, n: number, tag: string, now = BASE): Promise<string[]> {
  const seqs: string[] = [];
  for (let i = 0; i < n; i += 1_000) {
    const batch: CanonicalEvent[] = [];
    for (let j = i; j < Math.min(n, i + 1_000); j += 1) batch.push(makeEvent({ id: `${tag}${j}` }));
    seqs.push(...(await log.append(batch, now, WINDOW)).map((o) => o.seq));
  }
  return seqs;
}

const msOf = (seq: string): number => Number(seq.split('-')[0]);

describe('EventLog.trim keeps up', () => {
  it('removes 30,000 correlated old entries in one call (one approximate XTRIM stops at 10,000)', async () => {
    const keys = env.fresh('many');
    const log = new EventLog(env.t.redis, keys);
    const seqs = await fill(log, 30_000, 'm');
    const last = seqs[seqs.length - 1]!;
    const removed = await log.trim(msOf(last) + 1 + DAY, DAY, last);
    expect(removed).toBe(30_000);
    expect(await log.length()).toBe(0);
  });

  it('never removes an entry a correlator has not checkpointed past, however old', async () => {
    const keys = env.fresh('held');
    const log = new EventLog(env.t.redis, keys);
    const seqs = await fill(log, 25_000, 'h');
    const removed = await log.trim(msOf(seqs[24_999]!) + 1 + DAY, DAY, seqs[19_999]!);
    expect(removed).toBe(20_000);
    expect((await env.t.redis.xrange(keys.eventLog, '-', '+', 'COUNT', 1))[0]?.[0]).toBe(
      seqs[20_000],
    );
  });

  it('keeps at most maxEntries, the newest, even within the age retention', async () => {
    const keys = env.fresh('count');
    const log = new EventLog(env.t.redis, keys);
    const seqs = await fill(log, 30_000, 'c');
    const now = msOf(seqs[0]!);
    const removed = await log.trim(now, DAY, seqs[29_999]!, 5_000);
    expect(removed).toBe(25_000);
    expect(await log.length()).toBe(5_000);
    expect((await env.t.redis.xrange(keys.eventLog, '-', '+', 'COUNT', 1))[0]?.[0]).toBe(
      seqs[25_000],
    );
  });

  it('lets the count give way to the checkpoint: uncorrelated entries stay past maxEntries', async () => {
    const keys = env.fresh('count-held');
    const log = new EventLog(env.t.redis, keys);
    const seqs = await fill(log, 12_000, 'ch');
    await log.trim(msOf(seqs[0]!), DAY, seqs[2_999]!, 1_000);
    expect(await log.length()).toBe(9_000);
    expect((await env.t.redis.xrange(keys.eventLog, '-', '+', 'COUNT', 1))[0]?.[0]).toBe(
      seqs[3_000],
    );
  });
});

describe('EventLog.forget', () => {
  it('forgets ids older than the dedupe window in bounded steps, and only those', async () => {
    const keys = env.fresh('forget');
    const log = new EventLog(env.t.redis, keys);
    await fill(log, 2_500, 'old', BASE);
    await fill(log, 10, 'new', BASE + 10_000);
    expect(await log.forget(BASE + 1, 1_000, BASE + 1 + WINDOW)).toBe(1_000);
    expect(await log.forget(BASE + 1, 1_000, BASE + 1 + WINDOW)).toBe(1_000);
    expect(await log.forget(BASE + 1, 1_000, BASE + 1 + WINDOW)).toBe(500);
    expect(await log.forget(BASE + 1, 1_000, BASE + 1 + WINDOW)).toBe(0);
    expect(await env.t.redis.llen(keys.eventSeenOrder)).toBe(10);
    expect(await env.t.redis.hlen(keys.eventWhere)).toBe(10);
    // A forgotten id is accepted again; a remembered one is still a duplicate.
    const [again, dup] = await log.append(
      [makeEvent({ id: 'old0' }), makeEvent({ id: 'new0' })],
      BASE + 10_001,
      WINDOW,
    );
    expect(again?.duplicate).toBe(false);
    expect(dup?.duplicate).toBe(true);
  });
});

describe('the dedupe memory of earlier versions (a time-scored ZSET)', () => {
  it('still refuses the ids it remembers, and is forgotten like the current one', async () => {
    const keys = env.fresh('legacy-seen');
    const log = new EventLog(env.t.redis, keys);
    const [first] = await log.append([makeEvent({ id: 'kept' })], BASE, WINDOW);
    // What an earlier version left: the id in the ZSET, its entry in the shared HASH.
    await env.t.redis.rpop(keys.eventSeenOrder);
    await env.t.redis.zadd(keys.eventSeenLegacy, BASE, 'gateway/kept');
    await env.t.redis.zadd(keys.eventSeenLegacy, BASE + 5, 'gateway/later');
    await env.t.redis.hset(keys.eventWhere, 'gateway/later', '1-1');
    const [dup] = await log.append([makeEvent({ id: 'kept' })], BASE + 1, WINDOW);
    expect(dup).toMatchObject({ duplicate: true, seq: first?.seq });
    expect(await log.forget(BASE + 3, 1_000, BASE + 3 + WINDOW)).toBe(1);
    expect(await env.t.redis.zrange(keys.eventSeenLegacy, 0, -1)).toEqual(['gateway/later']);
    expect(await env.t.redis.hexists(keys.eventWhere, 'gateway/kept')).toBe(0);
    expect(await env.t.redis.hexists(keys.eventWhere, 'gateway/later')).toBe(1);
    // An append past the window drains the rest on its way.
    await log.append([makeEvent({ id: 'next' })], BASE + 6 + WINDOW, WINDOW);
    expect(await env.t.redis.exists(keys.eventSeenLegacy)).toBe(0);
    expect(await env.t.redis.hexists(keys.eventWhere, 'gateway/later')).toBe(0);
  });
});

describe('the dedupe memory under clocks that disagree', () => {
  it('forgets an id stamped more than a window ahead, so it cannot hold back the rest', async () => {
    const keys = env.fresh('future-stamp');
    const log = new EventLog(env.t.redis, keys);
    const HOUR = 3_600_000;
    // A process with a clock a year ahead, then the others, an hour apart, for three days.
    await log.append([makeEvent({ id: 'from-the-future' })], BASE + 365 * DAY, DAY);
    for (let h = 0; h < 72; h += 1)
      await log.append([makeEvent({ id: `h${h}` })], BASE + h * HOUR, DAY);
    // Only the last day's ids (h47 … h71) are remembered: the future one went, and did not
    // hold back the rest.
    expect(await env.t.redis.llen(keys.eventSeenOrder)).toBe(25);
    expect(await env.t.redis.hlen(keys.eventWhere)).toBe(25);
    const [again] = await log.append([makeEvent({ id: 'h10' })], BASE + 72 * HOUR, DAY);
    expect(again?.duplicate).toBe(false);
    const [dup] = await log.append([makeEvent({ id: 'h70' })], BASE + 72 * HOUR, DAY);
    expect(dup?.duplicate).toBe(true);
  });

  it('forgets ids a few ms out of order late, never early', async () => {
    const keys = env.fresh('skew');
    const log = new EventLog(env.t.redis, keys);
    await log.append([makeEvent({ id: 'late-clock' })], BASE + 5, 100);
    await log.append([makeEvent({ id: 'early-clock' })], BASE, 100);
    // At BASE + 103 'early-clock' is past the window but sits behind 'late-clock', which is not.
    expect(await log.forget(BASE + 3, 1_000, BASE + 103)).toBe(0);
    const [dup] = await log.append([makeEvent({ id: 'late-clock' })], BASE + 104, 100);
    expect(dup?.duplicate).toBe(true);
    expect(await log.forget(BASE + 6, 1_000, BASE + 106)).toBe(2);
  });

  it('forgets up to its budget through pages that grow while all they hold is due', async () => {
    const keys = env.fresh('page');
    const log = new EventLog(env.t.redis, keys);
    await fill(log, 3_000, 'p');
    await log.append([makeEvent({ id: 'next' })], BASE + WINDOW + 1, WINDOW);
    // One event appended: budget 1,000 forgotten (4 + 16 + 64 + 256 + 660), the rest left for later.
    expect(await env.t.redis.llen(keys.eventSeenOrder)).toBe(2_001);
    expect(await env.t.redis.hlen(keys.eventWhere)).toBe(2_001);
    const [again] = await log.append([makeEvent({ id: 'p0' })], BASE + WINDOW + 2, WINDOW);
    expect(again?.duplicate).toBe(false);
  });
});
