import type { Logger } from '../shared/logger.js';
import type { Keys } from './keys.js';
import { isCluster, type RedisClient } from './redis.js';

/**
 * Versions before Redis Cluster support named the control plane, the event log and BullMQ's
 * queues without hash tags (`<prefix>:inc:…`, `<prefix>:events:log`, `<prefix>:bull:…`). The
 * names now carry tags on every Redis (store/keys.ts), so a single Redis that still holds the
 * old names is migrated at start, before anything reads or writes: each old key is renamed
 * (RENAMENX: a key of the new layout is never overwritten). Stop every process of the old
 * version first; two new ones starting together are fine (a rename the other did is skipped).
 */

/** First segments (after the prefix) of the control plane's old names. */
const CONTROL_AREAS = [
  'inc',
  'run',
  'apr',
  'playbook',
  'effect',
  'effects',
  'lim',
  'case',
  'changes',
  'deadletters',
  'rulehits',
  'srcstats',
  'retention',
];
const CONTROL_EXACT = ['corr:members', 'corr:progress', 'corr:config'];

/** The new name of an old-layout key, or undefined if `key` is not one. Pure. */
export function migratedKeyName(prefix: string, key: string): string | undefined {
  if (!key.startsWith(`${prefix}:`)) return undefined;
  const rest = key.slice(prefix.length + 1);
  if (rest.startsWith('{')) return undefined;
  if (rest.startsWith('events:')) return `${prefix}:{e0}:${rest}`;
  if (rest.startsWith('bull:')) return `${prefix}:{c}:${rest}`;
  const area = rest.split(':', 1)[0] as string;
  if (
    CONTROL_AREAS.includes(area) ||
    CONTROL_EXACT.some((e) => rest === e || rest.startsWith(`${e}:`))
  )
    return `${prefix}:{c}:${rest}`;
  return undefined;
}

/** Old names that any deployment that ever ran has: one EXISTS says whether to look further. */
function markers(prefix: string): string[] {
  return [
    'events:log',
    'events:where',
    'inc:index',
    'run:index',
    'apr:index',
    'changes',
    'corr:members',
    'effects:index',
    'lim:rules',
    'case:index',
    'deadletters',
    'bull:runs:meta',
    'bull:actions:meta',
  ].map((m) => `${prefix}:${m}`);
}

/** Renames the old layout's keys, if any; returns how many were renamed. */
export async function migrateKeyLayout(
  redis: RedisClient,
  keys: Keys,
  logger: Logger,
): Promise<number> {
  // A cluster never held the old layout: its scripts would have failed across slots.
  if (isCluster(redis)) return 0;
  if ((await redis.exists(...markers(keys.prefix))) === 0) return 0;
  let renamed = 0;
  let kept = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      const target = migratedKeyName(keys.prefix, key);
      if (target === undefined) continue;
      try {
        if ((await redis.renamenx(key, target)) === 1) renamed += 1;
        else kept += 1;
      } catch (err) {
        // Another new process renamed it first.
        if (!(err instanceof Error && /no such key/i.test(err.message))) throw err;
      }
    }
  } while (cursor !== '0');
  logger.warn(
    { renamed, kept, prefix: keys.prefix },
    `Migrated ${renamed} Redis key(s) to the hash-tagged layout (README "Scaling out").${kept > 0 ? ` ${kept} old key(s) were kept because a key of the new layout already had their name.` : ''}`,
  );
  return renamed;
}
