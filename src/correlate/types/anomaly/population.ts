import type { Fire, GroupFire, SharedRuleState } from '../../engine/runtime.js';
import type { AnomalyParams } from './settings.js';

/**
 * What an anomaly rule keeps across its groups (SharedRuleState): the population baseline
 * (`baseline.scope: population`) and the top-k candidates (`top_k`). Both change only as
 * windows close, and windows of a period are committed to the population only once every
 * group's window of that period has closed, in an order fixed by the data (period, then a hash
 * of the group key), so the outcome never depends on arrival order, partitions or crashes.
 */
export interface AnomalyShared {
  /** Window vectors of every group, from committed periods, oldest first; at most `reservoir`. */
  pop: number[][];
  /** Mean and variance per feature over `pop` (recomputed at each commit). */
  mean: number[];
  variance: number[];
  /** Windows committed so far (the forest's seed takes it). */
  seen: number;
  /** Closed windows of periods not yet committed: [period, group key, vector]. */
  staged: [number, string, number[]][];
  /** top_k candidates of periods not yet decided: [period, group key, values, score, fire]. */
  pending: [number, string, string[], number, Fire][];
}

export function createShared(d: number): AnomalyShared {
  return {
    pop: [],
    mean: new Array<number>(d).fill(0),
    variance: new Array<number>(d).fill(0),
    seen: 0,
    staged: [],
    pending: [],
  };
}

/** Commits the staged windows of periods before `period` to the population, in a fixed order. */
export function commitBefore(s: AnomalyShared, period: number, reservoir: number): void {
  if (s.staged.length === 0 || !s.staged.some(([k]) => k < period)) return;
  const ready = s.staged.filter(([k]) => k < period);
  s.staged = s.staged.filter(([k]) => k >= period);
  // Within a period, by a hash of the key: the reservoir keeps an unbiased share of a period
  // with more groups than it holds, not the last keys in alphabetical order.
  ready.sort(([ka, a], [kb, b]) => ka - kb || hashOf(a, ka) - hashOf(b, kb) || (a < b ? -1 : 1));
  for (const [, , x] of ready) {
    s.pop.push(x);
    s.seen += 1;
  }
  if (s.pop.length > reservoir) s.pop.splice(0, s.pop.length - reservoir);
  const n = s.pop.length;
  for (let i = 0; i < s.mean.length; i += 1) {
    let sum = 0;
    for (const v of s.pop) sum += v[i] as number;
    const mean = sum / n;
    let sq = 0;
    for (const v of s.pop) sq += ((v[i] as number) - mean) ** 2;
    s.mean[i] = mean;
    s.variance[i] = n > 1 ? sq / (n - 1) : 0;
  }
}

export function sharedState(
  params: AnomalyParams,
  d: number,
  timespanMs: number,
  latenessMs: number,
): SharedRuleState<AnomalyShared> {
  return {
    create: () => createShared(d),
    flush(s, watermark) {
      // Periods whose every window has closed: (k + 1)·T + L ≤ watermark.
      const done = Math.floor((watermark - latenessMs) / timespanMs);
      if (params.scope === 'population') commitBefore(s, done, params.reservoir);
      if (params.topK === undefined || s.pending.length === 0) return [];
      const ready = s.pending.filter(([k]) => k < done);
      if (ready.length === 0) return [];
      s.pending = s.pending.filter(([k]) => k >= done);
      ready.sort(([ka, a, , sa], [kb, b, , sb]) => ka - kb || sb - sa || (a < b ? -1 : 1));
      const out: GroupFire[] = [];
      let period = Number.NaN;
      let taken = 0;
      for (const [k, key, values, , fire] of ready) {
        if (k !== period) {
          period = k;
          taken = 0;
        }
        if ((taken += 1) > params.topK) continue;
        out.push({ key, values, fire: ranked(fire, taken, ready, k) });
      }
      return out;
    },
    encode: (s) => s,
    decode: (data) => structuredClone(data) as AnomalyShared,
  };
}

/** The fire with its rank among the period's candidates, for the analyst. */
function ranked(
  fire: Fire,
  rank: number,
  all: readonly [number, string, string[], number, Fire][],
  period: number,
): Fire {
  const candidates = all.filter(([k]) => k === period).length;
  return {
    ...fire,
    evaluation: {
      ...fire.evaluation,
      aggregate: { ...fire.evaluation.aggregate, rank, candidates },
    },
  };
}

/** FNV-1a of the key and period, 32-bit. */
function hashOf(key: string, period: number): number {
  let h = 0x811c9dc5 ^ (period & 0xffff);
  for (let i = 0; i < key.length; i += 1) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
