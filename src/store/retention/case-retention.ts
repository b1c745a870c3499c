import type { RedisClient } from '../redis.js';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import type { RecordSweep, RoundResult } from './record-sweep.js';

export interface CaseRetentionPolicy {
  readonly ms: number;
  readonly max: number;
}

/** Built-in cases: deleted `ms` after they were opened; past `max`, the oldest first. */
export class CaseRetention implements RecordSweep {
  readonly record = 'case';
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly policy: CaseRetentionPolicy,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    const old = await this.redis.zrangebyscore(
      this.keys.caseIndex,
      '-inf',
      now - this.policy.ms,
      'LIMIT',
      0,
      batch,
    );
    const excess = (await this.redis.zcard(this.keys.caseIndex)) - old.length - this.policy.max;
    const oldest =
      excess > 0
        ? await this.redis.zrange(
            this.keys.caseIndex,
            old.length,
            old.length + Math.min(excess, batch) - 1,
          )
        : [];
    const ids = [...old, ...oldest];
    await Promise.all(
      ids.map((id) =>
        this.#scripts.run(
          'deleteCase',
          [this.keys.case(id), this.keys.caseIndex, this.keys.caseDedupe],
          [id],
        ),
      ),
    );
    return {
      removed: { case: ids.length },
      more: old.length >= batch || oldest.length >= batch,
    };
  }
}
