import type { RedisClient } from '../redis.js';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import { guardedAgeAndCountRound, type RecordSweep, type RoundResult } from './record-sweep.js';

export interface LimiterRetentionPolicy {
  /** A key's history is deleted this long after its last set/clear, once no rule applies. */
  readonly ms: number;
  readonly max: number;
}

/**
 * Built-in limiter: the set/clear history of a key (and its rule, once expired) is deleted `ms`
 * after the key's last change; past `max` keys, the least recently changed first. A rule that
 * still applies is never deleted: lifting a limit is a playbook's or an operator's decision.
 */
export class LimiterRetention implements RecordSweep {
  readonly record = 'limiter_history';
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly policy: LimiterRetentionPolicy,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    const { removed, more } = await guardedAgeAndCountRound(
      this.redis,
      this.keys.limiterHistoryIndex,
      this.policy,
      now,
      batch,
      (ids) => this.delete(ids, now),
    );
    return { removed: { limiter_history: removed }, more };
  }

  private async delete(limitedKeys: readonly string[], now: number): Promise<number> {
    const codes = await Promise.all(
      limitedKeys.map((key) =>
        this.#scripts.run(
          'deleteLimiterHistory',
          [
            this.keys.limiterHistory(key),
            this.keys.limiterRule(key),
            this.keys.limiterHistoryIndex,
            this.keys.limiterIndex,
          ],
          [key, now],
        ),
      ),
    );
    return codes.filter((c) => Number(c) === 1).length;
  }
}
