import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

/** Sparkline buckets: 48 half hours, the last 24 h. */
export const HIT_BUCKET_MS = 30 * 60_000;
export const HIT_BUCKETS = 48;

export interface RuleHitCounts {
  /** Matches recorded since counting began (redeliveries not counted). */
  readonly hits: number;
  /** Incidents its matches opened. */
  readonly incidents: number;
  /** Matches per half hour, oldest first, the last one the current half hour. */
  readonly sparkline: readonly number[];
}

/**
 * Per-rule match counters for GET /v1/rules, in one hash per rule: `hits`, `incidents` and
 * `b:<bucket>` (bucket = epoch ms / HIT_BUCKET_MS). Time is passed in; buckets older than the
 * window are read as nothing and removed when a new bucket starts (no key expiry involved).
 */
export class RuleHits {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(rule: string, now: number, opened: boolean): Promise<void> {
    const key = this.keys.ruleHits(rule);
    const bucket = Math.floor(now / HIT_BUCKET_MS);
    const batch = this.redis.pipeline().hincrby(key, 'hits', 1).hincrby(key, `b:${bucket}`, 1);
    if (opened) batch.hincrby(key, 'incidents', 1);
    const replies = (await batch.exec()) ?? [];
    // The first match of a new bucket drops the buckets that left the window.
    if (replies[1]?.[1] === 1) {
      const stale = (await this.redis.hkeys(key)).filter(
        (f) => f.startsWith('b:') && Number(f.slice(2)) <= bucket - HIT_BUCKETS,
      );
      if (stale.length > 0) await this.redis.hdel(key, ...stale);
    }
  }

  async read(rules: readonly string[], now: number): Promise<Map<string, RuleHitCounts>> {
    const last = Math.floor(now / HIT_BUCKET_MS);
    const fields = ['hits', 'incidents'];
    for (let b = last - HIT_BUCKETS + 1; b <= last; b += 1) fields.push(`b:${b}`);
    const pipeline = this.redis.pipeline();
    for (const rule of rules) pipeline.hmget(this.keys.ruleHits(rule), ...fields);
    const replies = (await pipeline.exec()) ?? [];
    const out = new Map<string, RuleHitCounts>();
    rules.forEach((rule, i) => {
      const [err, row] = replies[i] ?? [null, []];
      if (err) throw err;
      const values = (row as (string | null)[]).map((v) => Number(v ?? 0));
      out.set(rule, {
        hits: values[0] ?? 0,
        incidents: values[1] ?? 0,
        sparkline: values.slice(2),
      });
    });
    return out;
  }
}
