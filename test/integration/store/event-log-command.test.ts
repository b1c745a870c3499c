import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPEND_SHA, encodeCommand } from '../../../src/store/event-log-command.js';
import { EventLog, packStoredEvents, toStoredEvent } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
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
});
