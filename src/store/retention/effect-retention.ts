import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import type { RecordSweep, RoundResult } from './record-sweep.js';

export interface EffectRetentionPolicy {
  readonly ms: number;
  readonly max: number;
}

/**
 * Effect-ledger entries: deleted `ms` after the effect, oldest first past `max`, but never
 * while the run that caused it is active (the entry is what stops that run's retried action
 * from acting twice); such an entry is looked at again one period later.
 */
export class EffectRetention implements RecordSweep {
  readonly record = 'effect';
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly policy: EffectRetentionPolicy,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    const old = await this.redis.zrangebyscore(
      this.keys.effectIndex,
      '-inf',
      now - this.policy.ms,
      'LIMIT',
      0,
      batch,
    );
    let removed = await this.delete(old, now);
    let more = old.length >= batch;
    const excess = (await this.redis.zcard(this.keys.effectIndex)) - this.policy.max;
    if (excess > 0) {
      const oldest = await this.redis.zrange(this.keys.effectIndex, 0, Math.min(excess, batch) - 1);
      const n = await this.delete(oldest, now);
      removed += n;
      // Kept ones were re-dated to now: another round reaches the next oldest.
      more ||= n > 0 && excess > n;
    }
    return { removed: { effect: removed }, more };
  }

  private async delete(effectKeys: readonly string[], now: number): Promise<number> {
    const codes = await Promise.all(
      effectKeys.map((key) =>
        this.#scripts.run(
          'deleteEffect',
          [this.keys.effect(key), this.keys.effectIndex, this.keys.runActive],
          [key, now],
        ),
      ),
    );
    return codes.filter((c) => Number(c) === 1).length;
  }
}
