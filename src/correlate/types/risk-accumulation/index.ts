import { describe, formatDurationMs } from '../../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../../shared/shape.js';
import type { Severity } from '../../../ingest/canonical-event.js';
import type { Accumulator } from '../../engine/aggregation.js';
import { scanWith, thresholdTest } from '../../engine/aggregation.js';
import type { Contribution, Evaluation } from '../../engine/runtime.js';
import { windowRuntime } from '../../engine/windows/index.js';
import { LEVELS, levelToSeverity } from '../../rule/rule-metadata.js';
import type { RuleContext } from '../../rule/context.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';
import { figure, thresholdFiring } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';
import { readDuration } from '../extension-settings.js';
import { tacticsOf } from './tactics.js';

/**
 * Longest timespan: risk windows hold alerts, not raw events, so a week or a month is what
 * risk-based alerting uses (Splunk's default risk incident rules: 24 h and 7 d).
 */
const MAX_RISK_TIMESPAN_MS = 31 * 86_400_000;
const MAX_SCORE = 1_000_000;
/** ATT&CK Enterprise has 14 tactics and ATLAS 16: more cannot be asked for. */
const MAX_TACTICS = 30;

interface RiskParams {
  /** Score per input rule (by input index); undefined when scores come from `field`. */
  readonly scores: readonly number[] | undefined;
  readonly minRules: number;
  readonly minTactics: number;
  /** Severity tiers, highest score first: the match takes the first tier its score reaches. */
  readonly tiers: readonly { readonly level: Severity; readonly score: number }[];
  /**
   * A score's half-life: an alert counts 2^(−age / halfLife) of its score, its age taken at
   * the window's newest alert. Undefined: scores count whole for the timespan.
   */
  readonly halfLifeMs: number | undefined;
}

/** The shortest half-life, as a share of the timespan (keeps the weights within a double). */
const MIN_HALF_LIFE_SHARE = 64;

/**
 * Cordon extension `risk_accumulation`, over Sigma `value_sum` (correlation-anchors §3,
 * type 10; Splunk's risk-based alerting): the detections and correlations it reads each add a
 * risk score to their group (an entity: a key, a user, a model) — the score `cordon.risk`
 * gives the rule, or the number in `condition.field` of the event or match — and the group
 * fires when its total within the timespan meets the condition, with at least
 * `cordon.min_rules` different rules (so one noisy rule cannot raise an incident alone) and
 * `cordon.min_tactics` different tactics among the contributing rules' tags. `cordon.tiers`
 * raises the match's level with the score. Scores are positive, so gt/gte fire eagerly, at the
 * alert that takes the group over the line.
 */
export const riskAccumulation: CorrelationTypeModule = {
  name: 'risk_accumulation',
  extension: true,
  bases: ['value_sum', 'event_count'],
  summary: 'risk scores of alerts summed per entity, with distinct-rule and tactic minimums',
  condition: 'threshold',
  field: 'optional',
  value: (_params, hasField) => (hasField ? 'number' : 'none'),
  windows: ['sliding', 'tumbling'],
  maxTimespanMs: MAX_RISK_TIMESPAN_MS,
  extensionKeys: ['risk', 'min_rules', 'min_tactics', 'tiers', 'half_life'],
  parse({ ctx, cordon, rules, threshold, hasField, timespanMs }) {
    const { sink, subject } = ctx;
    let ok = true;
    if (threshold?.some((b) => b.op !== 'gt' && b.op !== 'gte')) {
      sink.error(
        ['correlation', 'condition'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} risk_accumulation compares the risk total with gt or gte (a total only grows as alerts come); got ${threshold.map((b) => b.op).join(', ')}. Write e.g. "condition: { gte: 100 }".`,
      );
      ok = false;
    }
    const scores = readScores(ctx, cordon.risk, rules);
    if (scores === null) ok = false;
    if (scores !== undefined && scores !== null && hasField) {
      sink.error(
        ['cordon', 'risk'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} takes risk scores either from cordon.risk or from condition.field, not both. Remove one: cordon.risk scores each rule, condition.field reads each alert's own score.`,
      );
      ok = false;
    } else if (scores === undefined && !hasField) {
      sink.error(
        ['cordon'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} needs risk scores: give each rule one in cordon.risk, or read each alert's score with condition.field. Write e.g. "cordon: { type: risk_accumulation, risk: { ${rules[0] ?? 'rule_name'}: 40 } }".`,
      );
      ok = false;
    }
    const minRules = readCount(ctx, cordon, 'min_rules', 1, rules.length, 'different rules');
    const minTactics = readCount(ctx, cordon, 'min_tactics', 0, MAX_TACTICS, 'different tactics');
    const tiers = readTiers(ctx, cordon.tiers);
    // Without a timespan the rule is refused elsewhere; no half-life to check it against.
    const halfLifeMs = timespanMs === undefined ? undefined : readHalfLife(ctx, cordon, timespanMs);
    if (!ok || minRules === undefined || minTactics === undefined || tiers === undefined)
      return undefined;
    if (halfLifeMs === null) return undefined;
    const params: RiskParams = {
      scores: scores ?? undefined,
      minRules,
      minTactics,
      tiers,
      halfLifeMs,
    };
    return params as unknown as Readonly<Record<string, unknown>>;
  },
  firing: thresholdFiring,
  runtime(rule) {
    const params = rule.params as unknown as RiskParams;
    const make = (): Accumulator => new RiskAccumulator(rule, params);
    return windowRuntime(rule, { accumulator: make, scan: (w) => scanWith(make, w) });
  },
};

/**
 * `cordon.risk`: rule (as listed in correlation.rules) → score. Undefined when absent (scores
 * then come from condition.field; the compiler refuses a rule with neither), null after an
 * error.
 */
function readScores(
  ctx: RuleContext,
  raw: unknown,
  rules: readonly string[],
): number[] | undefined | null {
  const { sink, subject } = ctx;
  if (raw === undefined || raw === null) return undefined;
  if (!isMapping(raw)) {
    sink.error(
      ['cordon', 'risk'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${subject} cordon.risk must map each rule in correlation.rules to its risk score; got ${describe(raw)}. Write e.g. "risk: { ${rules[0] ?? 'rule_name'}: 40 }".`,
    );
    return null;
  }
  let ok = true;
  for (const name of Object.keys(raw)) {
    if (rules.includes(name)) continue;
    const near = suggest(name, rules);
    sink.error(
      ['cordon', 'risk', name],
      'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
      `${subject} cordon.risk names "${name}", which correlation.rules does not list${near ? ` (did you mean "${near}"?)` : ''}. Give a score to each of ${rules.map((r) => `"${r}"`).join(', ')}.`,
      true,
    );
    ok = false;
  }
  const scores: number[] = [];
  for (const name of rules) {
    const value = raw[name];
    if (value === undefined) {
      sink.error(
        ['cordon', 'risk'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} cordon.risk has no score for "${name}", which correlation.rules lists. Add e.g. "${name}: 20" (each rule read must say what it adds).`,
      );
      ok = false;
    } else if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value <= 0 ||
      value > MAX_SCORE
    ) {
      sink.error(
        ['cordon', 'risk', name],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} cordon.risk.${name} must be a positive number up to ${MAX_SCORE}; got ${describe(value)}. Write e.g. "${name}: 20".`,
      );
      ok = false;
    } else scores.push(value);
  }
  return ok ? scores : null;
}

function readCount(
  ctx: RuleContext,
  cordon: Readonly<Record<string, unknown>>,
  key: 'min_rules' | 'min_tactics',
  fallback: number,
  max: number,
  what: string,
): number | undefined {
  const value = cordon[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < fallback || value > max) {
    ctx.sink.error(
      ['cordon', key],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cordon.${key} must be a whole number of ${what} from ${fallback} to ${max}; got ${describe(value)}. Write e.g. "${key}: 2".`,
    );
    return undefined;
  }
  return value;
}

function readTiers(ctx: RuleContext, raw: unknown): RiskParams['tiers'] | undefined {
  if (raw === undefined || raw === null) return [];
  const { sink, subject } = ctx;
  if (!isMapping(raw)) {
    sink.error(
      ['cordon', 'tiers'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${subject} cordon.tiers must map levels to the risk total that reaches them; got ${describe(raw)}. Write e.g. "tiers: { high: 150, critical: 200 }".`,
    );
    return undefined;
  }
  checkKeys(sink, ['cordon', 'tiers'], raw, `${subject} cordon.tiers`, { optional: [...LEVELS] });
  const tiers: { level: Severity; score: number }[] = [];
  let ok = true;
  for (const level of LEVELS) {
    const score = raw[level];
    if (score === undefined) continue;
    if (typeof score !== 'number' || !Number.isFinite(score) || score <= 0) {
      sink.error(
        ['cordon', 'tiers', level],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} cordon.tiers.${level} must be a positive risk total; got ${describe(score)}. Write e.g. "${level}: 150".`,
      );
      ok = false;
      continue;
    }
    const lower = tiers[tiers.length - 1];
    if (lower && score <= lower.score) {
      sink.error(
        ['cordon', 'tiers', level],
        'CORDON_ERR_DEFINITION_VALUE',
        `${subject} cordon.tiers.${level} must be above the total of the level below it (${lower.level}: ${lower.score}); got ${score}. Higher levels need higher totals.`,
      );
      ok = false;
      continue;
    }
    tiers.push({ level: levelToSeverity(level), score });
  }
  return ok ? tiers.reverse() : undefined;
}

/**
 * `cordon.half_life`: undefined when absent, null after an error. At least 1/64 of the
 * timespan (older alerts would weigh less than 2^−64) and at most a hundred timespans.
 */
function readHalfLife(
  ctx: RuleContext,
  cordon: Readonly<Record<string, unknown>>,
  timespanMs: number,
): number | undefined | null {
  if (cordon.half_life === undefined || cordon.half_life === null) return undefined;
  const min = Math.ceil(timespanMs / MIN_HALF_LIFE_SHARE);
  const value = readDuration(ctx, cordon, 'half_life', 0, timespanMs * 100, '6h');
  if (value === undefined) return null;
  if (value < min) {
    ctx.sink.error(
      ['cordon', 'half_life'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cordon.half_life must be at least 1/${MIN_HALF_LIFE_SHARE} of the timespan (${formatDurationMs(min)}); got ${formatDurationMs(value)}. Shorten the timespan or lengthen the half-life, e.g. "half_life: ${formatDurationMs(Math.ceil(timespanMs / 4))}".`,
    );
    return null;
  }
  return value;
}

/** Rules that contributed to a window, listed in a match, at most. */
const LISTED_RULES = 20;

/** Totals of a window: score, and per input rule and per tactic how many alerts gave them. */
class RiskAccumulator implements Accumulator {
  #n = 0;
  #total = 0;
  readonly #perRule: number[];
  #rules = 0;
  readonly #perTactic: number[];
  #tactics = 0;
  readonly #test: (value: number) => boolean;
  /** Input index → indices into #tacticNames of its tactics. */
  readonly #tacticsOf: readonly (readonly number[])[];
  readonly #tacticNames: readonly string[];

  constructor(
    private readonly rule: CompiledCorrelation,
    private readonly params: RiskParams,
  ) {
    this.#test = thresholdTest(rule.condition as ThresholdCondition | undefined);
    this.#perRule = rule.inputs.map(() => 0);
    const names: string[] = [];
    this.#tacticsOf = rule.inputs.map((input) =>
      tacticsOf(input.tags).map((t) => {
        const at = names.indexOf(t);
        if (at >= 0) return at;
        names.push(t);
        return names.length - 1;
      }),
    );
    this.#tacticNames = names;
    this.#perTactic = names.map(() => 0);
  }

  /** With a half-life: the time weights are taken from (the first alert's), and the newest. */
  #ref = 0;
  #newest = -Infinity;

  #score(c: Contribution): number {
    return this.params.scores ? (this.params.scores[c.input] as number) : (c.value as number);
  }

  /** A score as it is summed: with a half-life, weighted by 2^((t − ref) / halfLife). */
  #weighted(c: Contribution): number {
    const h = this.params.halfLifeMs;
    return h === undefined ? this.#score(c) : this.#score(c) * 2 ** ((c.t - this.#ref) / h);
  }

  /** The window's total: with a half-life, as of its newest alert. */
  #value(): number {
    const h = this.params.halfLifeMs;
    return h === undefined ? this.#total : this.#total * 2 ** (-(this.#newest - this.#ref) / h);
  }

  add(c: Contribution): void {
    if (this.#n === 0) this.#ref = c.t;
    if (c.t > this.#newest) this.#newest = c.t;
    this.#n += 1;
    this.#total += this.#weighted(c);
    if ((this.#perRule[c.input] = (this.#perRule[c.input] as number) + 1) === 1) this.#rules += 1;
    for (const t of this.#tacticsOf[c.input] as readonly number[])
      if ((this.#perTactic[t] = (this.#perTactic[t] as number) + 1) === 1) this.#tactics += 1;
  }

  remove(c: Contribution): void {
    this.#n -= 1;
    this.#total -= this.#weighted(c);
    if ((this.#perRule[c.input] = (this.#perRule[c.input] as number) - 1) === 0) this.#rules -= 1;
    for (const t of this.#tacticsOf[c.input] as readonly number[])
      if ((this.#perTactic[t] = (this.#perTactic[t] as number) - 1) === 0) this.#tactics -= 1;
    if (this.#n === 0) {
      this.#total = 0; // no floating-point drift survives an empty window
      this.#newest = -Infinity;
    }
  }

  met(): boolean {
    return (
      this.#n > 0 &&
      this.#rules >= this.params.minRules &&
      this.#tactics >= this.params.minTactics &&
      this.#test(this.#value())
    );
  }

  result(): Evaluation {
    const rules: Record<string, number> = {};
    this.rule.inputs.forEach((input, i) => {
      const n = this.#perRule[i] as number;
      if (n > 0 && Object.keys(rules).length < LISTED_RULES) rules[input.key] = n;
    });
    const tactics = this.#tacticNames.filter((_, t) => (this.#perTactic[t] as number) > 0);
    const met = this.met();
    const value = this.#value();
    const tier = met ? this.params.tiers.find((t) => value >= t.score) : undefined;
    return {
      met,
      count: this.#n,
      aggregate: {
        value: figure(value),
        rules,
        distinctRules: this.#rules,
        tactics,
        ...(tier ? { tier: tier.level } : {}),
      },
      ...(tier ? { level: tier.level } : {}),
    };
  }
}
