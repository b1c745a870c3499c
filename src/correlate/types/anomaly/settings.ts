import { describe } from '../../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../../shared/shape.js';
import type { TypeParseInput } from '../type-module.js';
import { readDuration, readPositive } from '../extension-settings.js';
import type { Cut } from './isolation-forest.js';
import { DEFAULT_FEATURES, FEATURE_KINDS, featureKind } from './features/index.js';

/** An anomaly rule's settings, as validated from `cordon:`. */
export interface AnomalyParams {
  readonly features: readonly string[];
  /** Canonical paths the features read, in order: what each contribution carries, joined. */
  readonly reads: readonly string[];
  /** Score at or above which a window fires. */
  readonly threshold: number;
  /** Windows a group closes before it is scored. */
  readonly warmup: number;
  /** Recent window vectors kept per group. */
  readonly reservoir: number;
  readonly trees: number;
  /** Points per tree (ψ), the scored window included. */
  readonly sample: number;
  readonly seed: number;
  /** How a tree picks the feature to cut: `range` (RRCF, default) or `uniform` (iForest). */
  readonly cut: Cut;
  /** EWMA weight of the newest window in the baseline. */
  readonly alpha: number;
  /** Idle time after which a group starts over. */
  readonly historyMs: number;
  /**
   * What a window is judged against: the group's own recent windows (`group`, default), or
   * every group's windows of earlier periods (`population`: a new or rare group is scored from
   * its first window, against what the rule's groups usually do).
   */
  readonly scope: 'group' | 'population';
  /**
   * At most this many matches per window period, the highest scores at or above the threshold
   * across groups, chosen once every group's window of the period has closed. Undefined: every
   * window at or above the threshold fires.
   */
  readonly topK: number | undefined;
}

export const ANOMALY_KEYS = [
  'features',
  'threshold',
  'warmup',
  'model',
  'baseline',
  'history',
  'top_k',
];
const LIMITS = { reservoir: 256, trees: 500, sample: 256, warmup: 10_000, topK: 1_000 };
const SCOPES = ['group', 'population'] as const;
const DEFAULTS = {
  threshold: 0.7,
  warmup: 12,
  reservoir: 64,
  trees: 50,
  sample: 32,
  seed: 1,
  alpha: 0.1,
  historyMs: 7 * 86_400_000,
};
const MAX_HISTORY_MS = 90 * 86_400_000;

export function parseAnomaly({ ctx, cordon }: TypeParseInput): AnomalyParams | undefined {
  let ok = true;
  const fail = (path: string[], message: string): undefined => {
    ctx.sink.error(path, 'CORDON_ERR_DEFINITION_VALUE', `${ctx.subject} ${message}`);
    ok = false;
    return undefined;
  };
  const features = readFeatures(cordon.features, fail);
  const threshold = cordon.threshold ?? DEFAULTS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
    fail(
      ['cordon', 'threshold'],
      `cordon.threshold is the anomaly score (0–1; 0.5 is ordinary) at or above which a window fires; got ${describe(threshold)}. Write e.g. "threshold: 0.7".`,
    );
  const warmup = readCount(
    cordon.warmup,
    DEFAULTS.warmup,
    0,
    LIMITS.warmup,
    ['cordon', 'warmup'],
    fail,
    'windows a group closes before it is scored',
  );
  const model = cordon.model ?? {};
  const baseline = cordon.baseline ?? {};
  let reservoir: number | undefined = DEFAULTS.reservoir;
  let trees: number | undefined = DEFAULTS.trees;
  let sample: number | undefined = DEFAULTS.sample;
  let seed: number | undefined = DEFAULTS.seed;
  let cut: Cut = 'range';
  if (!isMapping(model)) {
    fail(
      ['cordon', 'model'],
      `cordon.model must be a mapping; got ${describe(model)}. Write e.g. "model: { reservoir: 64, trees: 50, sample: 32, seed: 1 }".`,
    );
  } else {
    checkKeys(ctx.sink, ['cordon', 'model'], model, `${ctx.subject} cordon.model`, {
      optional: ['reservoir', 'trees', 'sample', 'seed', 'cut'],
    });
    if (model.cut !== undefined && model.cut !== 'range' && model.cut !== 'uniform')
      fail(
        [...['cordon', 'model'], 'cut'],
        `cordon.model.cut is how a tree picks the feature to cut; got ${describe(model.cut)}. Write "cut: range" (Robust Random Cut Forest, the default) or "cut: uniform" (the Isolation Forest paper).`,
      );
    else if (model.cut !== undefined) cut = model.cut;
    const at = ['cordon', 'model'];
    reservoir = readCount(
      model.reservoir,
      DEFAULTS.reservoir,
      2,
      LIMITS.reservoir,
      [...at, 'reservoir'],
      fail,
      'recent windows kept per group',
    );
    trees = readCount(
      model.trees,
      DEFAULTS.trees,
      1,
      LIMITS.trees,
      [...at, 'trees'],
      fail,
      'isolation trees per score',
    );
    sample = readCount(
      model.sample,
      DEFAULTS.sample,
      2,
      LIMITS.sample,
      [...at, 'sample'],
      fail,
      'points per tree, the scored window included',
    );
    seed = readCount(
      model.seed,
      DEFAULTS.seed,
      0,
      2 ** 32 - 1,
      [...at, 'seed'],
      fail,
      'the seed of the random splits',
    );
  }
  let alpha: number | undefined = DEFAULTS.alpha;
  let scope: AnomalyParams['scope'] = 'group';
  if (!isMapping(baseline)) {
    fail(
      ['cordon', 'baseline'],
      `cordon.baseline must be a mapping; got ${describe(baseline)}. Write e.g. "baseline: { alpha: 0.1 }".`,
    );
  } else {
    checkKeys(ctx.sink, ['cordon', 'baseline'], baseline, `${ctx.subject} cordon.baseline`, {
      optional: ['alpha', 'scope'],
    });
    if (baseline.scope !== undefined && !SCOPES.includes(baseline.scope as 'group'))
      fail(
        ['cordon', 'baseline', 'scope'],
        `cordon.baseline.scope is what a window is judged against; got ${describe(baseline.scope)}. Write "scope: group" (the group's own recent windows, the default) or "scope: population" (every group's windows of earlier periods).`,
      );
    else if (baseline.scope !== undefined) scope = baseline.scope as AnomalyParams['scope'];
    alpha = readPositive(
      ctx,
      ['cordon', 'baseline', 'alpha'],
      baseline.alpha,
      DEFAULTS.alpha,
      'the weight of the newest window',
    );
    if (alpha !== undefined && alpha > 1)
      fail(
        ['cordon', 'baseline', 'alpha'],
        `cordon.baseline.alpha is the weight of the newest window, at most 1; got ${describe(alpha)}. Write e.g. "alpha: 0.1".`,
      );
  }
  const historyMs = readDuration(ctx, cordon, 'history', DEFAULTS.historyMs, MAX_HISTORY_MS, '7d');
  const topK =
    cordon.top_k === undefined || cordon.top_k === null
      ? undefined
      : readCount(
          cordon.top_k,
          5,
          1,
          LIMITS.topK,
          ['cordon', 'top_k'],
          fail,
          'matches per window period at most, the highest scores across groups',
        );
  if (!ok || !features || warmup === undefined || reservoir === undefined || trees === undefined)
    return undefined;
  if (sample === undefined || seed === undefined || alpha === undefined || historyMs === undefined)
    return undefined;
  const reads: string[] = [];
  for (const f of features)
    for (const p of featureKind(f)?.reads ?? []) if (!reads.includes(p)) reads.push(p);
  return {
    features,
    reads,
    threshold: threshold as number,
    warmup,
    reservoir,
    trees,
    sample,
    seed,
    cut,
    alpha,
    historyMs,
    scope,
    topK,
  };
}

function readFeatures(
  value: unknown,
  fail: (path: string[], message: string) => undefined,
): string[] | undefined {
  if (value === undefined || value === null) return [...DEFAULT_FEATURES];
  const names = FEATURE_KINDS.map((f) => f.name);
  if (!Array.isArray(value) || value.length === 0)
    return fail(
      ['cordon', 'features'],
      `cordon.features must list feature names; got ${describe(value)}. Write e.g. "features: [requests, error_ratio, tokens]" (known: ${names.join(', ')}).`,
    );
  const out: string[] = [];
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string' || !featureKind(item)) {
      const hint = typeof item === 'string' ? suggest(item, names) : undefined;
      return fail(
        ['cordon', 'features', String(i)],
        `cordon.features names an unknown feature; got ${describe(item)}. ${hint ? `Did you mean "${hint}"? ` : ''}Use one of ${names.join(', ')}.`,
      );
    }
    if (out.includes(item))
      return fail(
        ['cordon', 'features', String(i)],
        `cordon.features lists "${item}" twice; got ${describe(value)}. Remove one.`,
      );
    out.push(item);
  }
  return out;
}

function readCount(
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  path: string[],
  fail: (path: string[], message: string) => undefined,
  what: string,
): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    return fail(
      path,
      `${path.join('.')} must be a whole number from ${min} to ${max} (${what}); got ${describe(value)}. Write e.g. "${path[path.length - 1] ?? ''}: ${fallback}".`,
    );
  return value;
}
