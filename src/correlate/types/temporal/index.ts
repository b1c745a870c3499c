import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith } from '../../engine/aggregation.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { Condition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, thresholdFiring } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';
import { presenceTest } from './boolean.js';

/**
 * Sigma temporal: the referenced rules all matched (or, with a boolean condition, the
 * expression over them holds) within the timespan for the same group, in any order. Joins
 * across sources go through `aliases`. Without a NOT it fires at the event that completes it;
 * with a NOT it waits for the window to close, since an absence is only known then; so does a
 * pySigma threshold other than gt/gte (`{ lt: 2 }`), which a later rule could falsify.
 */
export const temporal: CorrelationTypeModule = {
  name: 'temporal',
  extension: false,
  bases: [],
  summary: 'the referenced rules matched within the timespan for the same group, in any order',
  condition: 'boolean',
  field: 'none',
  value: () => 'none',
  windows: ALL_WINDOWS,
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  inputs: { min: 2 },
  extensionKeys: [],
  parse: () => ({}),
  // A pySigma threshold on how many rules were seen is a count like any other: gt/gte only
  // become true as rules appear, lt/lte/eq/neq can be falsified by a later one.
  firing: (condition: Condition | undefined) =>
    condition?.kind === 'boolean'
      ? condition.negated
        ? 'on-close'
        : 'eager'
      : thresholdFiring(condition),
  runtime(rule) {
    const n = rule.inputs.length;
    const test = presenceTest(rule.condition, n);
    const names = rule.inputs.map((i) => i.key);
    const make = (): Accumulator => {
      const counts = new Array<number>(n).fill(0);
      let total = 0;
      return {
        add(c) {
          counts[c.input] = (counts[c.input] ?? 0) + 1;
          total += 1;
        },
        remove(c) {
          counts[c.input] = (counts[c.input] ?? 0) - 1;
          total -= 1;
        },
        met: () => total > 0 && test(counts.map((x) => x > 0)),
        result() {
          const present = counts.map((x) => x > 0);
          return {
            met: total > 0 && test(present),
            count: total,
            aggregate: { rules: Object.fromEntries(names.map((k, i) => [k, counts[i] ?? 0])) },
          };
        },
      };
    };
    return windowRuntime(rule, { accumulator: make, scan: (w) => scanWith(make, w) });
  },
};
