import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScriptRunner } from '../../../src/store/redis-scripts.js';
import { createRedis, type RedisClient } from '../../../src/store/redis.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';
import { useStoreRedis } from './store-helpers.js';

/**
 * ScriptRunner sends EVALSHA as one flat command on a connection that does not auto-pipeline
 * (store/redis-scripts.ts, FlatCommand), and through ioredis's generated method otherwise:
 * both must deliver every argument byte for byte, numbers as their decimal text.
 */
const env = useStoreRedis('store-script-runner');
let pipelined: RedisClient;

beforeAll(() => {
  pipelined = createRedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  pipelined.disconnect();
});

/** Bytes that are not UTF-8: sent as text they would arrive as U+FFFD replacements. */
const RAW = Buffer.from([0x00, 0x0d, 0x0a, 0xff, 0xfe, 0x80, 0x24]);

async function roundTrip(redis: RedisClient, label: string) {
  const keys = env.fresh(label);
  const ledger = keys.effect(`fx-${label}`);
  const runner = new ScriptRunner(redis);
  // recordEffect stores ARGV[3] as the result and ARGV[1] as the time, and answers ARGV[3].
  const text = 'é€😀 "quoted" \r\n$3\r\n';
  const answer = await runner.run(
    'recordEffect',
    [ledger, keys.effectIndex],
    [1_767_225_600_123, 'fx', text, 'run-1'],
  );
  expect(answer).toBe(text);
  await runner.run(
    'recordEffect',
    [keys.effect(`raw-${label}`), keys.effectIndex],
    [5, 'raw', RAW, 'r'],
  );
  return {
    at: await env.t.redis.hget(ledger, 'at'),
    result: await env.t.redis.hget(ledger, 'result'),
    raw: await env.t.redis.hgetBuffer(keys.effect(`raw-${label}`), 'result'),
  };
}

describe('ScriptRunner', () => {
  it('sends a flat command on a connection without auto-pipelining, arguments exact', async () => {
    const send = vi.spyOn(env.t.redis, 'sendCommand');
    const evalsha = vi.spyOn(env.t.redis, 'evalsha');
    try {
      const stored = await roundTrip(env.t.redis, 'flat');
      expect(stored.at).toBe('1767225600123');
      expect(stored.result).toBe('é€😀 "quoted" \r\n$3\r\n');
      expect(stored.raw?.equals(RAW)).toBe(true);
      expect(evalsha).not.toHaveBeenCalled();
      expect(send.mock.calls.some(([c]) => c.name === 'evalsha')).toBe(true);
    } finally {
      send.mockRestore();
      evalsha.mockRestore();
    }
  });

  it('goes through ioredis’s own method on an auto-pipelined connection, with the same bytes', async () => {
    const evalsha = vi.spyOn(pipelined, 'evalsha');
    try {
      const stored = await roundTrip(pipelined, 'pipelined');
      expect(stored.at).toBe('1767225600123');
      expect(stored.result).toBe('é€😀 "quoted" \r\n$3\r\n');
      expect(stored.raw?.equals(RAW)).toBe(true);
      expect(evalsha).toHaveBeenCalled();
    } finally {
      evalsha.mockRestore();
    }
  });

  it('refuses a wrong key count before sending anything', async () => {
    const runner = new ScriptRunner(env.t.redis);
    await expect(runner.run('recordEffect', ['only-one'], [])).rejects.toThrow(
      /recordEffect takes 2 keys; got 1/,
    );
  });
});
