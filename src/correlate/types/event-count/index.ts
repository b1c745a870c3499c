import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution } from '../../engine/runtime.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, thresholdFiring } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';

/** Sigma event_count: the number of events per group in the window against the condition. */
export const eventCount: CorrelationTypeModule = {
  name: 'event_count',
  extension: false,
  bases: [],
  summary: 'counts events per group',
  condition: 'threshold',
  field: 'none',
  value: () => 'none',
  windows: ALL_WINDOWS,
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: [],
  parse: () => ({}),
  firing: thresholdFiring,
  runtime: (rule) => windowRuntime(rule, countAggregation(rule)),
};

export function countAggregation(rule: CompiledCorrelation): {
  accumulator(): Accumulator;
  scan(window: readonly Contribution[]): ReturnType<Accumulator['result']>;
} {
  const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
  const make = (): Accumulator => {
    let n = 0;
    return {
      add: () => {
        n += 1;
      },
      remove: () => {
        n -= 1;
      },
      result: () => ({ met: test(n), count: n, aggregate: { count: n } }),
    };
  };
  return { accumulator: make, scan: (window) => scanWith(make, window) };
}
