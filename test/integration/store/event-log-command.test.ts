import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPEND_SHA,
  encodeCommand,
  frameParts,
  framedArguments,
} from '../../../src/store/event-log-command.js';
import { EventLog, packStoredEvents, toStoredEvent } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import { parseSeq } from '../../../src/store/log-position.js';
import { createPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.js';
import { BASE, makeEvent, useStoreRedis } from './store-helpers.js';

/** The append sent as one frame written by us (store/event-log-command.ts), on a real Redis. */
const env = useStoreRedis('store-evlog-cmd');
const WINDOW = 86_400_000;

describe('encodeCommand', () => {
  it('writes RESP with byte lengths, so multi-byte text and bytes arrive exactly', () => {
    const frame = encodeCommand(['evalsha', 'é€😀', Buffer.from([0, 13, 10, 255])]);
    const expected = Buffer.concat([
      Buffer.from('*3\r\n$7\r\nevalsha\r\n$9\r\né€😀\r\n$4\r\n'),
      Buffer.from([0, 13, 10, 255]),
      Buffer.from('\r\n'),
    ]);
    expect(frame.equals(expected)).toBe(true);
  });

  it('copies arguments framed beforehand (a worker thread’s) as they are, range by range', () => {
    const { bytes, ends } = frameParts(['a', 'é€', '', 'zz']);
    expect(bytes.toString()).toBe('$1\r\na\r\n$5\r\né€\r\n$0\r\n\r\n$2\r\nzz\r\n');
    // The first and the last two arguments, as a partition's share of a batch would take them.
    const framed = { bytes, ranges: [0, ends[0]!, ends[1]!, ends[3]!], count: 3 };
    const frame = encodeCommand(['evalsha', 'x'], framed);
    expect(frame.toString()).toBe(
      '*5\r\n$7\r\nevalsha\r\n$1\r\nx\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nzz\r\n',
    );
    expect(framedArguments(framed).map((b) => Buffer.from(b).toString())).toEqual(['a', '', 'zz']);
  });
});

describe('EventLog append frame', () => {
  it('calls the script ScriptRunner and preloadScripts load (same SHA-1)', async () => {
    const lua = readFileSync(
      new URL('../../../src/store/scripts/appendEvents-6.lua', import.meta.url),
      'utf8',
    );
    expect(await env.t.redis.script('LOAD', lua)).toBe(APPEND_SHA);
  });

  it('stores a packed block (a worker thread’s) exactly as the same events given as strings', async () => {
    const events = Array.from({ length: 40 }, (_, i) =>
      makeEvent({
        id: `p-${i}`,
        source: 'gw',
        name: `ünïcode ${'€'.repeat(i)} 😀`,
        ...(i % 3 === 0 ? { text: { prompt: `prompt é ${i}` } } : {}),
      }),
    );
    const asStrings = new EventLog(env.t.redis, env.fresh('strings'));
    const asPacked = new EventLog(env.t.redis, env.fresh('packed'));
    const stored = events.map((e) => toStoredEvent(e));
    const a = await asStrings.appendStored(stored, BASE, WINDOW);
    const b = await asPacked.appendStored(packStoredEvents('gw', stored), BASE, WINDOW);
    expect(b.map((o) => [o.id, o.duplicate])).toEqual(a.map((o) => [o.id, o.duplicate]));
    for (const [i, e] of events.entries()) {
      expect((await asStrings.get('gw', e.id))?.event).toEqual(e);
      expect((await asPacked.get('gw', e.id))?.event).toEqual(e);
      expect(b[i]!.duplicate).toBe(false);
    }
    // Duplicates are found through the frame path too.
    const again = await asPacked.appendStored(packStoredEvents('gw', stored), BASE + 1, WINDOW);
    expect(again.every((o) => o.duplicate)).toBe(true);
    expect(again.map((o) => o.seq)).toEqual(b.map((o) => o.seq));
  });
});

describe('EventLog append of a packed block over several partitions', () => {
  it('stores each partition’s share (ranges of the block) as the same events given as strings', async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      makeEvent({
        id: `q-${i}`,
        source: 'gw',
        entity: { api_key: `key-${i % 7}` },
        ...(i % 4 === 0 ? { text: { prompt: `prompt ${i}` } } : {}),
      }),
    );
    const asStrings = new EventLog(env.t.redis, env.fresh('p-strings'), undefined, 3);
    const asPacked = new EventLog(env.t.redis, env.fresh('p-packed'), undefined, 3);
    const stored = events.map((e) => toStoredEvent(e));
    // The events' partitions interleave, so a share is several ranges of the block.
    expect(new Set(stored.map((e) => e.route % 3)).size).toBe(3);
    const a = await asStrings.appendStored(stored, BASE, WINDOW);
    const b = await asPacked.appendStored(packStoredEvents('gw', stored), BASE, WINDOW);
    const partition = (seq: string) => parseSeq(seq)?.partition;
    expect(b.map((o) => [o.id, partition(o.seq)])).toEqual(a.map((o) => [o.id, partition(o.seq)]));
    expect(new Set(b.map((o) => partition(o.seq))).size).toBe(3);
    for (const e of events) expect((await asPacked.get('gw', e.id))?.event).toEqual(e);
  });
});

describe('EventLog append on a Redis that lost its scripts', () => {
  let server: PrivateRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await createPrivateRedis();
    await server.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.cleanup();
  });

  it('falls back to EVAL on NOSCRIPT, and the next append finds the script loaded', async () => {
    await redis.script('FLUSH');
    const log = new EventLog(redis, new Keys('noscript'));
    const first = await log.append(
      [makeEvent({ id: 'n1' }), makeEvent({ id: 'n1' })],
      BASE,
      WINDOW,
    );
    expect(first.map((o) => o.duplicate)).toEqual([false, true]);
    expect((await redis.script('EXISTS', APPEND_SHA)) as number[]).toEqual([1]);
    const second = await log.append([makeEvent({ id: 'n2' })], BASE, WINDOW);
    expect(second[0]!.duplicate).toBe(false);
    expect(await log.length()).toBe(2);
    expect((await log.get('gateway', 'n1'))?.seq).toBe(first[0]!.seq);
  });

  it('falls back to EVAL for a packed block too, its arguments read back from the block', async () => {
    await redis.script('FLUSH');
    const log = new EventLog(redis, new Keys('noscript-packed'));
    const events = [makeEvent({ id: 'k1', name: 'é' }), makeEvent({ id: 'k2' })];
    const out = await log.appendStored(
      packStoredEvents(
        'gateway',
        events.map((e) => toStoredEvent(e)),
      ),
      BASE,
      WINDOW,
    );
    expect(out.map((o) => o.duplicate)).toEqual([false, false]);
    expect((await log.get('gateway', 'k1'))?.event).toEqual(events[0]);
  });
});
