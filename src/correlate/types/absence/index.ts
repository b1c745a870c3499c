import { compareContributions } from '../../engine/contribution-buffer.js';
import { formatDurationMs } from '../../../shared/duration.js';
import type { FiredSpan } from '../../engine/fired-memory.js';
import {
  firesHorizon,
  forgetFire as forgetSpan,
  isoTime,
  keptFires,
  rememberFire,
  withdrawFires,
} from '../../engine/fired-memory.js';
import type { Contribution, Fire, RuleRuntime } from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { BooleanExpr, CompiledCorrelation } from '../../rule/types.js';
import { MAX_WINDOW_TIMESPAN_MS } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';

/**
 * Cordon extension `absence` (SEC PairWithWindow's timeout, EQL's missing event), over Sigma
 * `temporal` with the condition `<trigger> and not <expected>`: fires when a trigger event is
 * not followed, for the same group, by an expected event within the timespan, i.e. none with
 * t_trigger ≤ t ≤ t_trigger + T. It is decided only once every source feeding the rule has
 * passed t_trigger + T + L (L = allowed lateness), never earlier, so an expected event that
 * is merely late cannot produce a false alarm (elasticsearch#145323). Passed means strictly:
 * an event at exactly W − L is not too late, so at W = t_trigger + T + L an expected event at
 * t_trigger + T can still arrive. Each trigger is its own match (use `suppress` to fold
 * repeats).
 */
export const absence: CorrelationTypeModule = {
  name: 'absence',
  extension: true,
  bases: ['temporal'],
  summary: 'an expected event did not follow a trigger within the timespan',
  condition: 'boolean',
  field: 'none',
  value: () => 'none',
  windows: ['sliding'],
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  inputs: { min: 2, max: 2 },
  extensionKeys: [],
  parse({ ctx, expression, rules }) {
    const shape = /^\s*(\S+)\s+and\s+not\s+(\S+)\s*$/i.exec(expression ?? '');
    if (
      !shape ||
      !rules.includes(shape[1] ?? '') ||
      !rules.includes(shape[2] ?? '') ||
      shape[1] === shape[2]
    ) {
      ctx.sink.error(
        ['correlation', 'condition'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} absence needs the condition "<trigger> and not <expected>" over its two rules; got ${expression === undefined ? 'no condition' : `"${expression}"`}. Write e.g. "condition: ${rules[0] ?? 'trigger'} and not ${rules[1] ?? 'expected'}".`,
      );
      return undefined;
    }
    return { trigger: shape[1], expected: shape[2] };
  },
  firing: () => 'on-close',
  runtime: absenceRuntime,
};

interface AbsenceState {
  /** Triggers still waiting, oldest first. */
  pending: Contribution[];
  /** Event times of expected events that a later-arriving trigger may still need. */
  seen: number[];
  /** Absences reported that an expected event arriving later may still withdraw. */
  fired: FiredSpan[];
}

function absenceRuntime(rule: CompiledCorrelation): RuleRuntime<AbsenceState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const expr = rule.condition?.kind === 'boolean' ? rule.condition.expr : undefined;
  const expected = negated(expr);
  const expectedKey = rule.inputs[expected]?.key ?? '';
  /** The first watermark past t + T + L (event times are whole milliseconds). */
  const deadline = (a: Contribution): number => a.t + T + L + 1;
  return {
    rule,
    create: () => ({ pending: [], seen: [], fired: [] }),
    add(g, c, ctx) {
      if (c.input === expected) {
        g.pending = g.pending.filter((a) => !(c.t >= a.t && c.t <= a.t + T));
        g.seen.push(c.t);
        return NO_FIRES;
      }
      if (g.seen.some((t) => t >= c.t && t <= c.t + T)) return NO_FIRES;
      g.pending.push(c);
      g.pending.sort(compareContributions);
      const cap = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
      if (g.pending.length > cap) g.pending.splice(0, g.pending.length - cap);
      return NO_FIRES;
    },
    nextClose: (g) => (g.pending.length > 0 ? deadline(g.pending[0] as Contribution) : undefined),
    close(g, watermark) {
      const fires: Fire[] = [];
      while (g.pending.length > 0 && deadline(g.pending[0] as Contribution) <= watermark) {
        const a = g.pending.shift() as Contribution;
        rememberFire(g.fired, [a.t, a.t + T, `${a.t}:${a.ref}`]);
        fires.push({
          windowStart: a.t,
          windowEnd: a.t + T,
          contributions: [a],
          evaluation: { met: true, count: 1, aggregate: { missing: expectedKey, withinMs: T } },
          windowKey: `${a.t}:${a.ref}`,
          partial: false,
        });
      }
      return fires;
    },
    prune(g, watermark) {
      // A trigger still to come has t ≥ watermark − L; only expected events after that matter.
      g.seen = g.seen.filter((t) => t >= watermark - L);
      g.fired = keptFires(g.fired, firesHorizon(watermark, L, T));
      return g.pending.length === 0 && g.seen.length === 0 && g.fired.length === 0;
    },
    // An expected event for a reported absence can only come later than the lateness allows
    // (the absence waited for it that long), so it is not counted; it still withdraws the match.
    forgetFire(g, windowKey) {
      forgetSpan(g.fired, windowKey);
    },
    withdraw(g, c, watermark) {
      if (c.input !== expected || g.fired.length === 0) return [];
      return withdrawFires(
        g.fired,
        c,
        firesHorizon(watermark(), L, T),
        (start, end, t) => t >= start && t <= end,
        (start) =>
          `${expectedKey} matched at ${isoTime(c.t)}, within ${formatDurationMs(T)} of the trigger at ${isoTime(start)}, and arrived after the absence had been reported`,
      );
    },
    encode: (g) => ({
      p: g.pending.map((c) => [c.t, c.ref, c.input, c.late ? 1 : 0]),
      s: g.seen,
      ...(g.fired.length > 0 ? { f: g.fired } : {}),
    }),
    decode(data) {
      const d = data as { p: [number, string, number, 0 | 1][]; s: number[]; f?: FiredSpan[] };
      return {
        pending: d.p.map(([t, ref, input, late]) => ({
          t,
          ref,
          input,
          value: undefined,
          late: late === 1,
        })),
        seen: d.s,
        fired: d.f ?? [],
      };
    },
  };
}

/** The input under the NOT of "a and not b". */
function negated(expr: BooleanExpr | undefined): number {
  if (expr?.kind === 'and') {
    for (const o of expr.operands)
      if (o.kind === 'not' && o.operand.kind === 'ref') return o.operand.input;
  }
  return 1;
}
