import type { ThresholdCondition, ThresholdOp } from '../rule/types.js';
import type { Contribution, Evaluation } from './runtime.js';

/**
 * What a window-based correlation type computes over the contributions of one window. The
 * shared window machinery (sliding, tumbling, session) decides which windows exist and when
 * they are evaluated; the type decides what a window is worth.
 */
export interface Aggregation {
  /** A fresh incremental accumulator, or undefined when windows are evaluated by scanning. */
  accumulator(): Accumulator | undefined;
  /** Evaluates one whole window (contributions in (time, ref) order). */
  scan(window: readonly Contribution[]): ScanResult;
  /**
   * For scanning types evaluated eagerly: whether this contribution can be the one that
   * completes a window (an ordered sequence completes only at a last step).
   */
  completes?(c: Contribution): boolean;
}

/**
 * Keeps a window's figure up to date as contributions enter and leave it. `met()` is the
 * per-event check and allocates nothing; `result()` builds the figures, only for a window that
 * fires.
 */
export interface Accumulator {
  add(c: Contribution): void;
  remove(c: Contribution): void;
  met(): boolean;
  result(): Evaluation;
}

export interface ScanResult extends Evaluation {
  /** The contributions the match consists of (default: the whole window). */
  readonly used?: readonly Contribution[];
}

/** Scans with a fresh accumulator: the default for accumulating types. */
export function scanWith(make: () => Accumulator, window: readonly Contribution[]): Evaluation {
  const acc = make();
  for (let i = 0; i < window.length; i += 1) acc.add(window[i] as Contribution);
  return acc.result();
}

const COMPARE: Record<ThresholdOp, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
};

/** Compiles a Sigma threshold (one comparison or a range) into a test. */
export function thresholdTest(
  condition: ThresholdCondition | undefined,
): (value: number) => boolean {
  if (!condition) return () => true;
  const tests = condition.bounds.map((b) => {
    const cmp = COMPARE[b.op];
    return (v: number): boolean => cmp(v, b.value);
  });
  const [only] = tests;
  if (tests.length === 1 && only) return only;
  return (v) => tests.every((t) => t(v));
}

/**
 * Whether a threshold can only become true, never false again, as non-negative amounts are
 * added: such a condition fires eagerly, at the event that crosses it.
 */
export function isMonotoneThreshold(condition: ThresholdCondition | undefined): boolean {
  if (!condition) return true;
  return condition.bounds.every((b) => b.op === 'gt' || b.op === 'gte');
}
