/**
 * Exponentially weighted mean and variance of one feature (Finch 2009, "Incremental
 * calculation of weighted mean and variance"): the group's own baseline, against which each
 * window's feature values are explained as z-scores.
 */
export interface Ewma {
  /** Mean per feature. */
  readonly mean: number[];
  /** Variance per feature. */
  readonly variance: number[];
}

export function updateEwma(b: Ewma, x: readonly number[], alpha: number, first: boolean): void {
  for (let i = 0; i < x.length; i += 1) {
    const v = x[i] as number;
    if (first) {
      b.mean[i] = v;
      b.variance[i] = 0;
      continue;
    }
    const diff = v - (b.mean[i] as number);
    const incr = alpha * diff;
    b.mean[i] = (b.mean[i] as number) + incr;
    b.variance[i] = (1 - alpha) * ((b.variance[i] as number) + diff * incr);
  }
}

/**
 * z of `value` against a mean and variance, the deviation floored at `unit` and at 5 % of the
 * mean (no ∞ on a flat baseline, and no alarm at one histogram bin's step).
 */
export function zScore(value: number, mean: number, variance: number, unit: number): number {
  return (value - mean) / deviation(mean, variance, unit);
}

/** The deviation z-scores divide by: the EWMA stdev, floored at `unit` and 5 % of the mean. */
export function deviation(mean: number, variance: number, unit: number): number {
  return Math.max(Math.sqrt(Math.max(0, variance)), unit, 0.05 * Math.abs(mean));
}
