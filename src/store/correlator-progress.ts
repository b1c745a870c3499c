import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

/**
 * How many log entries each correlator has read, published so that any API process can tell
 * how far behind correlation is (ingest backpressure) without running a correlator itself.
 * One field per member, overwritten; a member's field outlives it on purpose, so that while
 * no correlator runs the backlog still counts from where the last one stopped.
 */
export class CorrelatorProgress {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async report(member: string, entriesRead: number, now: number): Promise<void> {
    await this.redis.hset(this.keys.correlatorProgress, member, `${entriesRead} ${now}`);
  }

  /**
   * Entries read by the slowest member that reported within `liveMs`; when none did, by the
   * furthest any member ever got. Undefined when no correlator has ever reported.
   */
  async slowestRead(now: number, liveMs: number): Promise<number | undefined> {
    const fields = await this.redis.hgetall(this.keys.correlatorProgress);
    let slowestLive: number | undefined;
    let furthest: number | undefined;
    for (const value of Object.values(fields)) {
      const [read, at] = value.split(' ').map(Number);
      if (read === undefined || at === undefined || !Number.isFinite(read)) continue;
      furthest = Math.max(furthest ?? read, read);
      if (now - at <= liveMs) slowestLive = Math.min(slowestLive ?? read, read);
    }
    return slowestLive ?? furthest;
  }

  /**
   * Forgets members that have not reported for `maxAgeMs`, except the one that got furthest
   * (it still says where correlation stopped while none runs). Returns how many went.
   */
  async prune(now: number, maxAgeMs: number): Promise<number> {
    const fields = await this.redis.hgetall(this.keys.correlatorProgress);
    let furthest: [string, number] | undefined;
    const stale: string[] = [];
    for (const [member, value] of Object.entries(fields)) {
      const [read, at] = value.split(' ').map(Number);
      if (read !== undefined && Number.isFinite(read) && (!furthest || read > furthest[1]))
        furthest = [member, read];
      if (at === undefined || !Number.isFinite(at) || now - at > maxAgeMs) stale.push(member);
    }
    const gone = stale.filter((m) => m !== furthest?.[0]);
    if (gone.length > 0) await this.redis.hdel(this.keys.correlatorProgress, ...gone);
    return gone.length;
  }
}
