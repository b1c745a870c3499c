import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A random key prefix so each test file owns its keys on the shared Redis. */
export function uniquePrefix(label = 'test'): string {
  return `cordon-${label}-${randomUUID().slice(0, 8)}`;
}

export interface TestRedis {
  readonly redis: Redis;
  readonly prefix: string;
  /** Deletes every key under the prefix (BullMQ's included) and closes the connection. */
  cleanup(): Promise<void>;
}

export function createTestRedis(label?: string): TestRedis {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    async cleanup() {
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
