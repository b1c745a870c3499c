import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { ThresholdCondition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, SumAccumulator } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';

/**
 * Sigma value_avg: the mean of a numeric field per group in the window. An average can move
 * either way as events arrive, so it is decided when the window closes.
 */
export const valueAvg: CorrelationTypeModule = {
  name: 'value_avg',
  extension: false,
  bases: [],
  summary: 'averages a numeric field per group',
  condition: 'threshold',
  field: 'required',
  value: () => 'number',
  windows: ALL_WINDOWS,
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: [],
  parse: () => ({}),
  firing: () => 'on-close',
  eagerAllowed: true,
  runtime(rule) {
    const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
    const make = (): Accumulator => new SumAccumulator(test, 'avg');
    return windowRuntime(rule, { accumulator: make, scan: (w) => scanWith(make, w) });
  },
};
