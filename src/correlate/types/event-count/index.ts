import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution, Evaluation } from '../../engine/runtime.js';
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
  const make = (): Accumulator => new CountAccumulator(test);
  return { accumulator: make, scan: (window) => scanWith(make, window) };
}

class CountAccumulator implements Accumulator {
  n = 0;

  constructor(private readonly test: (n: number) => boolean) {}

  add(): void {
    this.n += 1;
  }

  remove(): void {
    this.n -= 1;
  }

  met(): boolean {
    return this.test(this.n);
  }

  result(): Evaluation {
    return { met: this.test(this.n), count: this.n, aggregate: { count: this.n } };
  }
}
