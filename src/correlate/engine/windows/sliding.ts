import type { CompiledCorrelation } from '../../rule/types.js';
import type { Accumulator, Aggregation, ScanResult } from '../aggregation.js';
import type { EncodedColumns, EncodedContribution } from '../contribution-buffer.js';
import {
  ContributionBuffer,
  compareContributions,
  decodeContributions,
} from '../contribution-buffer.js';
import type { Contribution, Fire, RuleRuntime, RuntimeContext } from '../runtime.js';
import { NO_FIRES } from '../runtime.js';

/**
 * Sliding windows (the default). Eager rules evaluate, at each event, the window of length T
 * that ends at it, [t − T, t], inclusive at both ends; an event arriving out of order is
 * evaluated in every window of length T that ends at or after it and contains it, earliest
 * first, so the arrival order of a group's events never changes whether it fires.
 *
 * On-close rules (conditions that more events could falsify: lt, lte, eq, neq, ranges, averages,
 * percentiles, NOT-terms) cannot decide a window ending at each event, so their windows are
 * anchored: a window opens at the group's first event a and covers [a, a + T]; it is evaluated
 * once every source feeding the rule is past a + T + L (L = allowed lateness; an event at
 * exactly a + T may still arrive while the watermark is at a + T + L), then the
 * next window opens at the first event after it.
 */
export interface SlidingState {
  readonly buf: ContributionBuffer;
  /** Covers the window ending at the newest contribution, from index `accFrom`. */
  acc: Accumulator | undefined;
  accFrom: number;
  accValid: boolean;
  /**
   * Events a window may still need were evicted at the per-group cap since the last match
   * (not those kept only for a late withdrawal: see enforceCap).
   */
  partial: boolean;
}

/** `c`: the window's contributions; `b`: the same as older checkpoints wrote them. */
type Encoded = { c?: EncodedColumns; b?: EncodedContribution[]; p?: 1 };

export function slidingRuntime(
  rule: CompiledCorrelation,
  aggregation: Aggregation,
  keepMs = 0,
): RuleRuntime<SlidingState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const eager = rule.firing === 'eager';
  const reset = rule.action === 'reset';
  const accumulating = aggregation.accumulator() !== undefined;

  const create = (): SlidingState => ({
    buf: new ContributionBuffer(),
    acc: undefined,
    accFrom: 0,
    accValid: false,
    partial: false,
  });

  const rebuild = (g: SlidingState): void => {
    const n = g.buf.length;
    g.acc = aggregation.accumulator();
    g.accFrom = n === 0 ? 0 : g.buf.lowerBound(g.buf.timeAt(n - 1) - T);
    for (let i = g.accFrom; i < g.buf.length; i += 1) g.acc?.add(g.buf.at(i));
    g.accValid = true;
  };

  const dropFront = (g: SlidingState, n: number): void => {
    if (n <= 0) return;
    if (g.accValid) {
      if (n > g.accFrom) g.accValid = false;
      else g.accFrom -= n;
    }
    g.buf.dropFront(n);
  };

  const enforceCap = (g: SlidingState, ctx: RuntimeContext): void => {
    const cap = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
    const excess = g.buf.length - cap;
    if (excess > 0) {
      // Events kept only for a late withdrawal (keepMs), older than any window a late event
      // (within the lateness) can still open, are no loss to the windows still to be decided.
      const lost = g.buf.timeAt(excess - 1) >= g.buf.timeAt(g.buf.length - 1) - T - L;
      dropFront(g, excess);
      if (lost || keepMs === 0) g.partial = true;
    }
  };

  const fire = (
    g: SlidingState,
    endT: number,
    from: number,
    to: number,
    result: ScanResult,
  ): Fire => {
    const window = g.buf.slice(from, to);
    const used = result.used ?? window;
    const first = used[0] as Contribution;
    const fired: Fire = {
      windowStart: endT - T,
      windowEnd: endT,
      contributions: used,
      evaluation: result,
      windowKey: `${first.t}:${first.ref}`,
      partial: g.partial,
    };
    g.partial = false;
    if (reset) {
      // The window's events are consumed: a new match needs fresh ones (SEC semantics). A
      // sequence (an aggregation that completes at a step) reports its tightest chain, but
      // skip-past-last-event also drops the partial matches begun before it in the window.
      const lo = aggregation.completes ? from : g.buf.lowerBound(first.t);
      const hi = g.buf.upperBound(endT);
      g.buf.removeRange(lo, hi);
      g.accValid = false;
    }
    return fired;
  };

  /** Evaluates the window ending at index `end` (inclusive of equal times after it). */
  const evaluateEndingAt = (g: SlidingState, end: number): Fire | undefined => {
    const endT = g.buf.timeAt(end);
    const from = g.buf.lowerBound(endT - T);
    const to = g.buf.upperBound(endT, end);
    const result = aggregation.scan(g.buf.slice(from, to));
    return result.met ? fire(g, endT, from, to, result) : undefined;
  };

  const addEager = (g: SlidingState, c: Contribution, index: number): readonly Fire[] => {
    // A tie with the newest event (same time, earlier ref) joins the same window [t − T, t]:
    // for an accumulating type that is the in-order case, not a rescan of every window.
    const inOrder =
      index === g.buf.length - 1 || (accumulating && g.buf.timeAt(g.buf.length - 1) === c.t);
    if (inOrder && accumulating) {
      if (!g.accValid) {
        rebuild(g);
      } else {
        g.acc?.add(c);
        while (g.accFrom < g.buf.length && g.buf.timeAt(g.accFrom) < c.t - T) {
          g.acc?.remove(g.buf.at(g.accFrom));
          g.accFrom += 1;
        }
      }
      if (!g.acc?.met()) return NO_FIRES;
      return [fire(g, c.t, g.accFrom, g.buf.length, g.acc.result())];
    }
    if (inOrder) {
      if (aggregation.completes && !aggregation.completes(c)) {
        // c may tie with a completing event that arrived before it (same time, earlier ref):
        // the window [t − T, t] ending there now holds c too, so it is decided again.
        for (let end = index - 1; end >= 0 && g.buf.timeAt(end) === c.t; end -= 1) {
          if (!aggregation.completes(g.buf.at(end))) continue;
          const f = evaluateEndingAt(g, end);
          return f ? [f] : [];
        }
        return NO_FIRES;
      }
      const f = evaluateEndingAt(g, index);
      return f ? [f] : [];
    }
    // Out of order: every window that ends at or after c and still contains it, earliest first
    // (from the first event at c's time: windows ending at a tie hold c as well).
    g.accValid = false;
    const last = g.buf.upperBound(c.t + T);
    let decided = -Infinity;
    for (let end = g.buf.lowerBound(c.t); end < last; end += 1) {
      const endT = g.buf.timeAt(end);
      // Windows ending at tied events are one window (equal times are all inside it).
      if (endT === decided) continue;
      if (aggregation.completes && !aggregation.completes(g.buf.at(end))) continue;
      decided = endT;
      const f = evaluateEndingAt(g, end);
      if (f) return [f];
    }
    return NO_FIRES;
  };

  /**
   * The windows ending at a completing event that held a removed contribution, earliest
   * first: the first that is met without it, and was not with it, fires (as the out-of-order
   * path decides the windows an arrival touches).
   */
  const refire = (g: SlidingState, removed: readonly Contribution[]): readonly Fire[] => {
    if (removed.length === 0) return NO_FIRES;
    const gone = [...removed].sort(compareContributions);
    const earliest = (gone[0] as Contribution).t;
    const latest = (gone[gone.length - 1] as Contribution).t;
    const last = g.buf.upperBound(latest + T);
    let decided = -Infinity;
    for (let end = g.buf.lowerBound(earliest); end < last; end += 1) {
      const endT = g.buf.timeAt(end);
      if (endT === decided || aggregation.completes?.(g.buf.at(end)) !== true) continue;
      decided = endT;
      const from = g.buf.lowerBound(endT - T);
      const to = g.buf.upperBound(endT, end);
      const held = gone.filter((c) => c.t >= endT - T && c.t <= endT);
      if (held.length === 0) continue;
      const window = g.buf.slice(from, to);
      const result = aggregation.scan(window);
      if (!result.met) continue;
      if (aggregation.scan([...window, ...held].sort(compareContributions)).met) continue;
      g.accValid = false;
      return [fire(g, endT, from, to, result)];
    }
    return NO_FIRES;
  };

  return {
    rule,
    create,
    add(g, c, ctx) {
      const index = g.buf.insert(c);
      const before = g.buf.length;
      enforceCap(g, ctx);
      const shifted = index - (before - g.buf.length);
      // An event older than everything the cap keeps is gone already.
      if (!eager || shifted < 0) return NO_FIRES;
      return addEager(g, c, shifted);
    },
    nextClose(g) {
      if (eager) return undefined;
      return g.buf.length === 0 ? undefined : g.buf.timeAt(0) + T + L + 1;
    },
    close(g, watermark) {
      if (eager) return NO_FIRES;
      const fires: Fire[] = [];
      for (let first = g.buf.first(); first !== undefined; first = g.buf.first()) {
        if (first.t + T + L + 1 > watermark) break;
        const endT = first.t + T;
        const to = g.buf.upperBound(endT);
        const window = g.buf.slice(0, to);
        const result = aggregation.scan(window);
        if (result.met) {
          const used = result.used ?? window;
          fires.push({
            windowStart: first.t,
            windowEnd: endT,
            contributions: used,
            evaluation: result,
            windowKey: `${first.t}:${first.ref}`,
            partial: g.partial,
          });
        }
        g.partial = false;
        // The window is decided either way; the next one opens at the first event after it.
        g.buf.dropFront(to);
        g.accValid = false;
      }
      return fires;
    },
    forget(g, ref) {
      const removed = g.buf.removeRef(ref);
      if (removed.length > 0) g.accValid = false;
      return removed;
    },
    // Only a sequence (an aggregation that completes at a step) is decided again: counts, and
    // sums of non-negative figures, only shrink without an event (a negative figure taken out
    // of a sum is not: the README lists it among what is not decided again).
    ...(eager && aggregation.completes
      ? { refire: (g: SlidingState, removed: readonly Contribution[]) => refire(g, removed) }
      : {}),
    prune(g, watermark) {
      const horizon = watermark - L - T - keepMs;
      let n = 0;
      while (n < g.buf.length && g.buf.timeAt(n) < horizon) n += 1;
      dropFront(g, n);
      return g.buf.length === 0;
    },
    encode(g): Encoded {
      const c = g.buf.encode();
      return g.partial ? { c, p: 1 } : { c };
    },
    decode(data) {
      const e = data as Encoded;
      return {
        buf: new ContributionBuffer(decodeContributions(e.c ?? e.b ?? [])),
        acc: undefined,
        accFrom: 0,
        accValid: false,
        partial: e.p === 1,
      };
    },
  };
}
