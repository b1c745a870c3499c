import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/store/event-log.js';
import type { Keys } from '../../../src/store/keys.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';
import { BASE, makeEvent, useStoreRedis } from './store-helpers.js';

/** EventLog (appendEvents-3.lua + consumer groups + trim) against a real Redis. */
const env = useStoreRedis('store-evlog');
const WINDOW = 86_400_000;

// XREADGROUP BLOCK gets its own connection, as in production.
let blocking: Redis;
beforeAll(() => {
  blocking = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  blocking.disconnect();
});

const msOf = (seq: string): number => Number(seq.split('-')[0]);

async function streamIds(keys: Keys): Promise<string[]> {
  return (await env.t.redis.xrange(keys.eventLog, '-', '+')).map(([id]) => id);
}

describe('EventLog.append', () => {
  it('dedupes per source + id within one batch and across batches; same id from two sources is two events', async () => {
    const keys = env.fresh('dedupe');
    const log = new EventLog(env.t.redis, keys);
    const e1 = makeEvent({ id: 'e1', source: 'gw' });
    const e1again = makeEvent({ id: 'e1', source: 'gw', name: 'different payload' });
    const e1other = makeEvent({ id: 'e1', source: 'splunk' });
    const e2 = makeEvent({ id: 'e2', source: 'gw' });

    const first = await log.append([e1, e1again, e1other], BASE, WINDOW);
    expect(first.map((o) => [o.source, o.id, o.duplicate])).toEqual([
      ['gw', 'e1', false],
      ['gw', 'e1', true],
      ['splunk', 'e1', false],
    ]);
    expect(first[0]!.seq).toMatch(/^\d+-\d+$/);
    // A duplicate reports where the original is.
    expect(first[1]!.seq).toBe(first[0]!.seq);
    expect(first[2]!.seq).not.toBe(first[0]!.seq);

    const second = await log.append([e2, e1, e1other], BASE + 1_000, WINDOW);
    expect(second.map((o) => [o.source, o.id, o.duplicate])).toEqual([
      ['gw', 'e2', false],
      ['gw', 'e1', true],
      ['splunk', 'e1', true],
    ]);
    expect(second[1]!.seq).toBe(first[0]!.seq);
    expect(second[2]!.seq).toBe(first[2]!.seq);

    expect(await log.length()).toBe(3);
    expect(await log.get('gw', 'e1')).toEqual({ seq: first[0]!.seq, event: e1 });
    expect(await log.get('splunk', 'e1')).toEqual({ seq: first[2]!.seq, event: e1other });
    expect(await log.get('gw', 'e2')).toEqual({ seq: second[0]!.seq, event: e2 });
    expect(await log.get('gw', 'nope')).toBeUndefined();
    expect(await log.get('other', 'e2')).toBeUndefined();
    expect(await log.append([], BASE, WINDOW)).toEqual([]);
  });

  it('forgets ids older than the dedupe window (the boundary itself is still a duplicate)', async () => {
    const keys = env.fresh('window');
    const log = new EventLog(env.t.redis, keys);
    const win = 60_000;
    const [original] = await log.append([makeEvent({ id: 'x' })], BASE, win);
    expect(original!.duplicate).toBe(false);

    const [atBoundary] = await log.append([makeEvent({ id: 'x' })], BASE + win, win);
    expect(atBoundary).toEqual({ id: 'x', source: 'gateway', seq: original!.seq, duplicate: true });

    const replay = makeEvent({ id: 'x', name: 'replayed' });
    const [after] = await log.append([replay], BASE + win + 1, win);
    expect(after!.duplicate).toBe(false);
    expect(after!.seq).not.toBe(original!.seq);
    expect(await log.length()).toBe(2);
    expect(await log.get('gateway', 'x')).toEqual({ seq: after!.seq, event: replay });

    // It is remembered again from its new accept time.
    const [again] = await log.append([makeEvent({ id: 'x' })], BASE + win + 2, win);
    expect(again).toEqual({ id: 'x', source: 'gateway', seq: after!.seq, duplicate: true });
  });
});

describe('EventLog consumer groups', () => {
  it('reads new vs pending entries, acks, and lets another consumer claim stale ones', async () => {
    const keys = env.fresh('group');
    const log = new EventLog(env.t.redis, keys);
    const events = ['a', 'b', 'c'].map((id, i) => makeEvent({ id, time: BASE + i }));
    const appended = await log.append(events, BASE, WINDOW);
    const [sa, sb, sc] = appended.map((o) => o.seq) as [string, string, string];

    await log.ensureGroup('g');
    await log.ensureGroup('g'); // BUSYGROUP is not an error

    expect(await log.read(blocking, 'g', 'c1', 10, 1, true)).toEqual([]);
    expect(await log.read(blocking, 'g', 'c1', 2, 1, false)).toEqual([
      { seq: sa, event: events[0] },
      { seq: sb, event: events[1] },
    ]);
    // Pending: what c1 was given and has not acknowledged.
    expect(await log.read(blocking, 'g', 'c1', 10, 1, true)).toEqual([
      { seq: sa, event: events[0] },
      { seq: sb, event: events[1] },
    ]);
    expect(await log.read(blocking, 'g', 'c1', 10, 1, false)).toEqual([
      { seq: sc, event: events[2] },
    ]);
    expect(await log.read(blocking, 'g', 'c1', 10, 1, false)).toEqual([]);

    await log.ack('g', [sa]);
    await log.ack('g', []);
    expect((await log.read(blocking, 'g', 'c1', 10, 1, true)).map((e) => e.seq)).toEqual([sb, sc]);

    const claimed = await log.claimStale('g', 'c2', 0, 10);
    expect(claimed).toEqual([
      { seq: sb, event: events[1] },
      { seq: sc, event: events[2] },
    ]);
    expect(await log.read(blocking, 'g', 'c1', 10, 1, true)).toEqual([]);
    expect((await log.read(blocking, 'g', 'c2', 10, 1, true)).map((e) => e.seq)).toEqual([sb, sc]);

    // Not idle long enough: nothing to claim back.
    expect(await log.claimStale('g', 'c1', 60_000, 10)).toEqual([]);

    await log.ack('g', [sb, sc]);
    expect(await log.read(blocking, 'g', 'c2', 10, 1, true)).toEqual([]);
    expect(await log.claimStale('g', 'c3', 0, 10)).toEqual([]);
    const summary = await env.t.redis.xpending(keys.eventLog, 'g');
    expect(summary[0]).toBe(0);

    // A group created later starts from the beginning of the log.
    await log.ensureGroup('late');
    expect((await log.read(blocking, 'late', 'c1', 10, 1, false)).map((e) => e.seq)).toEqual([
      sa,
      sb,
      sc,
    ]);
  });
});

describe('EventLog.trim', () => {
  const R = 60_000;

  it('keeps entries newer than the retention window even when acknowledged', async () => {
    const keys = env.fresh('trim-retain');
    const log = new EventLog(env.t.redis, keys);
    const out = await log.append(
      ['a', 'b', 'c'].map((id) => makeEvent({ id })),
      BASE,
      WINDOW,
    );
    await log.ensureGroup('g');
    const read = await log.read(blocking, 'g', 'c1', 10, 1, false);
    await log.ack(
      'g',
      read.map((e) => e.seq),
    );

    // now - retention = the first entry's millisecond: every entry is within retention.
    await log.trim(msOf(out[0]!.seq) + R, R);
    expect(await streamIds(keys)).toEqual(out.map((o) => o.seq));

    // Once all are older than retention and acknowledged, they go.
    await log.trim(msOf(out[2]!.seq) + 1 + R, R);
    expect(await log.length()).toBe(0);
    expect(await log.get('gateway', 'a')).toBeUndefined();
  });

  it('never removes entries that a group has not delivered or not acknowledged', async () => {
    const keys = env.fresh('trim-groups');
    const log = new EventLog(env.t.redis, keys);
    const out = await log.append(
      ['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => makeEvent({ id })),
      BASE,
      WINDOW,
    );
    const s = out.map((o) => o.seq);
    // Every entry is older than retention from here on.
    const now = msOf(s[4]!) + 1 + R;

    await log.ensureGroup('g1');
    await log.ensureGroup('g2');
    await log.ack(
      'g1',
      (await log.read(blocking, 'g1', 'c', 10, 1, false)).map((e) => e.seq),
    );

    // g2 has delivered nothing: nothing may go.
    await log.trim(now, R);
    expect(await streamIds(keys)).toEqual(s);

    // g2: e0..e2 delivered, e0 acknowledged, e1 and e2 pending, e3 and e4 undelivered.
    expect((await log.read(blocking, 'g2', 'c', 3, 1, false)).map((e) => e.seq)).toEqual(
      s.slice(0, 3),
    );
    await log.ack('g2', [s[0]!]);
    await log.trim(now, R);
    const afterPending = await streamIds(keys);
    expect(afterPending.slice(-4)).toEqual(s.slice(1));

    // e1, e2 acknowledged; e3, e4 still undelivered.
    await log.ack('g2', [s[1]!, s[2]!]);
    await log.trim(now, R);
    expect((await streamIds(keys)).slice(-2)).toEqual(s.slice(3));

    // Everything delivered and acknowledged by both groups: all of it is old enough to go.
    await log.ack(
      'g2',
      (await log.read(blocking, 'g2', 'c', 10, 1, false)).map((e) => e.seq),
    );
    await log.trim(now, R);
    expect(await log.length()).toBe(0);
  });

  it('removes acknowledged old entries up to the oldest pending one when the log spans many stream nodes', async () => {
    // XTRIM MINID ~ frees whole stream nodes only, so use enough entries to fill several
    // (stream-node-max-entries is 100 by default) and check the bounds both ways.
    const keys = env.fresh('trim-many');
    const log = new EventLog(env.t.redis, keys);
    const out = await log.append(
      Array.from({ length: 400 }, (_, i) => makeEvent({ id: `m${i}` })),
      BASE,
      WINDOW,
    );
    const s = out.map((o) => o.seq);
    await log.ensureGroup('g');
    const read = await log.read(blocking, 'g', 'c', 300, 1, false);
    expect(read).toHaveLength(300);
    await log.ack('g', s.slice(0, 250));

    await log.trim(msOf(s[399]!) + 1 + R, R);
    const kept = await streamIds(keys);
    // Nothing from the oldest pending entry (index 250) on is touched...
    expect(kept.slice(-150)).toEqual(s.slice(250));
    // ...and at least everything before the node holding it (at most 100 entries) is gone.
    expect(kept.length).toBeLessThanOrEqual(150 + 99);
    expect(kept[0]).not.toBe(s[0]);
    expect(await log.get('gateway', 'm0')).toBeUndefined();
    expect((await log.get('gateway', 'm250'))?.seq).toBe(s[250]);
  });

  it('with no consumer group trims by retention alone, and tolerates a missing log', async () => {
    const keys = env.fresh('trim-nogroup');
    const log = new EventLog(env.t.redis, keys);
    await log.trim(BASE, R); // no stream yet
    expect(await log.length()).toBe(0);
    const out = await log.append(
      ['a', 'b'].map((id) => makeEvent({ id })),
      BASE,
      WINDOW,
    );
    await log.trim(msOf(out[0]!.seq) + R, R);
    expect(await log.length()).toBe(2);
    await log.trim(msOf(out[1]!.seq) + 1 + R, R);
    expect(await log.length()).toBe(0);
  });
});
