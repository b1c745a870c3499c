import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, isCluster, type RedisClient } from '../../../src/store/redis.js';
import { writePerTurn } from '../../../src/store/write-per-turn.js';
import { TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/** store/write-per-turn.ts on a real Redis (a single one, or the cluster project's). */
const prefix = uniquePrefix('write-per-turn');
// One hash tag: on a cluster every command of a test goes to one node.
const key = (name: string): string => `${prefix}:{wpt}:${name}`;
const open: RedisClient[] = [];

afterEach(async () => {
  for (const redis of open.splice(0)) {
    const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
    for (const node of nodes) {
      const keys = await node.keys(`${prefix}:*`);
      if (keys.length > 0) await node.del(...keys);
    }
    redis.disconnect();
  }
});

/** A connection without auto-pipelining: every command is a write of its own, unpatched. */
async function connection(): Promise<RedisClient> {
  const redis = createRedis(TEST_REDIS_URL, { enableAutoPipelining: false });
  open.push(redis);
  await redis.set(key('warm'), '1');
  return redis;
}

/**
 * The writes a connection's sockets hand the kernel that carry this file's commands (its key
 * prefix): a cluster client also refreshes its slot map now and then, on any node, which is
 * not what these tests count.
 */
function countWrites(redis: RedisClient): { total(): number } {
  const nodes: Redis[] = isCluster(redis) ? redis.nodes() : [redis];
  let writes = 0;
  const ours = (chunk: unknown): boolean => String(chunk).includes(prefix);
  for (const node of nodes) {
    const socket = (node as unknown as { stream?: Socket }).stream;
    if (socket === undefined) continue;
    const s = socket as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
    const write = s._write;
    s._write = function (this: unknown, ...args: unknown[]) {
      if (ours(args[0])) writes += 1;
      return write.apply(this, args);
    };
    const writev = s._writev;
    s._writev = function (this: unknown, ...args: unknown[]) {
      const chunks = args[0] as readonly { chunk: unknown }[];
      if (chunks.some((c) => ours(c.chunk))) writes += 1;
      return writev.apply(this, args);
    };
  }
  return { total: () => writes };
}

async function fiftyCommandsInOneTurn(redis: RedisClient): Promise<string[]> {
  const sets = Array.from({ length: 50 }, (_, i) => redis.set(key(`k${i}`), `v${i}`));
  const gets = Array.from({ length: 50 }, (_, i) => redis.get(key(`k${i}`)));
  await Promise.all(sets);
  return (await Promise.all(gets)) as string[];
}

describe('writePerTurn', () => {
  it('sends the commands of one event-loop turn in one write, with every reply in order', async () => {
    const plain = await connection();
    const plainWrites = countWrites(plain);
    const expected = Array.from({ length: 50 }, (_, i) => `v${i}`);
    expect(await fiftyCommandsInOneTurn(plain)).toEqual(expected);
    // Without it, each command is a write of its own (what makes this test able to fail).
    expect(plainWrites.total()).toBeGreaterThanOrEqual(50);

    const held = await connection();
    writePerTurn(held);
    const heldWrites = countWrites(held);
    expect(await fiftyCommandsInOneTurn(held)).toEqual(expected);
    // The sets in one write; the gets, sent in the same turn, in the same one (or the next,
    // if a reply arrived in between).
    expect(heldWrites.total()).toBeLessThanOrEqual(2);
  });

  it('holds the writes of a connection patched before it connected, auto-pipelining on', async () => {
    // As createRedis makes connections by default, and before any node exists (a cluster's
    // nodes appear later): the patch reaches the sockets made after it. Explicit pipelines
    // write at once, auto-pipelining or not (each of them a write without the patch).
    const pipelines = (redis: RedisClient): Promise<unknown>[] =>
      Array.from({ length: 20 }, (_, i) =>
        redis
          .pipeline()
          .set(key(`p${i}`), `v${i}`)
          .get(key(`p${i}`))
          .exec(),
      );
    const plain = createRedis(TEST_REDIS_URL);
    open.push(plain);
    await plain.set(key('first'), '1');
    const plainWrites = countWrites(plain);
    await Promise.all(pipelines(plain));
    expect(plainWrites.total()).toBeGreaterThanOrEqual(20);

    const redis = createRedis(TEST_REDIS_URL);
    open.push(redis);
    writePerTurn(redis);
    await redis.set(key('first'), '1');
    const writes = countWrites(redis);
    const replies = await Promise.all(pipelines(redis));
    expect(replies.map((r) => (r as [unknown, unknown][])[1]?.[1])).toEqual(
      Array.from({ length: 20 }, (_, i) => `v${i}`),
    );
    expect(writes.total()).toBeLessThanOrEqual(2);
  });

  it('hands a big write to the kernel at once rather than holding it to the end of the turn', async () => {
    const redis = await connection();
    writePerTurn(redis);
    const writes = countWrites(redis);
    const done = redis.set(key('big'), 'x'.repeat(64 * 1024));
    expect(writes.total()).toBe(1);
    const small = redis.set(key('small'), 'y');
    // The small one waits for the end of the turn.
    expect(writes.total()).toBe(1);
    await Promise.all([done, small]);
    expect(writes.total()).toBe(2);
    expect((await redis.get(key('big')))?.length).toBe(64 * 1024);
  });

  it('holds the writes of a connection made again after it was lost', async () => {
    const redis = await connection();
    writePerTurn(redis);
    const nodes: Redis[] = isCluster(redis) ? redis.nodes() : [redis];
    const before = nodes.map((n) => (n as unknown as { stream?: Socket }).stream);
    // The server drops this client; ioredis connects again with a new socket.
    for (const node of nodes)
      await node.client('KILL', 'SKIPME', 'no', 'ID', await node.client('ID'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.set(key('after'), '1');
    const after = nodes.map((n) => (n as unknown as { stream?: Socket }).stream);
    expect(after.some((socket, i) => socket !== before[i])).toBe(true);
    const writes = countWrites(redis);
    expect(await fiftyCommandsInOneTurn(redis)).toHaveLength(50);
    expect(writes.total()).toBeLessThanOrEqual(2);
  });
});
