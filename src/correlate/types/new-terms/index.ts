import type { Contribution, Fire, RuleRuntime } from '../../engine/runtime.js';
import type { CompiledCorrelation } from '../../rule/types.js';
import { readDuration } from '../extension-settings.js';
import type { CorrelationTypeModule } from '../type-module.js';

const MAX_HISTORY_MS = 90 * 86_400_000;

/**
 * Cordon extension `new_terms` (Elastic's new-terms rule), over Sigma `value_count`: fires at
 * the first occurrence, for a group, of a value of `condition.field` (or a tuple of fields) not
 * seen for that group within the history (`timespan`, up to 90d) — a region never seen for an
 * API key, a model a key never called. Each group first learns silently for `cordon.learning`
 * (default 1d) from its first event, so a new key does not alert on everything it does. The
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
    create: () => ({ first: Infinity, terms: new Map(), partial: false }),
    add(g, c: Contribution) {
      const term = c.value as string;
      if (c.t < g.first) g.first = c.t;
      const seen = g.terms.get(term);
      // Seen within the history before this event, or already seen later (an older event arriving late).
      const known = seen !== undefined && (seen >= c.t || c.t - seen <= history);
      g.terms.set(term, Math.max(seen ?? c.t, c.t));
      if (g.terms.size > cap) {
        evictOldest(g.terms);
        g.partial = true;
      }
      if (known || c.t < g.first + learning) return [];
      const fire: Fire = {
        windowStart: c.t,
        windowEnd: c.t,
        contributions: [c],
        evaluation: {
          met: true,
          count: 1,
          aggregate: { term, known: g.terms.size - 1, learnedFrom: g.first },
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
    encode: (g) => ({ f: g.first, t: [...g.terms], ...(g.partial ? { p: 1 } : {}) }),
    decode(data) {
      const d = data as { f: number; t: [string, number][]; p?: 1 };
      return { first: d.f ?? Infinity, terms: new Map(d.t), partial: d.p === 1 };
    },
  };
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
