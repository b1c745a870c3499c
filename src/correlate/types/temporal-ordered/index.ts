import type { FiredSpan } from '../../engine/fired-memory.js';
import {
  firesHorizon,
  forgetFire as forgetSpan,
  isoTime,
  keptFires,
  rememberFire,
  withdrawFires,
} from '../../engine/fired-memory.js';
import type { Contribution, Fire, RuleRuntime, Withdrawal } from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { CompiledCorrelation } from '../../rule/types.js';
import { windowRuntime } from '../../engine/windows/index.js';
import { parseCondition } from '../../rule/detection/condition.js';
import type { ConditionNode } from '../../rule/detection/ir.js';
import { MAX_WINDOW_TIMESPAN_MS } from '../common.js';
import { negatedInputs } from '../temporal/boolean.js';
import type { CorrelationTypeModule } from '../type-module.js';
import { describe } from '../../../shared/duration.js';

/**
 * Sigma temporal_ordered: the referenced rules matched in the order `rules` lists them, the
 * first and last within the timespan, for the same group (an EQL sequence with maxspan). It
 * fires at the event that completes the sequence. "A before B" means t_A ≤ t_B (events at the
 * same millisecond are taken in either order) unless `cordon.strict_order: true` asks for
 * t_A < t_B. A boolean condition may add `and not X` terms: X must not occur between the first
 * and last step (EQL's `until`). After a match the sequence's span is consumed
 * (skip-past-last-event); the tightest sequence ending at the completing event is reported.
 */
export const temporalOrdered: CorrelationTypeModule = {
  name: 'temporal_ordered',
  extension: false,
  bases: [],
  summary: 'the referenced rules matched in the listed order within the timespan, per group',
  condition: 'boolean',
  field: 'none',
  value: () => 'none',
  windows: ['sliding'],
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  inputs: { min: 2 },
  extensionKeys: ['strict_order'],
  parse({ ctx, cordon, rules, expression }) {
    const strict = cordon.strict_order;
    if (strict !== undefined && typeof strict !== 'boolean') {
      ctx.sink.error(
        ['cordon', 'strict_order'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} cordon.strict_order must be true or false; got ${describe(strict)}. Write "strict_order: true" to require strictly increasing event times.`,
      );
      return undefined;
    }
    // The steps are every rule not under a NOT, in the order of `rules`: any other shape (an
    // `or`, `1 of`, a NOT over more than one rule) would silently run as a plain sequence.
    const parsed = expression === undefined ? undefined : parseCondition(expression, rules);
    if (parsed?.ok && !isSequence(parsed.node)) {
      ctx.sink.error(
        ['correlation', 'condition'],
        'CORDON_ERR_RULE_UNSUPPORTED',
        `${ctx.subject} condition of temporal_ordered can only join its steps with "and" and exclude rules with "and not <rule>"; got "${expression ?? ''}". Write e.g. "${rules.slice(0, 2).join(' and ')} and not <rule>", or use a temporal rule for other conditions.`,
      );
      return undefined;
    }
    return { strictOrder: strict === true };
  },
  firing: () => 'eager',
  runtime(rule, build) {
    const until =
      rule.condition?.kind === 'boolean' ? negatedInputs(rule.condition.expr) : new Set<number>();
    const steps = rule.inputs.map((_, i) => i).filter((i) => !until.has(i));
    const last = steps[steps.length - 1] ?? 0;
    const strict = rule.params.strictOrder === true;
    const names = rule.inputs.map((i) => i.key);
    const inner = windowRuntime(
      rule,
      {
        accumulator: () => undefined,
        completes: (c) => c.input === last,
        scan(window: readonly Contribution[]) {
          const chain = tightestChain(window, steps, strict);
          if (!chain) return { met: false, count: 0, aggregate: {} };
          const first = chain[0] as Contribution;
          const end = chain[chain.length - 1] as Contribution;
          if (end.t - first.t > rule.timespanMs) return { met: false, count: 0, aggregate: {} };
          const broken = window.some((c) => until.has(c.input) && c.t > first.t && c.t < end.t);
          if (broken) return { met: false, count: 0, aggregate: {} };
          return {
            met: true,
            count: chain.length,
            used: chain,
            aggregate: {
              steps: chain.map((c) => ({ rule: names[c.input], time: c.t, ref: c.ref })),
            },
          };
        },
      },
      // An `until` step that is an inner match can be withdrawn for as long as inner matches
      // can: the windows it may have blocked keep their events as long (see refire).
      [...until].some((i) => rule.inputs[i]?.kind === 'correlation') ? build.innerSpanMs : 0,
    );
    // Without `until` steps nothing arriving later can disprove a completed sequence.
    return until.size === 0 ? inner : withUntilRetractions(rule, inner, until, names);
  },
};

interface SequenceState {
  readonly w: unknown;
  /** Completed sequences an `until` event arriving later may still withdraw. */
  f: FiredSpan[];
}

/**
 * A sequence with `until` steps also remembers the sequences it completed, so an `until`
 * event that arrives after one completed but happened between its first and last step
 * withdraws it (a retraction; the match itself stays in history).
 */
function withUntilRetractions(
  rule: CompiledCorrelation,
  inner: RuleRuntime,
  until: ReadonlySet<number>,
  names: readonly string[],
): RuleRuntime<SequenceState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const remember = (g: SequenceState, fire: Fire): void => {
    const first = fire.contributions[0];
    const last = fire.contributions[fire.contributions.length - 1];
    if (first && last) rememberFire(g.f, [first.t, last.t, fire.windowKey]);
  };
  return {
    rule,
    create: () => ({ w: inner.create(), f: [] }),
    add(g, c, ctx) {
      const fires = inner.add(g.w, c, ctx);
      for (const fire of fires) remember(g, fire);
      return fires;
    },
    nextClose: (g) => inner.nextClose(g.w),
    close: (g, watermark, ctx) => inner.close(g.w, watermark, ctx),
    prune(g, watermark) {
      const empty = inner.prune(g.w, watermark);
      g.f = keptFires(g.f, firesHorizon(watermark, L, T));
      return empty && g.f.length === 0;
    },
    forgetFire(g, windowKey) {
      forgetSpan(g.f, windowKey);
    },
    forget: (g, ref) => inner.forget?.(g.w, ref) ?? [],
    // A withdrawn `until` event no longer breaks the sequences it fell inside.
    refire(g, removed, ctx) {
      if (!removed.some((c) => until.has(c.input))) return NO_FIRES;
      const fires = inner.refire?.(g.w, removed, ctx) ?? NO_FIRES;
      for (const fire of fires) remember(g, fire);
      return fires;
    },
    withdraw(g, c, watermark) {
      if (!until.has(c.input) || g.f.length === 0) return NO_WITHDRAWALS;
      return withdrawFires(
        g.f,
        c,
        firesHorizon(watermark(), L, T),
        (start, end, t) => t > start && t < end,
        (start, end) =>
          `${names[c.input] ?? 'an until rule'} matched at ${isoTime(c.t)}, between the sequence's first step (${isoTime(start)}) and its last (${isoTime(end)}), and arrived after it had fired`,
      );
    },
    // The window state as it was, plus the completed sequences when there are any: older
    // checkpoints (the window state alone) still decode.
    encode: (g) => (g.f.length === 0 ? inner.encode(g.w) : { w: inner.encode(g.w), f: g.f }),
    decode(data) {
      const d = data as { w?: unknown; f?: FiredSpan[] };
      return d.f === undefined
        ? { w: inner.decode(data), f: [] }
        : { w: inner.decode(d.w), f: d.f };
    },
  };
}

const NO_WITHDRAWALS: readonly Withdrawal[] = Object.freeze([]);

/** A conjunction of rules and negated rules: the only condition a sequence runs as written. */
function isSequence(node: ConditionNode): boolean {
  switch (node.kind) {
    case 'ref':
      return true;
    case 'not':
      return node.operand.kind === 'ref';
    case 'and':
      return node.operands.every(isSequence);
    case 'of':
      return node.quantifier === 'all';
    case 'or':
      return false;
  }
}

/**
 * The sequence ending at the window's last completing event whose first step is as late as
 * possible: walking backwards, each earlier step takes the latest event allowed before the
 * one after it. The latest choices give the shortest span, so if any sequence ending there
 * fits the timespan and avoids the `until` events, this one does.
 */
function tightestChain(
  window: readonly Contribution[],
  steps: readonly number[],
  strict: boolean,
): Contribution[] | undefined {
  const lastStep = steps[steps.length - 1];
  let endIndex = -1;
  for (let i = window.length - 1; i >= 0; i -= 1) {
    if ((window[i] as Contribution).input === lastStep) {
      endIndex = i;
      break;
    }
  }
  if (endIndex < 0) return undefined;
  const chain: Contribution[] = [window[endIndex] as Contribution];
  let bound = window[endIndex] as Contribution;
  for (let s = steps.length - 2; s >= 0; s -= 1) {
    const step = steps[s];
    let found: Contribution | undefined;
    for (let i = window.length - 1; i >= 0; i -= 1) {
      const c = window[i] as Contribution;
      if (c.input !== step || chain.includes(c)) continue;
      if (strict ? c.t < bound.t : c.t <= bound.t) {
        found = c;
        break;
      }
    }
    if (!found) return undefined;
    chain.unshift(found);
    bound = found;
  }
  return chain;
}
