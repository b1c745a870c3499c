import type { RedisClient } from '../redis.js';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import { guardedAgeAndCountRound, type RecordSweep, type RoundResult } from './record-sweep.js';

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
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly policy: EffectRetentionPolicy,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    const { removed, more } = await guardedAgeAndCountRound(
      this.redis,
      this.keys.effectIndex,
      this.policy,
      now,
      batch,
      (ids) => this.delete(ids, now),
    );
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
