import type { RedisClient } from '../redis.js';

/**
 * One kind of record under retention. A round does a bounded amount of work (at most `batch`
 * records examined per rule) and says whether more is due now, so the sweeper repeats rounds
 * until caught up without any one Redis call growing with the backlog.
 */
export interface RecordSweep {
  /** Metric label: incident, run, approval, effect, case, limiter_history, ... */
  readonly record: string;
  round(now: number, batch: number, context: SweepContext): Promise<RoundResult>;
}

/** What a pass knows that some sweeps need. */
export interface SweepContext {
  /**
   * The oldest event-log entry some correlator has not checkpointed past ('0-0': none known):
   * nothing it still has to read may be taken from under it.
   */
  readonly keepFrom: string;
}

export interface RoundResult {
  /** Records deleted, by metric label (a run's approvals go with it). */
  readonly removed: Readonly<Record<string, number>>;
  /** A full batch was examined: more may be due, run another round. */
  readonly more: boolean;
}

/**
 * Walks a time-scored index from its oldest member up to a cutoff, a batch per step, across
 * steps. Records a step keeps stay in the index, so the next step starts past them (an offset
 * of kept records) while deleted ones leave it. At the end the walk starts over: a kept record
 * is looked at again next cycle, and a long run of kept ones never stalls the sweep.
 */
export class IndexWalk {
  #offset = 0;

  /**
   * `read(offset, count)` lists index members oldest first; `examine(id)` deletes one if due
   * and says whether it was kept.
   */
  async step(
    read: (offset: number, count: number) => Promise<string[]>,
    batch: number,
    examine: (id: string) => Promise<boolean>,
  ): Promise<{ readonly removed: number; readonly more: boolean }> {
    const ids = await read(this.#offset, batch);
    const kept = (await Promise.all(ids.map(examine))).filter(Boolean).length;
    const more = ids.length >= batch;
    this.#offset = more ? this.#offset + kept : 0;
    return { removed: ids.length - kept, more };
  }
}

export function sum(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export interface AgeAndCountPolicy {
  readonly ms: number;
  readonly max: number;
}

/**
 * One round over a time-scored index whose records a script may refuse to delete (a guarded
 * one is re-dated to now instead): the members older than `ms`, then the oldest past `max`.
 * `remove` deletes what it can of the ids given and says how many went.
 */
export async function guardedAgeAndCountRound(
  redis: RedisClient,
  index: string,
  policy: AgeAndCountPolicy,
  now: number,
  batch: number,
  remove: (ids: readonly string[]) => Promise<number>,
): Promise<{ readonly removed: number; readonly more: boolean }> {
  const old = await redis.zrangebyscore(index, '-inf', now - policy.ms, 'LIMIT', 0, batch);
  let removed = await remove(old);
  let more = old.length >= batch;
  const excess = (await redis.zcard(index)) - policy.max;
  if (excess > 0) {
    const oldest = await redis.zrange(index, 0, Math.min(excess, batch) - 1);
    const n = await remove(oldest);
    removed += n;
    // Kept ones were re-dated to now: another round reaches the next oldest.
    more ||= n > 0 && excess > n;
  }
  return { removed, more };
}
