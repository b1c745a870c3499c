import type { TestProject } from 'vitest/node';
import { startRedisCluster, type LocalRedisCluster } from './helpers/redis-cluster.js';

/**
 * Global setup of the `cluster` project (vitest.config.ts): a local Redis Cluster of six
 * redis-server processes for the files that run a second time against it; its URL reaches
 * them as inject('redisUrl') (test/helpers/redis.ts). Torn down when the run ends.
 */
let cluster: LocalRedisCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startRedisCluster();
  project.provide('redisUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
