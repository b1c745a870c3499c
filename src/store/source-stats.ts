import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

export interface SourceCounts {
  /** Events accepted into the log since counting began (persisted: survives restarts). */
  readonly accepted: number;
  /** Events skipped as already accepted. */
  readonly duplicates: number;
  /** Items refused (a whole refused body counts one). */
  readonly refused: number;
  /** When the source last had an event accepted (epoch ms); absent: never. */
  readonly lastAcceptedAt?: number;
}

/** Per-source ingest counters in Redis, shared by every API process (GET /v1/sources). */
export class SourceStats {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(
    source: string,
    counts: { accepted: number; duplicates: number; refused: number },
    now: number,
  ): Promise<void> {
    if (counts.accepted + counts.duplicates + counts.refused === 0) return;
    const key = this.keys.sourceStats(source);
    const batch = this.redis.pipeline();
    if (counts.accepted > 0) batch.hincrby(key, 'accepted', counts.accepted);
    if (counts.duplicates > 0) batch.hincrby(key, 'duplicates', counts.duplicates);
    if (counts.refused > 0) batch.hincrby(key, 'refused', counts.refused);
    if (counts.accepted > 0) batch.hset(key, 'lastAcceptedAt', now);
    await batch.exec();
  }

  async read(sources: readonly string[]): Promise<Map<string, SourceCounts>> {
    const pipeline = this.redis.pipeline();
    for (const s of sources)
      pipeline.hmget(
        this.keys.sourceStats(s),
        'accepted',
        'duplicates',
        'refused',
        'lastAcceptedAt',
      );
    const replies = (await pipeline.exec()) ?? [];
    const out = new Map<string, SourceCounts>();
    sources.forEach((s, i) => {
      const [err, row] = replies[i] ?? [null, []];
      if (err) throw err;
      const [accepted, duplicates, refused, last] = row as (string | null)[];
      out.set(s, {
        accepted: Number(accepted ?? 0),
        duplicates: Number(duplicates ?? 0),
        refused: Number(refused ?? 0),
        ...(last ? { lastAcceptedAt: Number(last) } : {}),
      });
    });
    return out;
  }
}
