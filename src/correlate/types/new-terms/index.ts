import type { Contribution, Fire, RuleRuntime, RuntimeBuild } from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { CompiledCorrelation } from '../../rule/types.js';
import { readDuration } from '../extension-settings.js';
import type { CorrelationTypeModule } from '../type-module.js';

const MAX_HISTORY_MS = 90 * 86_400_000;

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

interface TermsState {
  /** Event time of the group's first event: learning runs from here. */
  first: number;
  /** Latest event time of any term (the newest entry of `terms`). */
  last: number;
  /** Term → latest event time it was seen. */
  terms: Map<string, number>;
  partial: boolean;
  /**
   * A rule that reads correlations: what the group's inner matches contributed, kept so a
   * withdrawn one can be taken out again (undefined until the group's first inner match).
   */
  inner?: InnerTerms;
}

/**
 * A group's inner matches (contributions, their value the term), in arrival order; beside
 * them, `plain` (term → latest time) and `plainFirst` are what the group's other events
 * have seen (and inner matches evicted at the cap, which can no longer be taken out), so a
 * term's latest time and the group's first can be worked out again without one match.
 */
interface InnerTerms {
  seen: Contribution[];
  plain: Map<string, number>;
  plainFirst: number;
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
  // span; after that it is kept as a plain figure. The plain figures are kept for the history
  // beyond that, so what a withdrawal takes out is the same whenever sweeps ran.
  const innerSpan = build.innerSpanMs;
  const seenPlain = (inner: InnerTerms, term: string, t: number): void => {
    inner.plain.set(term, Math.max(inner.plain.get(term) ?? t, t));
    if (t < inner.plainFirst) inner.plainFirst = t;
  };

  return {
    rule,
    create: () => ({ first: Infinity, last: -Infinity, terms: new Map(), partial: false }),
    add(g, c: Contribution) {
      const term = c.value as string;
      if (g.last < c.t - history) {
        // Nothing seen within the history before this event: the group is as good as new, which
        // is what it would be had prune already forgotten it. It learns again from here, so the
        // outcome never depends on whether other events moved the watermark on in between.
        g.terms.clear();
        g.first = Infinity;
        g.partial = false;
        g.inner = undefined;
      }
      if (fromInner(c)) {
        g.inner ??= { seen: [], plain: new Map(g.terms), plainFirst: g.first };
        g.inner.seen.push(c);
        if (g.inner.seen.length > cap) {
          // The oldest arrival stays seen, as a plain event: it can no longer be taken out.
          const evicted = g.inner.seen.shift() as Contribution;
          seenPlain(g.inner, evicted.value as string, evicted.t);
        }
      } else if (g.inner) seenPlain(g.inner, term, c.t);
      if (c.t < g.first) g.first = c.t;
      if (c.t > g.last) g.last = c.t;
      const seen = g.terms.get(term);
      // Seen within the history before this event, or already seen later (an older event arriving late).
      const known = seen !== undefined && (seen >= c.t || c.t - seen <= history);
      g.terms.set(term, Math.max(seen ?? c.t, c.t));
      if (g.terms.size > cap) {
        evictOldest(g.terms);
        g.partial = true;
      }
      if (known || c.t < g.first + learning) return NO_FIRES;
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
     * A withdrawn inner match is taken out of what the group has seen: its term's latest time,
     * and the group's first and last, are worked out again from what is left, so a later
     * occurrence of the term is new again unless something else had it within the history.
     * What arrived before the withdrawal is not decided again (no `refire`): an occurrence it
     * kept from firing stays seen, and stays quiet.
     */
    forget(g, ref) {
      const inner = g.inner;
      const at = inner ? inner.seen.findIndex((c) => c.ref === ref) : -1;
      if (!inner || at < 0) return [];
      const [gone] = inner.seen.splice(at, 1) as [Contribution];
      const term = gone.value as string;
      if (g.terms.has(term)) {
        let latest = inner.plain.get(term) ?? -Infinity;
        for (const c of inner.seen) if (c.value === term && c.t > latest) latest = c.t;
        if (latest === -Infinity) g.terms.delete(term);
        else g.terms.set(term, latest);
      }
      if (gone.t <= g.first) {
        // It was the group's first: learning runs from the next one (nothing older is left).
        let first = inner.plainFirst;
        for (const c of inner.seen) if (c.t < first) first = c.t;
        g.first = first;
      }
      let last = -Infinity;
      for (const seen of g.terms.values()) if (seen > last) last = seen;
      g.last = last;
      return [gone];
    },
    nextClose: () => undefined,
    close: () => [],
    prune(g, watermark) {
      const horizon = watermark - L - history;
      for (const [term, seen] of g.terms) if (seen < horizon) g.terms.delete(term);
      const inner = g.inner;
      if (inner) {
        const withdrawable = watermark - L - innerSpan;
        if (inner.seen.some((c) => c.t < withdrawable)) {
          const kept: Contribution[] = [];
          for (const c of inner.seen)
            if (c.t < withdrawable) seenPlain(inner, c.value as string, c.t);
            else kept.push(c);
          inner.seen = kept;
        }
        const plainHorizon = withdrawable - history;
        for (const [term, seen] of inner.plain) if (seen < plainHorizon) inner.plain.delete(term);
        // A later inner match starts again from the group's terms, which hold what these did.
        if (inner.seen.length === 0) g.inner = undefined;
      }
      return g.terms.size === 0 && g.inner === undefined;
    },
    encode: (g) => ({
      f: g.first,
      l: g.last,
      t: [...g.terms],
      ...(g.partial ? { p: 1 } : {}),
      ...(g.inner
        ? {
            i: g.inner.seen.map((c) => [c.ref, c.input, c.t, c.value, c.late ? 1 : 0]),
            ip: [...g.inner.plain],
            if: g.inner.plainFirst,
          }
        : {}),
    }),
    decode(data) {
      const d = data as {
        f: number | null;
        l?: number | null;
        t: [string, number][];
        p?: 1;
        i?: [string, number, number, string, 0 | 1][];
        ip?: [string, number][];
        if?: number | null;
      };
      const terms = new Map(d.t);
      let last = d.l ?? -Infinity;
      if (d.l === undefined || d.l === null)
        for (const seen of terms.values()) if (seen > last) last = seen;
      const state: TermsState = { first: d.f ?? Infinity, last, terms, partial: d.p === 1 };
      if (d.i)
        state.inner = {
          seen: d.i.map(([ref, input, t, term, late]) => ({
            t,
            ref,
            input,
            value: term,
            late: late === 1,
          })),
          plain: new Map(d.ip ?? []),
          plainFirst: d.if ?? Infinity,
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
