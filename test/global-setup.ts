import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export default async function setup(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(
      `The tests need a real Redis at ${TEST_REDIS_URL} and none answered. Start one with ` +
        '`redis-server --daemonize yes --port 6379` (Debian: apt-get install redis-server) or set REDIS_URL.',
    );
  } finally {
    redis.disconnect();
  }
  // The restart tests spawn dist/cli/main.js: build it from the current sources first (unless
  // it is already newer than every source).
  if (process.env.CORDON_TEST_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
}
