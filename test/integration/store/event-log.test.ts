import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberRawText } from '../../../src/ingest/sources/raw-text.js';
import { EventLog, compareStreamIds } from '../../../src/store/event-log.js';
import type { Keys } from '../../../src/store/keys.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';
import { BASE, makeEvent, useStoreRedis } from './store-helpers.js';

/** EventLog (appendEvents-6.lua + consumer groups + trim) against a real Redis. */
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

  it('appends a batch bigger than the script writes in one command, duplicates and text included', async () => {
    // The script looks members up and writes them in commands of 500 (HMGET, HSET, RPUSH):
    // a batch over two such boundaries, with a duplicate of an event of the first chunk in
    // the second, one of its own repeats within a chunk, and events with prompt text.
    const keys = env.fresh('chunks');
    const log = new EventLog(env.t.redis, keys);
    const events = Array.from({ length: 1_203 }, (_, i) =>
      makeEvent({
        id: `c-${i}`,
        source: 'gw',
        ...(i % 100 === 7 ? { text: { prompt: `prompt ${i}` } } : {}),
      }),
    );
    const batch = [...events.slice(0, 700), events[3]!, ...events.slice(700), events[1_100]!];
    const out = await log.append(batch, BASE, WINDOW);
    expect(out).toHaveLength(1_205);
    expect(out.filter((o) => o.duplicate).map((o) => o.id)).toEqual(['c-3', 'c-1100']);
    expect(out[700]!.seq).toBe(out[3]!.seq);
    expect(out[1_204]!.seq).toBe(out[1_101]!.seq);
    expect(await log.length()).toBe(1_203);
    const order = await env.t.redis.lrange(keys.eventSeenOrder, 0, -1);
    expect(order).toEqual(events.map((e) => `${BASE}:gw/${e.id}`));
    expect(await env.t.redis.hlen(keys.eventWhere)).toBe(1_203);
    expect(await env.t.redis.hget(keys.eventWhere, 'gw/c-1202')).toBe(out[1_204 - 1]!.seq);
    const withText = out.filter((o) => !o.duplicate && Number(o.id.slice(2)) % 100 === 7);
    expect(withText).toHaveLength(12);
    expect(await env.t.redis.hlen(keys.eventText)).toBe(12);
    expect(await env.t.redis.lrange(keys.eventTextOrder, 0, -1)).toEqual(
      withText.map((o) => `${BASE}:${o.seq}`),
    );
    expect(await log.get('gw', 'c-907')).toEqual({ seq: out[908]!.seq, event: events[907] });
    // A second call finds all of them, across chunks.
    const again = await log.append(events, BASE + 1, WINDOW);
    expect(again.every((o) => o.duplicate)).toBe(true);
    expect(again.map((o) => o.seq)).toEqual(events.map((e) => out.find((o) => o.id === e.id)!.seq));
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

describe('EventLog labels stored by reference to raw', () => {
  it('reads back whole, through every reader, an event whose labels raw holds verbatim', async () => {
    const keys = env.fresh('rawlabels');
    const log = new EventLog(env.t.redis, keys);
    const raw = {
      message: 'Failed password for admin from 198.51.0.7',
      event: { action: 'ssh_login', category: ['authentication'] },
      source: { port: 51522 },
    };
    rememberRawText(raw, JSON.stringify(raw));
    const event = makeEvent({
      id: 'ecs-1',
      source: 'bulk',
      labels: {
        message: raw.message,
        event_action: 'ssh_login',
        event_category: 'authentication',
        source_port: '51522',
        es_index: 'filebeat-8',
      },
      raw,
    });
    const plain = JSON.parse(JSON.stringify(event)) as unknown;
    const [out] = await log.append([event], BASE, WINDOW);
    // Stored by reference: the message is in the entry once.
    const entries = await env.t.redis.xrange(keys.eventLog, '-', '+');
    const fields = entries[0]![1];
    expect(fields[1]!.split(raw.message)).toHaveLength(2);
    expect(JSON.parse(fields[1]!).labels).toEqual({ es_index: 'filebeat-8' });
    expect((await log.get('bulk', 'ecs-1'))?.event).toEqual(plain);
    expect((await log.at(out!.seq))?.event).toEqual(plain);
    expect((await log.readAfter(blocking, '0-0', 10, 0))[0]?.event).toEqual(plain);
    expect((await log.scanBackward(undefined, () => true, 10, 100)).events[0]?.event).toEqual(
      plain,
    );
  });
});

describe('EventLog reading from an offset', () => {
  it('reads entries after an id, in order, and waits briefly when there are none', async () => {
    const keys = env.fresh('read');
    const log = new EventLog(env.t.redis, keys);
    const events = ['a', 'b', 'c'].map((id, i) => makeEvent({ id, time: BASE + i }));
    const [sa, sb, sc] = (await log.append(events, BASE, WINDOW)).map((o) => o.seq) as [
      string,
      string,
      string,
    ];
    expect(await log.readAfter(blocking, '0-0', 2, 1)).toEqual([
      { seq: sa, event: events[0] },
      { seq: sb, event: events[1] },
    ]);
    expect(await log.readAfter(blocking, sb, 10, 1)).toEqual([{ seq: sc, event: events[2] }]);
    expect(await log.readAfter(blocking, sc, 10, 1)).toEqual([]);
    expect(await log.firstTimeAfter(sa)).toBe(msOf(sb));
    expect(await log.firstTimeAfter(sc)).toBeUndefined();
    expect(await log.counters()).toEqual({ added: 3, length: 3 });
    expect(compareStreamIds(sa, sb)).toBeLessThan(0);
    expect(compareStreamIds(sb, sb)).toBe(0);
    expect(compareStreamIds('10-2', '9-99')).toBeGreaterThan(0);
  });

  it('reports zero counters for a log that does not exist yet', async () => {
    const log = new EventLog(env.t.redis, env.fresh('none'));
    expect(await log.counters()).toEqual({ added: 0, length: 0 });
  });
});

describe('EventLog.trim', () => {
  const R = 60_000;

  it('keeps entries newer than the retention window even when every correlator is past them', async () => {
    const keys = env.fresh('trim-retain');
    const log = new EventLog(env.t.redis, keys);
    const out = await log.append(
      ['a', 'b', 'c'].map((id) => makeEvent({ id })),
      BASE,
      WINDOW,
    );
    const last = out[2]!.seq;
    // now - retention = the first entry's millisecond: every entry is within retention.
    await log.trim(msOf(out[0]!.seq) + R, R, last);
    expect(await streamIds(keys)).toEqual(out.map((o) => o.seq));

    // Once all are older than retention and correlated, they go.
    await log.trim(msOf(last) + 1 + R, R, last);
    expect(await log.length()).toBe(0);
    expect(await log.get('gateway', 'a')).toBeUndefined();
  });

  it('never removes entries after the oldest correlator offset', async () => {
    const keys = env.fresh('trim-offset');
    const log = new EventLog(env.t.redis, keys);
    const out = await log.append(
      ['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => makeEvent({ id })),
      BASE,
      WINDOW,
    );
    const s = out.map((o) => o.seq);
    const now = msOf(s[4]!) + 1 + R;

    // No correlator has checkpointed anything ("0-0"): nothing may go.
    await log.trim(now, R, '0-0');
    expect(await streamIds(keys)).toEqual(s);

    // Correlated up to e1: e2..e4 stay.
    await log.trim(now, R, s[1]!);
    expect((await streamIds(keys)).slice(-3)).toEqual(s.slice(2));

    await log.trim(now, R, s[4]!);
    expect(await log.length()).toBe(0);
  });

  it('removes correlated old entries up to the offset when the log spans many stream nodes', async () => {
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
    await log.trim(msOf(s[399]!) + 1 + R, R, s[249]!);
    const kept = await streamIds(keys);
    // Nothing after the offset (index 249) is touched...
    expect(kept.slice(-150)).toEqual(s.slice(250));
    // ...and at least everything before the node holding it (at most 100 entries) is gone.
    expect(kept.length).toBeLessThanOrEqual(150 + 99);
    expect(kept[0]).not.toBe(s[0]);
    expect(await log.get('gateway', 'm0')).toBeUndefined();
    expect((await log.get('gateway', 'm250'))?.seq).toBe(s[250]);
  });

  it('tolerates a missing log', async () => {
    const keys = env.fresh('trim-nolog');
    const log = new EventLog(env.t.redis, keys);
    await log.trim(BASE, R, '0-0');
    expect(await log.length()).toBe(0);
  });
});
