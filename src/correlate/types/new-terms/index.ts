import type { Contribution, Fire, RuleRuntime } from '../../engine/runtime.js';
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
  runtime: (rule, ctx) => newTermsRuntime(rule, ctx.maxEventsPerGroup),
};

interface TermsState {
  /** Event time of the group's first event: learning runs from here. */
  first: number;
  /** Latest event time of any term (the newest entry of `terms`). */
  last: number;
  /** Term → latest event time it was seen. */
  terms: Map<string, number>;
  partial: boolean;
}

function newTermsRuntime(rule: CompiledCorrelation, defaultCap: number): RuleRuntime<TermsState> {
  const history = rule.timespanMs;
  const learning = typeof rule.params.learningMs === 'number' ? rule.params.learningMs : 0;
  const L = rule.allowedLatenessMs;
  const cap = rule.limits.maxEventsPerGroup ?? defaultCap;
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
      }
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
    nextClose: () => undefined,
    close: () => [],
    prune(g, watermark) {
      const horizon = watermark - L - history;
      for (const [term, seen] of g.terms) if (seen < horizon) g.terms.delete(term);
      return g.terms.size === 0;
    },
    encode: (g) => ({ f: g.first, l: g.last, t: [...g.terms], ...(g.partial ? { p: 1 } : {}) }),
    decode(data) {
      const d = data as { f: number | null; l?: number | null; t: [string, number][]; p?: 1 };
      const terms = new Map(d.t);
      let last = d.l ?? -Infinity;
      if (d.l === undefined || d.l === null)
        for (const seen of terms.values()) if (seen > last) last = seen;
      return { first: d.f ?? Infinity, last, terms, partial: d.p === 1 };
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
