import type { RedisClient } from '../redis.js';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import { IndexWalk, type RecordSweep, type RoundResult } from './record-sweep.js';

export interface RunRetentionPolicy {
  /** An ended run is deleted this long after it ended. */
  readonly ms: number;
  readonly max: number;
}

const FINAL = new Set(['resolved', 'failed', 'cancelled']);

/**
 * Playbook runs: an ended run is deleted, with its timeline and its approvals, `ms` after it
 * ended; past `max`, the oldest ended runs go first. A run not yet ended is never touched.
 */
export class RunRetention implements RecordSweep {
  readonly record = 'run';
  readonly #scripts: ScriptRunner;
  readonly #age = new IndexWalk();
  readonly #count = new IndexWalk();
  #approvals = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly policy: RunRetentionPolicy,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    this.#approvals = 0;
    // A run ends after it starts: one created after the cutoff cannot have ended before it.
    const cutoff = now - this.policy.ms;
    const age = await this.#age.step(
      (offset, count) =>
        this.redis.zrangebyscore(this.keys.runIndex, '-inf', cutoff, 'LIMIT', offset, count),
      batch,
      (id) => this.examine(id, cutoff),
    );
    let removed = age.removed;
    let more = age.more;
    const excess = (await this.redis.zcard(this.keys.runIndex)) - this.policy.max;
    if (excess > 0) {
      const count = await this.#count.step(
        (offset, n) => this.redis.zrange(this.keys.runIndex, offset, offset + n - 1),
        Math.min(excess, batch),
        (id) => this.examine(id, now),
      );
      removed += count.removed;
      more ||= count.more && count.removed > 0;
    }
    return { removed: { run: removed, approval: this.#approvals }, more };
  }

  /** Deletes one run (approvals first) if it ended at or before `cutoff`; true when it stays. */
  private async examine(id: string, cutoff: number): Promise<boolean> {
    const [status, endedAt, updatedAt] = await this.redis.hmget(
      this.keys.run(id),
      'status',
      'endedAt',
      'updatedAt',
    );
    if (status !== null && status !== undefined) {
      if (!FINAL.has(status) || Number(endedAt ?? updatedAt ?? 0) > cutoff) return true;
      if ((await this.redis.sismember(this.keys.runActive, id)) === 1) return true;
      // An ended run never changes again, so its approvals can go before the run itself.
      for (const approvalId of await this.redis.smembers(this.keys.runApprovals(id))) {
        this.#approvals += Number(
          await this.#scripts.run(
            'deleteApproval',
            [this.keys.approval(approvalId), this.keys.approvalIndex, this.keys.approvalPending],
            [approvalId],
          ),
        );
      }
    }
    const code = Number(
      await this.#scripts.run(
        'deleteRun',
        [
          this.keys.run(id),
          this.keys.runTimeline(id),
          this.keys.runApplied(id),
          this.keys.runApprovals(id),
          this.keys.runIndex,
          this.keys.runActive,
          this.keys.incidentRuns(await this.incidentOf(id)),
        ],
        [id, cutoff],
      ),
    );
    return code === 0;
  }

  private async incidentOf(runId: string): Promise<string> {
    return (await this.redis.hget(this.keys.run(runId), 'incidentId')) ?? '';
  }
}
