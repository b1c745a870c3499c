import { Redis, type RedisOptions } from 'ioredis';

/**
 * Connections: BullMQ needs `maxRetriesPerRequest: null` (it retries on its own); blocking
 * readers (XREADGROUP BLOCK) need their own connection so they never stall other commands.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    connectionName: 'cordon',
    ...options,
  });
}

/** Resolves when `url` answers PING within `timeoutMs`, false otherwise; never throws. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
