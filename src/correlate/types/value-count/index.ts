import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution, RuleRuntime } from '../../engine/runtime.js';
import type { SlidingState } from '../../engine/windows/sliding.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';
import { ALL_WINDOWS, MAX_WINDOW_TIMESPAN_MS, thresholdFiring } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';
import { approximateRuntime, type ApproxState } from './approximate.js';

/** Values listed in a match, at most. */
const SAMPLE_VALUES = 20;

/**
 * Sigma value_count: distinct values of a field (or of a tuple of fields, Sigma 2024-12) per
 * group in the window. Counts are exact and incremental (a map of value → occurrences, O(1) per
 * event) while a group's window holds at most max(maxDistinctExact, 10 × threshold) distinct
 * values; a sliding, eagerly fired group that goes beyond switches to HyperLogLog sketches over
 * sixteen sub-buckets of the window (about 1.6 % error, window edges at 1/16 of the timespan)
 * and its matches say `approximate: true`.
 */
export const valueCount: CorrelationTypeModule = {
  name: 'value_count',
  extension: false,
  bases: [],
  summary: 'counts distinct values of a field (or tuple) per group',
  condition: 'threshold',
  field: 'tuple',
  value: () => 'text',
  windows: ALL_WINDOWS,
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: [],
  parse: () => ({}),
  firing: thresholdFiring,
  runtime(rule, ctx) {
    const exact = windowRuntime(rule, distinctAggregation(rule)) as RuleRuntime<SlidingState>;
    if (rule.window.kind !== 'sliding' || rule.firing !== 'eager') return exact;
    const condition = rule.condition as ThresholdCondition | undefined;
    const threshold = Math.max(0, ...(condition?.bounds.map((b) => b.value) ?? [0]));
    const cap = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
    const limit = Math.min(cap, Math.max(ctx.maxDistinctExact, 10 * threshold));
    return switchingRuntime(rule, exact, approximateRuntime(rule), limit);
  },
};

interface DistinctAccumulator extends Accumulator {
  readonly distinct: number;
}

function distinctAggregation(rule: CompiledCorrelation): {
  accumulator(): DistinctAccumulator;
  scan: (w: readonly Contribution[]) => ReturnType<Accumulator['result']>;
} {
  const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
  const make = (): DistinctAccumulator => {
    const seen = new Map<string, number>();
    let n = 0;
    return {
      get distinct() {
        return seen.size;
      },
      add(c) {
        const v = c.value as string;
        seen.set(v, (seen.get(v) ?? 0) + 1);
        n += 1;
      },
      remove(c) {
        const v = c.value as string;
        const left = (seen.get(v) ?? 1) - 1;
        if (left === 0) seen.delete(v);
        else seen.set(v, left);
        n -= 1;
      },
      met: () => n > 0 && test(seen.size),
      result() {
        const values: string[] = [];
        for (const v of seen.keys()) {
          if (values.length >= SAMPLE_VALUES) break;
          values.push(v);
        }
        return {
          met: n > 0 && test(seen.size),
          count: n,
          aggregate: { distinct: seen.size, values },
        };
      },
    };
  };
  return { accumulator: make, scan: (w) => scanWith(make, w) };
}

type Switching = { e?: SlidingState; a?: ApproxState };

/** Exact until a window holds more than `limit` distinct values, then sketches. */
function switchingRuntime(
  rule: CompiledCorrelation,
  exact: RuleRuntime<SlidingState>,
  approx: RuleRuntime<ApproxState> & { fromContributions(g: SlidingState): ApproxState },
  limit: number,
): RuleRuntime<Switching> {
  return {
    rule,
    create: () => ({ e: exact.create() }),
    add(g, c, ctx) {
      if (g.a) return approx.add(g.a, c, ctx);
      const e = g.e ?? (g.e = exact.create());
      const fires = exact.add(e, c, ctx);
      const acc = e.acc as DistinctAccumulator | undefined;
      // A window past the limit also meets the (gt/gte) threshold, so it has just fired: under
      // `reset` the fire consumed it (the accumulator is invalid then); under `continue` it stays
      // and keeps growing, which is what the sketches are for.
      if (e.accValid && acc && acc.distinct > limit) {
        g.a = approx.fromContributions(e);
        delete g.e;
      }
      return fires;
    },
    nextClose: () => undefined,
    close: () => [],
    prune(g, watermark) {
      if (g.a) return approx.prune(g.a, watermark);
      return g.e ? exact.prune(g.e, watermark) : true;
    },
    encode: (g) => (g.a ? { a: approx.encode(g.a) } : { e: exact.encode(g.e ?? exact.create()) }),
    decode(data) {
      const d = data as { a?: unknown; e?: unknown };
      return d.a !== undefined ? { a: approx.decode(d.a) } : { e: exact.decode(d.e) };
    },
  };
}
