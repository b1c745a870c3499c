import type { RedisClient } from './redis.js';
import type { SourceMemory } from '../ingest/sources/source-kind.js';
import type { Keys } from './keys.js';

/** Longest key a kind may use: keys come from sender data (ce-id, series labels). */
const MAX_KEY_LENGTH = 512;

/**
 * SourceMemory in Redis, shared by every API process, so a KServe request and its response
 * join even when they reach different processes. Expiry only bounds memory: a lapsed entry
 * loses one join or one counter delta, never an event.
 */
export class RedisSourceMemory implements SourceMemory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly source: string,
  ) {}

  async swap(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const previous = (await this.redis.call(
      'SET',
      this.#key(key),
      value,
      'PX',
      Math.max(1, Math.round(ttlMs)),
      'GET',
    )) as string | null;
    return previous ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    const previous = (await this.redis.call('GETDEL', this.#key(key))) as string | null;
    return previous ?? undefined;
  }

  #key(key: string): string {
    return this.keys.sourceMemory(this.source, key.slice(0, MAX_KEY_LENGTH));
  }
}
