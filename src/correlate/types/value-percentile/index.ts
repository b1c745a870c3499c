import { thresholdTest } from '../../engine/aggregation.js';
import type { Contribution } from '../../engine/runtime.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { ThresholdCondition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, figure } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';

/** pySigma's default when `condition.percentile` is not given. */
export const DEFAULT_PERCENTILE = 95;

/**
 * Sigma value_percentile: the P-th percentile (nearest rank) of a numeric field per group in
 * the window, decided when the window closes. `condition.percentile` picks P (default 95, as
 * pySigma); pySigma's value_median is the same with P = 50.
 */
export const valuePercentile: CorrelationTypeModule = percentileModule('value_percentile');
export const valueMedian: CorrelationTypeModule = percentileModule('value_median', 50);

function percentileModule(name: string, fixed?: number): CorrelationTypeModule {
  return {
    name,
    extension: false,
    bases: [],
    summary:
      fixed === undefined
        ? 'a percentile of a numeric field per group'
        : 'the median of a numeric field per group',
    condition: 'threshold',
    field: 'required',
    percentile: fixed === undefined,
    value: () => 'number',
    windows: ALL_WINDOWS,
    maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
    extensionKeys: [],
    parse: () => ({}),
    firing: () => 'on-close',
    eagerAllowed: true,
    runtime(rule) {
      const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
      const p =
        fixed ??
        (typeof rule.params.percentile === 'number' ? rule.params.percentile : DEFAULT_PERCENTILE);
      return windowRuntime(rule, {
        accumulator: () => undefined,
        scan(window: readonly Contribution[]) {
          if (window.length === 0) return { met: false, count: 0, aggregate: {} };
          const values = window.map((c) => c.value as number).sort((a, b) => a - b);
          const rank = Math.max(1, Math.ceil((p / 100) * values.length));
          const value = values[rank - 1] as number;
          return {
            met: test(value),
            count: values.length,
            aggregate: { value: figure(value), percentile: p },
          };
        },
      });
    },
  };
}
