import { ContributionBuffer, before } from '../../engine/contribution-buffer.js';
import type {
  Contribution,
  Fire,
  GroupAt,
  RuleRuntime,
  RuntimeContext,
} from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import { thresholdTest } from '../../engine/aggregation.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';
import { figure } from '../common.js';
import { deviation, updateEwma, zScore } from './baseline.js';
import type { FeatureKind } from './features/feature-kind.js';
import { featureKind } from './features/index.js';
import { isolationScore } from './isolation-forest.js';
import type { Random } from './prng.js';
import { mixSeed, mulberry32 } from './prng.js';
import type { AnomalyShared } from './population.js';
import { commitBefore, sharedState } from './population.js';
import type { AnomalyParams } from './settings.js';

/** A window being filled: feature accumulators and the first events, for the match. */
interface OpenWindow {
  readonly k: number;
  n: number;
  acc: unknown[];
  /** The events listed for the match, as columns (see ContributionBuffer). */
  items: ContributionBuffer;
  newest: Contribution | undefined;
}

/**
 * One group's state: its open windows (usually one), the feature vectors of its last
 * `reservoir` closed windows (oldest first), the EWMA baseline per feature, and what features
 * that compare with the past remember. Bounded: reservoir × features numbers, 2 × features for
 * the baseline, 64 values per remembering feature, and per open window at most 256 distinct
 * values per feature and the per-group event cap of listed events (cleared at close).
 */
export interface AnomalyState {
  open: OpenWindow[];
  /** Windows closed (scored or warming up) since the group (re)started. */
  seen: number;
  /** The latest window with an event; −∞ for a new group. */
  lastK: number;
  reservoir: number[][];
  mean: number[];
  variance: number[];
  memory: unknown[];
}

type FieldReader = (i: number) => string;

type EncodedWindow = [number, number, unknown[], [number, string, 0 | 1][]];
interface Encoded {
  o: EncodedWindow[];
  s: number;
  l: number | null;
  r: number[][];
  m: number[];
  v: number[];
  y: unknown[];
}

export function anomalyRuntime(
  rule: CompiledCorrelation,
  params: AnomalyParams,
): RuleRuntime<AnomalyState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const kinds: FeatureKind[] = params.features.map((f) => featureKind(f) as FeatureKind);
  const d = kinds.length;
  const minimum = thresholdTest(rule.condition as ThresholdCondition | undefined);
  // Each feature reads its fields out of the contribution's value: the rule's fields, joined.
  const reads = params.reads;
  const columns = kinds.map((k) => k.reads.map((p) => reads.indexOf(p)));
  // Each feature's field reader, made once: it reads the event being added (`current`), so
  // adding an event makes no closure per feature.
  let current: string[] = [];
  const readers: FieldReader[] = columns.map(
    (cols) =>
      (j: number): string =>
        current[cols[j] as number] ?? '',
  );
  const historyWindows = Math.ceil(params.historyMs / T);
  const ruleSeed = mixSeed(params.seed);

  const fresh = (): AnomalyState => ({
    open: [],
    seen: 0,
    lastK: -Infinity,
    reservoir: [],
    mean: new Array<number>(d).fill(0),
    variance: new Array<number>(d).fill(0),
    memory: new Array<unknown>(d).fill(undefined),
  });

  const windowOf = (g: AnomalyState, k: number): OpenWindow => {
    let i = 0;
    while (i < g.open.length && (g.open[i] as OpenWindow).k < k) i += 1;
    const at = g.open[i];
    if (at && at.k === k) return at;
    const w: OpenWindow = {
      k,
      n: 0,
      acc: kinds.map((f) => f.start()),
      items: new ContributionBuffer(),
      newest: undefined,
    };
    g.open.splice(i, 0, w);
    return w;
  };

  // Events listed per window for the match (the oldest, and the newest): the per-group cap
  // every window type keeps. Features count every event whatever the cap.
  const keep = (w: OpenWindow, c: Contribution, ctx: RuntimeContext): void => {
    const KEPT_REFS = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
    const items = w.items;
    const newest = w.newest === undefined || before(w.newest, c);
    const listed = items.length < KEPT_REFS || before(c, items.last() as Contribution);
    // The copy (without the value, which a window need not keep) only when it is kept.
    if (!newest && !listed) return;
    const slim: Contribution = {
      t: c.t,
      ref: c.ref,
      input: c.input,
      value: undefined,
      late: c.late,
    };
    if (newest) w.newest = slim;
    if (!listed) return;
    items.insert(slim, true);
    if (items.length > KEPT_REFS) items.removeRange(items.length - 1, items.length);
  };

  const population = params.scope === 'population';
  /**
   * Closes one window: its features, its score against the group's recent windows (or, with a
   * population baseline, every group's windows of earlier periods), the fire. With top_k the
   * fire waits in the rule's shared state for the period's ranking.
   */
  const closeWindow = (g: AnomalyState, w: OpenWindow, at?: GroupAt): Fire | undefined => {
    const start = w.k * T;
    const x = kinds.map((f, i) => f.value(w.acc[i], start, g.memory[i]));
    const shared = at?.shared as AnomalyShared | undefined;
    if (population && shared) commitBefore(shared, w.k, params.reservoir);
    // What the window is judged against: its baseline and the windows it is scored among.
    const base: { mean: number[]; variance: number[]; seen: number; windows: number[][] } =
      population && shared
        ? { mean: shared.mean, variance: shared.variance, seen: shared.seen, windows: shared.pop }
        : { mean: g.mean, variance: g.variance, seen: g.seen, windows: g.reservoir };
    let fire: Fire | undefined;
    if (base.seen >= params.warmup && base.windows.length > 0 && minimum(w.n)) {
      // Every feature in units of the baseline's deviation, so spreads compare across features.
      const scale = kinds.map((f, i) =>
        deviation(base.mean[i] as number, base.variance[i] as number, f.unit),
      );
      const points = sampleOf(base.windows, x, params.sample, ruleSeed, w.k, base.seen).map((p) =>
        p.map((v, i) => v / (scale[i] as number)),
      );
      const random = mulberryFor(ruleSeed, w.k, base.seen);
      const { score } = isolationScore(points, points.length - 1, params.trees, random, params.cut);
      if (score >= params.threshold) fire = fireOf(base, w, x, score);
      if (fire && params.topK !== undefined && shared && at) {
        shared.pending.push([w.k, at.key, [...at.values], score, fire]);
        fire = undefined;
      }
    }
    if (population && shared && at) shared.staged.push([w.k, at.key, x]);
    updateEwma(g, x, params.alpha, g.seen === 0);
    kinds.forEach((f, i) => {
      if (f.learn) g.memory[i] = f.learn(w.acc[i], g.memory[i], start);
    });
    // A population-judged group keeps no reservoir of its own.
    if (!population) {
      g.reservoir.push(x);
      if (g.reservoir.length > params.reservoir) g.reservoir.shift();
    }
    g.seen += 1;
    return fire;
  };

  const fireOf = (
    base: { mean: number[]; variance: number[]; windows: number[][] },
    w: OpenWindow,
    x: number[],
    score: number,
  ): Fire => {
    const explained = kinds
      .map((f, i) => {
        const mean = base.mean[i] as number;
        const z = zScore(x[i] as number, mean, base.variance[i] as number, f.unit);
        return {
          feature: f.name,
          value: figure(x[i] as number),
          mean: figure(mean),
          stdev: figure(Math.sqrt(Math.max(0, base.variance[i] as number))),
          z: figure(z),
        };
      })
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || (a.feature < b.feature ? -1 : 1));
    const features: Record<string, number> = {};
    kinds.forEach((f, i) => {
      features[f.name] = figure(x[i] as number);
    });
    const listed = w.items.toArray();
    const contributions =
      w.newest && !listed.some((c) => c.ref === w.newest?.ref && c.t === w.newest.t)
        ? [...listed, w.newest]
        : listed;
    return {
      windowStart: w.k * T,
      windowEnd: (w.k + 1) * T,
      contributions,
      evaluation: {
        met: true,
        count: w.n,
        aggregate: {
          score: figure(score),
          threshold: params.threshold,
          driver: explained[0]?.feature ?? '',
          features,
          explanation: explained,
          windows: base.windows.length,
          ...(population ? { baseline: 'population' } : {}),
        },
      },
      windowKey: `a${w.k}`,
      // Features count every event; some were not listed, evicted at the per-group cap.
      partial: w.n > contributions.length,
    };
  };

  return {
    rule,
    ...(population || params.topK !== undefined ? { shared: sharedState(params, d, T, L) } : {}),
    create: fresh,
    add(g, c: Contribution, ctx: RuntimeContext) {
      const k = Math.floor(c.t / T);
      if (k >= g.lastK + 1 + historyWindows && g.open.length === 0) {
        // Idle longer than the history: the group starts over, as it would had prune already
        // forgotten it, so the outcome never depends on when sweeps ran.
        Object.assign(g, fresh());
      }
      if (k > g.lastK) g.lastK = k;
      const w = windowOf(g, k);
      w.n += 1;
      current = typeof c.value === 'string' ? c.value.split('\u001f') : [];
      for (let i = 0; i < d; i += 1)
        w.acc[i] = (kinds[i] as FeatureKind).add(w.acc[i], readers[i] as FieldReader);
      keep(w, c, ctx);
      return NO_FIRES;
    },
    nextClose: (g) => (g.open.length === 0 ? undefined : ((g.open[0] as OpenWindow).k + 1) * T + L),
    close(g, watermark, _ctx, at) {
      let fires: Fire[] | undefined;
      while (g.open.length > 0 && ((g.open[0] as OpenWindow).k + 1) * T + L <= watermark) {
        const w = g.open.shift() as OpenWindow;
        const f = closeWindow(g, w, at);
        if (f) (fires ??= []).push(f);
      }
      return fires ?? NO_FIRES;
    },
    prune(g, watermark) {
      return g.open.length === 0 && Math.floor((watermark - L) / T) >= g.lastK + 1 + historyWindows;
    },
    encode(g): Encoded {
      return {
        o: g.open.map((w) => [
          w.k,
          w.n,
          w.acc,
          [...w.items.toArray(), ...(w.newest ? [w.newest] : [])].map((c) => [
            c.t,
            c.ref,
            c.late ? 1 : 0,
          ]),
        ]),
        s: g.seen,
        l: Number.isFinite(g.lastK) ? g.lastK : null,
        r: g.reservoir,
        m: g.mean,
        v: g.variance,
        y: g.memory.map((m) => m ?? null),
      };
    },
    decode(data) {
      const e = data as Encoded;
      const open = e.o.map(([k, n, acc, items]): OpenWindow => {
        const cs = items.map(([t, ref, late]): Contribution => ({
          t,
          ref,
          input: 0,
          value: undefined,
          late: late === 1,
        }));
        const newest = cs.pop();
        return { k, n, acc: structuredClone(acc), items: new ContributionBuffer(cs), newest };
      });
      return {
        open,
        seen: e.s,
        lastK: e.l ?? -Infinity,
        reservoir: e.r.map((v) => [...v]),
        mean: [...e.m],
        variance: [...e.v],
        memory: e.y.map((m) => (m === null ? undefined : structuredClone(m))),
      };
    },
  };
}

function mulberryFor(seed: number, k: number, seen: number): Random {
  return mulberry32(mixSeed(seed, k, seen));
}

/**
 * The points a window is scored among: up to `sample − 1` of the group's recent windows
 * (drawn without replacement when there are more), then the window itself, last.
 */
function sampleOf(
  reservoir: readonly number[][],
  x: number[],
  sample: number,
  seed: number,
  k: number,
  seen: number,
): number[][] {
  const want = sample - 1;
  if (reservoir.length <= want) return [...reservoir, x];
  const random = mulberryFor(seed, k, seen + 0x5eed);
  const idx = reservoir.map((_, i) => i);
  for (let i = 0; i < want; i += 1) {
    const j = i + Math.floor(random() * (idx.length - i));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  const chosen = idx.slice(0, want).sort((a, b) => a - b);
  return [...chosen.map((i) => reservoir[i] as number[]), x];
}
