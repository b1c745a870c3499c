import { isMonotoneThreshold } from '../engine/aggregation.js';
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

/** `n` of a value, as matches show it. */
export function figure(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 1e6) / 1e6;
}
