/**
 * One kind of record under retention. A round does a bounded amount of work (at most `batch`
 * records examined per rule) and says whether more is due now, so the sweeper repeats rounds
 * until caught up without any one Redis call growing with the backlog.
 */
export interface RecordSweep {
  /** Metric label: incident, run, approval, effect, case, limiter_history, ... */
  readonly record: string;
  round(now: number, batch: number): Promise<RoundResult>;
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
