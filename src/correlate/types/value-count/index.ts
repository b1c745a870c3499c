import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution, Evaluation, RuleRuntime } from '../../engine/runtime.js';
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
  const make = (): DistinctAccumulator => new Distinct(test);
  return { accumulator: make, scan: (w) => scanWith(make, w) };
}

/**
 * Occurrences per distinct value. A class, not an object of closures: a window's accumulator
 * is made again at every rebuild and lives as long as the group.
 */
class Distinct implements DistinctAccumulator {
  readonly #seen = new Map<string, number>();
  #n = 0;

  constructor(private readonly test: (value: number) => boolean) {}

  get distinct(): number {
    return this.#seen.size;
  }

  add(c: Contribution): void {
    const v = c.value as string;
    this.#seen.set(v, (this.#seen.get(v) ?? 0) + 1);
    this.#n += 1;
  }

  remove(c: Contribution): void {
    const v = c.value as string;
    const left = (this.#seen.get(v) ?? 1) - 1;
    if (left === 0) this.#seen.delete(v);
    else this.#seen.set(v, left);
    this.#n -= 1;
  }

  met(): boolean {
    return this.#n > 0 && this.test(this.#seen.size);
  }

  result(): Evaluation {
    const values: string[] = [];
    for (const v of this.#seen.keys()) {
      if (values.length >= SAMPLE_VALUES) break;
      values.push(v);
    }
    return {
      met: this.#n > 0 && this.test(this.#seen.size),
      count: this.#n,
      aggregate: { distinct: this.#seen.size, values },
    };
  }
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
    // A sketch cannot take one value back: once switched, a withdrawn inner match stays counted.
    forget: (g, ref) => (g.e ? (exact.forget?.(g.e, ref) ?? []) : []),
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
