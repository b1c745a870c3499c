import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { ThresholdCondition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, SumAccumulator, thresholdFiring } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';

/**
 * Sigma value_sum: the sum of a numeric field per group in the window. gt/gte fire eagerly,
 * at the event that crosses the threshold (exact for non-negative amounts such as tokens or
 * cost); other conditions when the window closes. Events whose field is not a number are
 * skipped and counted.
 */
export const valueSum: CorrelationTypeModule = {
  name: 'value_sum',
  extension: false,
  bases: [],
  summary: 'sums a numeric field per group',
  condition: 'threshold',
  field: 'required',
  value: () => 'number',
  windows: ALL_WINDOWS,
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: [],
  parse: () => ({}),
  firing: thresholdFiring,
  runtime(rule) {
    const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
    const make = (): Accumulator => new SumAccumulator(test, 'sum');
    return windowRuntime(rule, { accumulator: make, scan: (w) => scanWith(make, w) });
  },
};
