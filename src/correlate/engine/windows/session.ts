import type { CompiledCorrelation } from '../../rule/types.js';
import type { Aggregation, ScanResult } from '../aggregation.js';
import type { EncodedColumns, EncodedContribution } from '../contribution-buffer.js';
import { ContributionBuffer, decodeContributions } from '../contribution-buffer.js';
import type { Contribution, Fire, RuleRuntime, RuntimeContext } from '../runtime.js';
import { NO_FIRES } from '../runtime.js';

/**
 * Session windows: a session grows while a group's consecutive events are at most `gap` apart,
 * and never spans more than the timespan (an event that would stretch it further opens a new
 * session). Eager rules fire inside a session at the event that satisfies it; on-close rules
 * evaluate a session once every source has passed its end (last event + gap, or start +
 * timespan) plus the allowed lateness.
 */
interface Session {
  start: number;
  last: number;
  /** Its events, as columns (see ContributionBuffer: no object per event outlives the add). */
  items: ContributionBuffer;
  /** Matches fired in this session so far (part of the window key). */
  fired: number;
  /** First event of the session: names its window for match ids. */
  anchor: string;
  partial: boolean;
}

export interface SessionState {
  sessions: Session[];
}

type Encoded = [number, number, number, string, 0 | 1, EncodedColumns | EncodedContribution[]][];

export function sessionRuntime(
  rule: CompiledCorrelation,
  aggregation: Aggregation,
  gapMs: number,
): RuleRuntime<SessionState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const eager = rule.firing === 'eager';
  const reset = rule.action === 'reset';
  // Inclusive ends: an event at exactly the end may still arrive while the watermark is at end + L.
  const closesAt = (s: Session): number => Math.min(s.last + gapMs, s.start + T) + L + 1;

  const evaluate = (s: Session): ScanResult => {
    const acc = aggregation.accumulator();
    if (!acc) return aggregation.scan(s.items.toArray());
    for (let i = 0; i < s.items.length; i += 1) acc.add(s.items.at(i));
    return acc.result();
  };

  const fire = (s: Session, result: ScanResult): Fire => {
    const f: Fire = {
      windowStart: s.start,
      windowEnd: s.last,
      contributions: result.used ?? s.items.toArray(),
      evaluation: result,
      windowKey: `s${s.anchor}:${s.fired}`,
      partial: s.partial,
    };
    s.fired += 1;
    s.partial = false;
    return f;
  };

  const insertInto = (s: Session, c: Contribution, ctx: RuntimeContext): void => {
    s.items.insert(c, true);
    s.start = Math.min(s.start, c.t);
    s.last = Math.max(s.last, c.t);
    const cap = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
    if (s.items.length > cap) {
      s.items.dropFront(s.items.length - cap);
      s.partial = true;
    }
  };

  /** The session c joins (merging sessions it bridges), or a new one. */
  const place = (g: SessionState, c: Contribution, ctx: RuntimeContext): Session => {
    const joinable = g.sessions.filter(
      (s) =>
        c.t >= s.start - gapMs &&
        c.t <= s.last + gapMs &&
        Math.max(s.last, c.t) - Math.min(s.start, c.t) <= T,
    );
    let target: Session;
    if (joinable.length === 0) {
      target = {
        start: c.t,
        last: c.t,
        items: new ContributionBuffer(),
        fired: 0,
        anchor: `${c.t}:${c.ref}`,
        partial: false,
      };
      g.sessions.push(target);
      g.sessions.sort((a, b) => a.start - b.start);
    } else {
      target = joinable[0] as Session;
      for (const other of joinable.slice(1)) {
        // c bridges two sessions: they become one, if that stays within the timespan.
        if (Math.max(other.last, target.last) - Math.min(other.start, target.start) > T) break;
        for (let i = 0; i < other.items.length; i += 1) insertInto(target, other.items.at(i), ctx);
        target.fired += other.fired;
        target.partial ||= other.partial;
        g.sessions.splice(g.sessions.indexOf(other), 1);
      }
    }
    insertInto(target, c, ctx);
    return target;
  };

  return {
    rule,
    create: () => ({ sessions: [] }),
    add(g, c, ctx) {
      const s = place(g, c, ctx);
      if (!eager) return NO_FIRES;
      if (aggregation.completes && !aggregation.completes(c)) return NO_FIRES;
      const result = evaluate(s);
      if (!result.met) return NO_FIRES;
      const f = fire(s, result);
      if (reset) s.items.clear();
      return [f];
    },
    nextClose(g) {
      if (eager) return undefined;
      let next: number | undefined;
      for (const s of g.sessions) {
        const at = closesAt(s);
        if (next === undefined || at < next) next = at;
      }
      return next;
    },
    close(g, watermark) {
      if (eager) return NO_FIRES;
      const fires: Fire[] = [];
      const open: Session[] = [];
      for (const s of g.sessions) {
        if (closesAt(s) > watermark) {
          open.push(s);
          continue;
        }
        const result = evaluate(s);
        if (result.met && s.items.length > 0) fires.push(fire(s, result));
      }
      g.sessions = open;
      return fires;
    },
    // The session keeps its extent (its events were seen, and it may have fired already): only
    // what the withdrawn match counted leaves it.
    forget(g, ref) {
      const removed: Contribution[] = [];
      for (const s of g.sessions) removed.push(...s.items.removeRef(ref));
      return removed;
    },
    prune(g, watermark) {
      // A session nothing can join any more (no event older than watermark − L can arrive).
      g.sessions = g.sessions.filter((s) => Math.min(s.last + gapMs, s.start + T) >= watermark - L);
      return g.sessions.length === 0;
    },
    encode(g): Encoded {
      return g.sessions.map((s) => [
        s.start,
        s.last,
        s.fired,
        s.anchor,
        s.partial ? 1 : 0,
        s.items.encode(),
      ]);
    },
    decode(data) {
      return {
        sessions: (data as Encoded).map(([start, last, fired, anchor, partial, items]) => ({
          start,
          last,
          fired,
          anchor,
          partial: partial === 1,
          items: new ContributionBuffer(decodeContributions(items)),
        })),
      };
    },
  };
}
