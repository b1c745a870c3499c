import type { Contribution, Fire, RuleRuntime, RuntimeBuild } from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { CompiledCorrelation } from '../../rule/types.js';
import { readDuration } from '../extension-settings.js';
import type { CorrelationTypeModule } from '../type-module.js';

const MAX_HISTORY_MS = 90 * 86_400_000;
/** What taking in an arrival found (see takeIn). */
const KNOWN = 1;
const EVICTED = 2;

/**
 * Cordon extension `new_terms` (Elastic's new-terms rule), over Sigma `value_count`: fires at
 * the first occurrence, for a group, of a value of `condition.field` (or a tuple of fields) not
 * seen for that group within the history (`timespan`, up to 90d) — a region never seen for an
 * API key, a model a key never called. Each group first learns silently for `cordon.learning`
 * (default 1d) from its first event, so a new key does not alert on everything it does; a group
 * with nothing seen within the whole history is new again and learns again. The
 * value_count condition is what a plain Sigma backend would evaluate; Cordon does not use it.
 * Over correlations (chained), a withdrawn inner match is taken out of what the group has seen
 * (`forget`), so a later occurrence of its term is new again.
 */
export const newTerms: CorrelationTypeModule = {
  name: 'new_terms',
  extension: true,
  bases: ['value_count'],
  summary: 'a value never seen for the group within the history, after a learning period',
  condition: 'threshold',
  field: 'tuple',
  value: () => 'text',
  windows: ['sliding'],
  maxTimespanMs: MAX_HISTORY_MS,
  extensionKeys: ['learning'],
  parse({ ctx, cordon }) {
    const learning = readDuration(ctx, cordon, 'learning', 86_400_000, MAX_HISTORY_MS, '7d');
    return learning === undefined ? undefined : { learningMs: learning };
  },
  firing: () => 'eager',
  runtime: (rule, build) => newTermsRuntime(rule, build),
};

interface TermsState extends Seen {
  partial: boolean;
  /**
   * A rule that reads correlations: what is needed to work the group out again without an
   * inner match that is withdrawn (undefined until the group's first inner match).
   */
  undo?: Undo;
}

/** What a group has seen: the state a replay of its arrivals rebuilds. */
interface Seen {
  /** Event time of the group's first event (since it last started afresh): learning runs from here. */
  first: number;
  /** Latest event time of any term (the newest entry of `terms`). */
  last: number;
  /** Term → latest event time it was seen. */
  terms: Map<string, number>;
}

/**
 * `base`, what the group had seen before the arrivals in `log`; and `log`, the arrivals since
 * (plain events and inner matches, in arrival order), from the oldest inner match a withdrawal
 * may still reach. Taking an inner match out replays the rest of the log over the base, so the
 * group is what it would be had that match never arrived: its terms, and where its learning
 * (re)started.
 */
interface Undo {
  base: Seen;
  log: Arrival[];
}

interface Arrival {
  readonly t: number;
  readonly term: string;
  /** An inner match (it can be withdrawn); undefined for a plain event. */
  readonly match?: Contribution;
}

function newTermsRuntime(rule: CompiledCorrelation, build: RuntimeBuild): RuleRuntime<TermsState> {
  const history = rule.timespanMs;
  const learning = typeof rule.params.learningMs === 'number' ? rule.params.learningMs : 0;
  const L = rule.allowedLatenessMs;
  const cap = rule.limits.maxEventsPerGroup ?? build.maxEventsPerGroup;
  const readsInner = rule.inputs.some((i) => i.kind === 'correlation');
  const fromInner = (c: Contribution): boolean =>
    readsInner && rule.inputs[c.input]?.kind === 'correlation';
  // An inner match can be withdrawn until the watermark, less lateness, passes it by the inner
  // span (RuntimeBuild.innerSpanMs): until then it stays in the log.
  const innerSpan = build.innerSpanMs;

  /**
   * `seen` takes in an arrival at `t` of `term`; returns KNOWN when the term was known, and
   * EVICTED when the cap on terms evicted one. With nothing seen within the history before it,
   * the group is as good as new, which is what it would be had prune already forgotten it: it
   * learns again from here, so the outcome never depends on whether other events moved the
   * watermark on in between.
   */
  const takeIn = (seen: Seen, t: number, term: string): number => {
    if (seen.last < t - history) {
      seen.terms.clear();
      seen.first = Infinity;
    }
    if (t < seen.first) seen.first = t;
    if (t > seen.last) seen.last = t;
    const at = seen.terms.get(term);
    // Seen within the history before this event, or already seen later (an older event arriving late).
    const known = at !== undefined && (at >= t || t - at <= history);
    seen.terms.set(term, Math.max(at ?? t, t));
    const evicted = seen.terms.size > cap;
    if (evicted) evictOldest(seen.terms);
    // Flags, not an object: this runs for every event of the rule.
    return (known ? KNOWN : 0) | (evicted ? EVICTED : 0);
  };

  /** Moves log arrivals into the base, oldest first, while `done` says the first may go. */
  const fold = (undo: Undo, done: (a: Arrival) => boolean): void => {
    let n = 0;
    while (n < undo.log.length && done(undo.log[n] as Arrival)) {
      const a = undo.log[n] as Arrival;
      takeIn(undo.base, a.t, a.term);
      n += 1;
    }
    if (n > 0) undo.log.splice(0, n);
  };

  return {
    rule,
    create: () => ({ first: Infinity, last: -Infinity, terms: new Map(), partial: false }),
    add(g, c: Contribution) {
      const term = c.value as string;
      const inner = fromInner(c);
      if (g.last < c.t - history) g.partial = false;
      if (inner && !g.undo)
        g.undo = { base: { first: g.first, last: g.last, terms: new Map(g.terms) }, log: [] };
      if (g.undo) {
        g.undo.log.push(inner ? { t: c.t, term, match: c } : { t: c.t, term });
        // Past the cap the oldest arrival goes into the base: if an inner match, it can no
        // longer be taken out.
        if (g.undo.log.length > cap) {
          const oldest = g.undo.log.shift() as Arrival;
          takeIn(g.undo.base, oldest.t, oldest.term);
          if (oldest.match) g.partial = true;
        }
      }
      const taken = takeIn(g, c.t, term);
      if (taken & EVICTED) g.partial = true;
      if (taken & KNOWN || c.t < g.first + learning) return NO_FIRES;
      const fire: Fire = {
        windowStart: c.t,
        windowEnd: c.t,
        contributions: [c],
        evaluation: {
          met: true,
          count: 1,
          aggregate: {
            term,
            known: knownWithin(g.terms, term, c.t - history),
            learnedFrom: g.first,
          },
        },
        windowKey: `${term}\n${c.t}:${c.ref}`,
        partial: g.partial,
      };
      g.partial = false;
      return [fire];
    },
    /**
     * A withdrawn inner match is taken out: the group is worked out again from the base and
     * the rest of the log, as if it had never arrived, so a later occurrence of its term is new
     * again unless something else had it within the history, and learning (re)starts where it
     * would have. What arrived before the withdrawal is not decided again (no `refire`): an
     * occurrence the match kept from firing stays seen, and stays quiet.
     */
    forget(g, ref) {
      const undo = g.undo;
      const at = undo ? undo.log.findIndex((a) => a.match?.ref === ref) : -1;
      if (!undo || at < 0) return [];
      const [gone] = undo.log.splice(at, 1) as [Arrival];
      const seen: Seen = {
        first: undo.base.first,
        last: undo.base.last,
        terms: new Map(undo.base.terms),
      };
      for (const a of undo.log) takeIn(seen, a.t, a.term);
      g.first = seen.first;
      g.last = seen.last;
      g.terms = seen.terms;
      return gone.match ? [gone.match] : [];
    },
    nextClose: () => undefined,
    close: () => [],
    prune(g, watermark) {
      const horizon = watermark - L - history;
      for (const [term, seen] of g.terms) if (seen < horizon) g.terms.delete(term);
      const undo = g.undo;
      if (undo) {
        // Arrivals before the oldest inner match a withdrawal may still reach join the base.
        const withdrawable = watermark - L - innerSpan;
        fold(undo, (a) => a.match === undefined || a.t < withdrawable);
        for (const [term, seen] of undo.base.terms)
          if (seen < horizon) undo.base.terms.delete(term);
        if (undo.log.length === 0) g.undo = undefined;
      }
      return g.terms.size === 0 && g.undo === undefined;
    },
    encode: (g) => ({
      f: g.first,
      l: g.last,
      t: [...g.terms],
      ...(g.partial ? { p: 1 } : {}),
      ...(g.undo
        ? {
            b: { f: g.undo.base.first, l: g.undo.base.last, t: [...g.undo.base.terms] },
            a: g.undo.log.map((a) =>
              a.match
                ? [a.t, a.term, a.match.ref, a.match.input, a.match.late ? 1 : 0]
                : [a.t, a.term],
            ),
          }
        : {}),
    }),
    decode(data) {
      type EncodedSeen = { f: number | null; l?: number | null; t: [string, number][] };
      const d = data as EncodedSeen & {
        p?: 1;
        b?: EncodedSeen;
        a?: ([number, string] | [number, string, string, number, 0 | 1])[];
      };
      const seen = (e: EncodedSeen): Seen => {
        const terms = new Map(e.t);
        let last = e.l ?? -Infinity;
        if (e.l === undefined || e.l === null)
          for (const at of terms.values()) if (at > last) last = at;
        return { first: e.f ?? Infinity, last, terms };
      };
      const state: TermsState = { ...seen(d), partial: d.p === 1 };
      if (d.b && d.a)
        state.undo = {
          base: seen(d.b),
          log: d.a.map(([t, term, ref, input, late]) =>
            ref === undefined
              ? { t, term }
              : { t, term, match: { t, ref, input: input ?? 0, value: term, late: late === 1 } },
          ),
        };
      return state;
    },
  };
}

/**
 * Other terms seen within the history (at or after `since`): what the group normally uses,
 * whether or not prune has forgotten the older ones yet.
 */
function knownWithin(terms: ReadonlyMap<string, number>, term: string, since: number): number {
  let n = 0;
  for (const [other, seen] of terms) if (other !== term && seen >= since) n += 1;
  return n;
}

function evictOldest(terms: Map<string, number>): void {
  let oldest: string | undefined;
  let at = Infinity;
  for (const [term, seen] of terms) {
    if (seen < at) {
      at = seen;
      oldest = term;
    }
  }
  if (oldest !== undefined) terms.delete(oldest);
}
