import { describe } from '../../../shared/duration.js';
import { checkKeys, isMapping } from '../../../shared/shape.js';
import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution, Evaluation, RuleRuntime } from '../../engine/runtime.js';
import { windowRuntime } from '../../engine/windows/index.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';
import { MAX_WINDOW_TIMESPAN_MS, figure } from '../common.js';
import { readDuration, readPositive } from '../extension-settings.js';
import { BucketTotals } from './bucket-totals.js';
import type { CorrelationTypeModule } from '../type-module.js';

const MAX_BASELINE_MS = 90 * 86_400_000;
const DEFAULTS = { windowMs: 7 * 86_400_000, sigma: 3, ratio: 2 };

/**
 * Cordon extension `baseline_spike`, over Sigma `event_count` (a rate) or `value_sum` (an
 * amount, such as tokens): fires when a group's figure over the timespan is both at least the
 * Sigma condition (the minimum volume, so a quiet group is never a spike) and above its own
 * baseline: more than mean + sigma × stdev and at least ratio × mean of the group's totals in
 * the preceding `baseline.window` (default 7d), in buckets of one timespan (empty buckets count
 * as zero). A heavy but steady user has a high mean and is not a spike. A group with no history
 * yet is judged by the minimum volume alone, unless `baseline.learning` asks it to wait; a group
 * with nothing in its baseline window has no history again (and learns again).
 */
export const baselineSpike: CorrelationTypeModule = {
  name: 'baseline_spike',
  extension: true,
  bases: ['event_count', 'value_sum'],
  summary: "a group's rate or amount far above its own rolling baseline, with a minimum volume",
  condition: 'threshold',
  field: 'optional',
  value: (_params, hasField) => (hasField ? 'number' : 'none'),
  windows: ['sliding', 'tumbling'],
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: ['baseline'],
  parse({ ctx, cordon, threshold }) {
    const raw = cordon.baseline ?? {};
    if (!isMapping(raw)) {
      ctx.sink.error(
        ['cordon', 'baseline'],
        'CORDON_ERR_YAML_NOT_MAPPING',
        `${ctx.subject} cordon.baseline must be a mapping; got ${describe(raw)}. Write e.g. "baseline: { window: 7d, sigma: 3, ratio: 2 }".`,
      );
      return undefined;
    }
    checkKeys(ctx.sink, ['cordon', 'baseline'], raw, `${ctx.subject} cordon.baseline`, {
      optional: ['window', 'sigma', 'ratio', 'learning'],
    });
    const at = ['cordon', 'baseline'];
    const windowMs = readDuration(ctx, raw, 'window', DEFAULTS.windowMs, MAX_BASELINE_MS, '7d', at);
    const learningMs = readDuration(ctx, raw, 'learning', 0, MAX_BASELINE_MS, '1d', at);
    const sigma = readPositive(
      ctx,
      ['cordon', 'baseline', 'sigma'],
      raw.sigma,
      DEFAULTS.sigma,
      'standard deviations above the mean',
    );
    const ratio = readPositive(
      ctx,
      ['cordon', 'baseline', 'ratio'],
      raw.ratio,
      DEFAULTS.ratio,
      'times the mean',
    );
    if (threshold?.some((b) => b.op !== 'gt' && b.op !== 'gte')) {
      ctx.sink.error(
        ['correlation', 'condition'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} baseline_spike reads its Sigma condition as the minimum volume, which must be gt or gte; got ${threshold.map((b) => b.op).join(', ')}. Write e.g. "condition: { gte: 100 }".`,
      );
      return undefined;
    }
    if ([windowMs, learningMs, sigma, ratio].some((v) => v === undefined)) return undefined;
    return { baselineMs: windowMs, learningMs, sigma, ratio };
  },
  firing: () => 'eager',
  runtime: baselineRuntime,
};

interface History {
  /** Bucket index of the group's first event. */
  first: number;
  /** Bucket index of the group's latest event. */
  last: number;
  /** Bucket index → total (count or sum). */
  totals: BucketTotals;
  /** Baseline of the buckets before `k` (not encoded). */
  cache?: { k: number; mean: number; stdev: number; n: number };
}

interface SpikeState {
  w: unknown;
  h: History;
}

function baselineRuntime(rule: CompiledCorrelation): RuleRuntime<SpikeState> {
  const B = rule.timespanMs;
  const H = rule.params.baselineMs as number;
  const sigma = rule.params.sigma as number;
  const ratio = rule.params.ratio as number;
  const learning = rule.params.learningMs as number;
  const sum = rule.value === 'number';
  const minimum = thresholdTest(rule.condition as ThresholdCondition | undefined);
  const amount = (c: Contribution): number => (sum ? (c.value as number) : 1);

  // The window machinery evaluates synchronously inside add(); this names the group it is
  // evaluating, so the accumulator can compare against that group's own history.
  let current: History | undefined;

  // The baseline is the buckets wholly before the window being judged: a sliding window
  // [t − T, t] reaches into the bucket before t's, and counting that bucket would put the
  // spike's own start into its baseline.
  const tumbling = rule.window.kind === 'tumbling';
  const baseline = (h: History, t: number): { mean: number; stdev: number; n: number } => {
    const k = Math.floor((tumbling ? t : t - B) / B);
    if (h.cache?.k === k) return h.cache;
    const lo = Math.max(h.first, k - Math.floor(H / B));
    const n = Math.max(0, k - lo);
    const { s, s2 } = h.totals.moments(lo, k);
    const mean = n === 0 ? 0 : s / n;
    const stdev = n === 0 ? 0 : Math.sqrt(Math.max(0, s2 / n - mean * mean));
    h.cache = { k, mean, stdev, n };
    return h.cache;
  };

  // A class, not an object of closures: a window's accumulator is made again at every rebuild
  // and lives as long as the group, and each closure was one more object to allocate and keep.
  class SpikeAccumulator implements Accumulator {
    n = 0;
    total = 0;
    // The window's end (its newest event): a window is judged against the buckets before the
    // one it ends in, whichever event (in order or late) made it be evaluated.
    end = -Infinity;

    add(c: Contribution): void {
      this.n += 1;
      this.total += amount(c);
      if (c.t > this.end) this.end = c.t;
    }

    remove(c: Contribution): void {
      this.n -= 1;
      this.total -= amount(c);
      if (this.n === 0) {
        this.total = 0;
        this.end = -Infinity;
      }
    }

    met(): boolean {
      // Decided without building anything (result() makes the match's figures): this runs
      // at every event, and a busy group is above the minimum volume at most of them.
      const total = this.total;
      if (this.n === 0 || !minimum(total) || !current) return false;
      const h = current;
      if (learning > 0 && this.end - h.first * B < learning) return false;
      const base = baseline(h, this.end);
      return total > base.mean + sigma * base.stdev && total >= ratio * base.mean;
    }

    result(): Evaluation {
      const { n, total } = this;
      const value = figure(total);
      if (n === 0 || !minimum(total) || !current)
        return { met: false, count: n, aggregate: { value } };
      const h = current;
      const t = this.end;
      if (learning > 0 && t - h.first * B < learning)
        return { met: false, count: n, aggregate: { value } };
      const base = baseline(h, t);
      const met = total > base.mean + sigma * base.stdev && total >= ratio * base.mean;
      const z = base.stdev > 0 ? (total - base.mean) / base.stdev : null;
      return {
        met,
        count: n,
        aggregate: {
          value,
          baseline: { mean: figure(base.mean), stdev: figure(base.stdev), buckets: base.n },
          z: z === null ? null : figure(z),
        },
      };
    }
  }
  const make = (): Accumulator => new SpikeAccumulator();

  const inner = windowRuntime(rule, { accumulator: make, scan: (w) => scanWith(make, w) });
  return {
    rule,
    create: () => ({
      w: inner.create(),
      h: { first: Infinity, last: -Infinity, totals: new BucketTotals() },
    }),
    add(g, c, ctx) {
      const k = Math.floor(c.t / B);
      if (g.h.last < Math.floor((c.t - H) / B)) {
        // Nothing in the baseline window before this event: the group has no history, as if
        // prune had already forgotten it, and learns again from here. Either way the outcome
        // is the same, whether or not other events moved the watermark on in between.
        g.h = { first: Infinity, last: -Infinity, totals: new BucketTotals() };
      }
      if (k < g.h.first) g.h.first = k;
      if (k > g.h.last) g.h.last = k;
      g.h.totals.add(k, amount(c));
      if (g.h.cache && k < g.h.cache.k) delete g.h.cache; // a late event changed a baseline bucket
      current = g.h;
      try {
        return inner.add(g.w, c, ctx);
      } finally {
        current = undefined;
      }
    },
    nextClose: () => undefined,
    close: () => [],
    // A withdrawn inner match leaves the window; the group's history (its baseline) keeps it.
    // Taking it back there would depend on whether the window still held it, which a sweep or
    // a reset decides, not the events: the outcome must not.
    forget: (g, ref) => inner.forget?.(g.w, ref) ?? [],
    prune(g, watermark) {
      const emptyWindow = inner.prune(g.w, watermark);
      const horizon = Math.floor((watermark - rule.allowedLatenessMs - B - H) / B);
      g.h.totals.dropBefore(horizon);
      return emptyWindow && g.h.totals.size === 0;
    },
    encode: (g) => ({ w: inner.encode(g.w), f: g.h.first, l: g.h.last, t: g.h.totals.entries() }),
    decode(data) {
      const d = data as { w: unknown; f: number | null; l?: number | null; t: [number, number][] };
      let last = d.l ?? -Infinity;
      if (d.l === undefined || d.l === null) for (const [k] of d.t) if (k > last) last = k;
      const sorted = [...d.t].sort((a, b) => a[0] - b[0]);
      const totals = new BucketTotals(
        sorted.map(([k]) => k),
        sorted.map(([, v]) => v),
      );
      return { w: inner.decode(d.w), h: { first: d.f ?? Infinity, last, totals } };
    },
  };
}
