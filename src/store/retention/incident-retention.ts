import type { RedisClient } from '../redis.js';
import { MATCH_MEMORY_MS, type IncidentStore } from '../incident-store.js';
import type { Keys } from '../keys.js';
import { ScriptRunner } from '../redis-scripts.js';
import { IndexWalk, type RecordSweep, type RoundResult } from './record-sweep.js';

export interface IncidentRetentionPolicy {
  readonly resolvedMs: number;
  readonly idleMs: number;
  readonly max: number;
}

/** Who the incident says resolved it when retention closes it. */
export const RETENTION_PRINCIPAL = 'cordon:retention';

/**
 * Incidents: a resolved one is deleted `resolvedMs` after its resolution; an open one with no
 * match for `idleMs` is resolved (and deleted one period later). Past `max`, the oldest go first:
 * resolved ones deleted, open ones resolved and deleted. An incident with a running playbook is
 * never touched. Also forgets recorded match ids past their memory when no matches arrive.
 */
export class IncidentRetention implements RecordSweep {
  readonly record = 'incident';
  readonly #scripts: ScriptRunner;
  readonly #age = new IndexWalk();
  readonly #count = new IndexWalk();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly incidents: IncidentStore,
    private readonly policy: IncidentRetentionPolicy,
    /** Told of each incident retention resolves (for metrics). */
    private readonly onClosed: (reason: 'idle' | 'count') => void,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async round(now: number, batch: number): Promise<RoundResult> {
    const cutoff = now - Math.min(this.policy.resolvedMs, this.policy.idleMs);
    const age = await this.#age.step(
      (offset, count) =>
        this.redis.zrangebyscore(this.keys.incidentIndex, '-inf', cutoff, 'LIMIT', offset, count),
      batch,
      (id) => this.examine(id, now, false),
    );
    let removed = age.removed;
    let more = age.more;
    const excess = (await this.redis.zcard(this.keys.incidentIndex)) - this.policy.max;
    if (excess > 0) {
      const step = Math.min(excess, batch);
      const count = await this.#count.step(
        (offset, n) => this.redis.zrange(this.keys.incidentIndex, offset, offset + n - 1),
        step,
        (id) => this.examine(id, now, true),
      );
      removed += count.removed;
      more ||= count.more && count.removed > 0;
    }
    const forgotten = Number(
      await this.#scripts.run(
        'forgetOlder',
        [`${this.keys.incidentByMatch}:time`, this.keys.incidentByMatch],
        [now - MATCH_MEMORY_MS, batch],
      ),
    );
    return {
      removed: { incident: removed, match_id: forgotten },
      more: more || forgotten >= batch,
    };
  }

  /** Deletes or closes one incident if due; true when it stays. */
  private async examine(id: string, now: number, overCount: boolean): Promise<boolean> {
    const [status, updatedAt] = await this.redis.hmget(
      this.keys.incident(id),
      'status',
      'updatedAt',
    );
    if (status === 'open') {
      const idle = Number(updatedAt ?? 0) <= now - this.policy.idleMs;
      if (!overCount && !idle) return true;
      if (await this.hasActiveRun(id)) return true;
      const reason = overCount ? 'count' : 'idle';
      const comment =
        reason === 'count'
          ? `Closed by retention: more than CORDON_RETENTION_INCIDENTS_MAX (${this.policy.max}) incidents are kept, and this was among the oldest.`
          : `Closed by retention: no match for CORDON_RETENTION_INCIDENTS_IDLE_MS (${this.policy.idleMs} ms).`;
      if ((await this.incidents.resolve(id, RETENTION_PRINCIPAL, comment, now)) === 'resolved')
        this.onClosed(reason);
      if (!overCount) return true;
    }
    const code = Number(
      await this.#scripts.run(
        'deleteIncident',
        [
          this.keys.incident(id),
          this.keys.incidentMatches(id),
          this.keys.incidentRuns(id),
          this.keys.incidentIndex,
          this.keys.runActive,
          this.keys.incidentOpen,
        ],
        [id, overCount ? now : now - this.policy.resolvedMs],
      ),
    );
    return code !== 1 && code !== -1;
  }

  private async hasActiveRun(id: string): Promise<boolean> {
    const runs = await this.redis.smembers(this.keys.incidentRuns(id));
    if (runs.length === 0) return false;
    const active = await this.redis.smismember(this.keys.runActive, ...runs);
    return active.some((a) => a === 1);
  }
}
