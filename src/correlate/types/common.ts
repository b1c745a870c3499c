import type { Accumulator } from '../engine/aggregation.js';
import { isMonotoneThreshold } from '../engine/aggregation.js';
import type { Contribution, Evaluation } from '../engine/runtime.js';
import type { Condition, FiringMode } from '../rule/types.js';

/** Windows that keep every event are bounded; longer spans need bucketed types. */
export const MAX_WINDOW_TIMESPAN_MS = 48 * 3_600_000;

export const ALL_WINDOWS = ['sliding', 'tumbling', 'session'] as const;

/**
 * Eager for conditions that only become true as (non-negative) events are added — gt, gte —
 * on-close for any condition more events could make false again (lt, lte, eq, neq, ranges).
 */
export function thresholdFiring(condition: Condition | undefined): FiringMode {
  if (condition?.kind !== 'threshold') return 'eager';
  return isMonotoneThreshold(condition) ? 'eager' : 'on-close';
}

/** Count and sum of a window's numeric values; `of` says which figure the condition reads. */
export class SumAccumulator implements Accumulator {
  n = 0;
  sum = 0;

  constructor(
    private readonly test: (value: number) => boolean,
    private readonly of: 'sum' | 'avg',
  ) {}

  add(c: Contribution): void {
    this.n += 1;
    this.sum += c.value as number;
  }

  remove(c: Contribution): void {
    this.n -= 1;
    this.sum -= c.value as number;
    if (this.n === 0) this.sum = 0; // no floating-point drift survives an empty window
  }

  figure(): number {
    return this.of === 'sum' ? this.sum : this.n === 0 ? 0 : this.sum / this.n;
  }

  met(): boolean {
    return this.n > 0 && this.test(this.figure());
  }

  result(): Evaluation {
    return { met: this.met(), count: this.n, aggregate: { value: figure(this.figure()) } };
  }
}

/** `n` of a value, as matches show it. */
export function figure(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 1e6) / 1e6;
}
