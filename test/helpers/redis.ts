import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createRedis, unlinkMatching, type RedisClient } from '../../src/store/redis.js';
import { isClusterUrl } from '../../src/store/redis-target.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/cluster-setup.ts in the `cluster` project: the local cluster's URL. */
    redisUrl: string | undefined;
  }
}

/**
 * The Redis of the tests: the shared single Redis (REDIS_URL, else 6379), or in the `cluster`
 * project (vitest.config.ts) the local Redis Cluster its global setup started.
 */
export const TEST_REDIS_URL =
  inject('redisUrl') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_REDIS_IS_CLUSTER = isClusterUrl(TEST_REDIS_URL);

/** A random key prefix so each test file owns its keys on the shared Redis. */
export function uniquePrefix(label = 'test'): string {
  return `cordon-${label}-${randomUUID().slice(0, 8)}`;
}

export interface TestRedis {
  readonly redis: RedisClient;
  readonly prefix: string;
  /** Deletes every key under the prefix (BullMQ's included) and closes the connection. */
  cleanup(): Promise<void>;
}

export function createTestRedis(label?: string, url = TEST_REDIS_URL): TestRedis {
  const redis = createRedis(url, {
    maxRetriesPerRequest: 1,
    enableAutoPipelining: false,
  });
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

export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<void> {
  await unlinkMatching(redis, `${prefix}*`);
}
