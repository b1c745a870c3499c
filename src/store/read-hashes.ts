import type { RedisClient } from './redis.js';

/**
 * HGETALL for many keys in one round trip, in order. A missing key reads as `{}`; a failed
 * command (wrong type, connection) throws instead of passing for an empty record.
 */
export async function readHashes(
  redis: RedisClient,
  keys: readonly string[],
): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const rows = (await pipeline.exec()) ?? [];
  return rows.map(([err, row]) => {
    if (err) throw err;
    return row as Record<string, string>;
  });
}
