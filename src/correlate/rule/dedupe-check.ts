import type { CompiledRuleSet } from './types.js';

/**
 * Correlations that accept events later than ingest remembers event ids: a delivery retried
 * after the dedupe window, yet within such a rule's lateness, would be counted twice by it.
 */
export function rulesOutlastingDedupe(rules: CompiledRuleSet, dedupeWindowMs: number): string[] {
  return rules.correlations.filter((c) => c.allowedLatenessMs > dedupeWindowMs).map((c) => c.key);
}
