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
import type {
  Contribution,
  Fire,
  RuleRuntime,
  RuntimeBuild,
  RuntimeContext,
} from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { BooleanExpr, CompiledCorrelation } from '../../rule/types.js';
import { MAX_WINDOW_TIMESPAN_MS } from '../common.js';
import { DERIVED_SOURCE } from '../../../ingest/canonical-event.js';
import type { CorrelationTypeModule } from '../type-module.js';

/** The ref of an inner match read by a chained rule (`cordon/<match id>`). */
const INNER_MATCH = `${DERIVED_SOURCE}/`;

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
  /**
   * Expected events that are inner matches (chained rules), oldest first, each with the
   * triggers it covered: a withdrawn one covers nothing any more (forget).
   */
  chained: InnerExpected[];
  /** Absences reported that an expected event arriving later may still withdraw. */
  fired: FiredSpan[];
}

interface InnerExpected {
  readonly t: number;
  readonly ref: string;
  /** Triggers it covered (cleared while waiting, or arrived covered), oldest first. */
  covered: Contribution[];
}

type EncodedTrigger = [number, string, number, 0 | 1];

function absenceRuntime(rule: CompiledCorrelation, build: RuntimeBuild): RuleRuntime<AbsenceState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const expr = rule.condition?.kind === 'boolean' ? rule.condition.expr : undefined;
  const expected = negated(expr);
  const expectedKey = rule.inputs[expected]?.key ?? '';
  /** The first watermark past t + T + L (event times are whole milliseconds). */
  const deadline = (a: Contribution): number => a.t + T + L + 1;
  const covers = (t: number, a: Contribution): boolean => t >= a.t && t <= a.t + T;
  const capOf = (ctx: RuntimeContext): number =>
    rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
  const wait = (g: AbsenceState, a: Contribution, cap: number): void => {
    g.pending.push(a);
    g.pending.sort(compareContributions);
    if (g.pending.length > cap) g.pending.splice(0, g.pending.length - cap);
  };
  /**
   * Where trigger `a` goes: nowhere if an expected event that cannot be withdrawn covers it,
   * to the first inner match that covers it, else it waits.
   */
  const place = (g: AbsenceState, a: Contribution, cap: number): void => {
    if (g.seen.some((t) => covers(t, a))) return;
    const by = g.chained.find((e) => covers(e.t, a));
    if (!by) return wait(g, a, cap);
    by.covered.push(a);
    by.covered.sort(compareContributions);
    if (by.covered.length > cap) by.covered.splice(0, by.covered.length - cap);
  };
  /**
   * Inner matches that can no longer be withdrawn cover for good: the triggers they cover,
   * kept under another inner match for its withdrawal, are dropped there too.
   */
  const settle = (g: AbsenceState, final: readonly InnerExpected[]): void => {
    for (const e of final)
      for (const other of g.chained) other.covered = other.covered.filter((a) => !covers(e.t, a));
    for (const e of final) g.seen.push(e.t);
  };
  return {
    rule,
    create: () => ({ pending: [], seen: [], chained: [], fired: [] }),
    add(g, c, ctx) {
      if (c.input !== expected) {
        place(g, c, capOf(ctx));
        return NO_FIRES;
      }
      const covered = g.pending.filter((a) => covers(c.t, a));
      if (covered.length > 0) g.pending = g.pending.filter((a) => !covers(c.t, a));
      if (c.ref.startsWith(INNER_MATCH)) {
        g.chained.push({ t: c.t, ref: c.ref, covered });
        g.chained.sort((a, b) => a.t - b.t);
        // Past the cap the oldest inner match is taken as final (as the horizon does).
        const cap = capOf(ctx);
        if (g.chained.length > cap) settle(g, g.chained.splice(0, g.chained.length - cap));
      } else g.seen.push(c.t);
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
      // An inner match can be withdrawn for as long as the engine keeps the matches built on
      // inner ones; past that it is final (settle), so whether a sweep ran changes nothing.
      const innerHorizon = watermark - L - build.innerSpanMs;
      const final = g.chained.filter((e) => e.t < innerHorizon);
      if (final.length > 0) {
        g.chained = g.chained.filter((e) => e.t >= innerHorizon);
        settle(g, final);
      }
      // A trigger still to come has t ≥ watermark − L; only expected events after that matter.
      g.seen = g.seen.filter((t) => t >= watermark - L);
      g.fired = keptFires(g.fired, firesHorizon(watermark, L, T));
      return (
        g.pending.length === 0 &&
        g.seen.length === 0 &&
        g.chained.length === 0 &&
        g.fired.length === 0
      );
    },
    // An expected event for a reported absence can only come later than the lateness allows
    // (the absence waited for it that long), so it is not counted; it still withdraws the match.
    forgetFire(g, windowKey) {
      forgetSpan(g.fired, windowKey);
    },
    // A withdrawn inner match: as a trigger it is no longer waited on (one decided already is
    // withdrawn with the matches built on it); as an expected event it covers nothing any more,
    // so the triggers it covered are placed again (one whose deadline has passed fires at the
    // next close).
    forget(g, ref) {
      const removed = g.pending.filter((a) => a.ref === ref);
      if (removed.length > 0) g.pending = g.pending.filter((a) => a.ref !== ref);
      for (const e of g.chained) {
        if (!e.covered.some((a) => a.ref === ref)) continue;
        removed.push(...e.covered.filter((a) => a.ref === ref));
        e.covered = e.covered.filter((a) => a.ref !== ref);
      }
      const gone = g.chained.filter((e) => e.ref === ref);
      if (gone.length === 0) return removed;
      g.chained = g.chained.filter((e) => e.ref !== ref);
      const cap = capOf(build);
      for (const e of gone) for (const a of e.covered) place(g, a, cap);
      return [
        ...removed,
        { t: (gone[0] as InnerExpected).t, ref, input: expected, value: undefined, late: false },
      ];
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
      p: g.pending.map(encodeTrigger),
      s: g.seen,
      ...(g.chained.length > 0
        ? { c: g.chained.map((e) => [e.t, e.ref, e.covered.map(encodeTrigger)]) }
        : {}),
      ...(g.fired.length > 0 ? { f: g.fired } : {}),
    }),
    decode(data) {
      const d = data as {
        p: EncodedTrigger[];
        s: number[];
        c?: [number, string, EncodedTrigger[]][];
        f?: FiredSpan[];
      };
      return {
        pending: d.p.map(decodeTrigger),
        seen: d.s,
        chained: (d.c ?? []).map(([t, ref, covered]) => ({
          t,
          ref,
          covered: covered.map(decodeTrigger),
        })),
        fired: d.f ?? [],
      };
    },
  };
}

function encodeTrigger(c: Contribution): EncodedTrigger {
  return [c.t, c.ref, c.input, c.late ? 1 : 0];
}

function decodeTrigger([t, ref, input, late]: EncodedTrigger): Contribution {
  return { t, ref, input, value: undefined, late: late === 1 };
}

/** The input under the NOT of "a and not b". */
function negated(expr: BooleanExpr | undefined): number {
  if (expr?.kind === 'and') {
    for (const o of expr.operands)
      if (o.kind === 'not' && o.operand.kind === 'ref') return o.operand.input;
  }
  return 1;
}
