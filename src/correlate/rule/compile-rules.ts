import { sha256Hex, stableStringify } from '../../shared/hash.js';
import { compileDetection } from './detection/compile-detection.js';
import type { ParsedRule } from './parse-rules.js';
import type { RuleSource } from './rule-source.js';
import type { CompiledCorrelation, CompiledDetection, CompiledRuleSet } from './types.js';
import type { ResolvedCorrelation } from './validate-rules.js';
import { ruleKey } from './validate-rules.js';

/**
 * Step three: validated rules → the compiled rule set. Only called when validation reported no
 * error, so anything missing here is a bug in validation and the rule is skipped rather than
 * half-compiled.
 */
export function compileRuleSet(
  rules: readonly ParsedRule[],
  resolved: ReadonlyMap<ParsedRule, ResolvedCorrelation>,
  sources: readonly RuleSource[],
): CompiledRuleSet {
  // Sigma: a referenced rule alerts on its own only when a referencing correlation says generate.
  const referenced = new Map<string, boolean>();
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    for (const key of resolved.get(rule)?.ruleKeys ?? []) {
      referenced.set(key, (referenced.get(key) ?? false) || rule.correlation.generate);
    }
  }

  const detections = new Map<string, CompiledDetection>();
  const correlations: CompiledCorrelation[] = [];
  for (const rule of rules) {
    const key = ruleKey(rule);
    if (key === undefined) continue;
    const base = {
      key,
      name: rule.name,
      id: rule.id,
      title: rule.title ?? key,
      level: rule.level,
      tags: rule.tags,
      origin: rule.origin,
    };
    if (rule.kind === 'detection') {
      if (!rule.detection) continue;
      detections.set(key, {
        kind: 'detection',
        ...base,
        standalone: referenced.get(key) ?? true,
        matches: compileDetection(rule.detection),
      });
      continue;
    }
    const { correlation } = rule;
    const resolution = resolved.get(rule);
    if (!resolution || !correlation.condition || correlation.timespanMs === undefined) continue;
    correlations.push({
      kind: 'event_count',
      ...base,
      rules: resolution.ruleKeys,
      groupBy: resolution.groupBy,
      timespanMs: correlation.timespanMs,
      condition: correlation.condition,
      allowedLatenessMs: correlation.allowedLatenessMs,
    });
  }
  return { detections, correlations, hash: hashSources(sources) };
}

/** sha256 over the (file, text) pairs in path order, so it ignores the order files were read. */
export function hashSources(sources: readonly RuleSource[]): string {
  const pairs = [...sources]
    .map((s) => [s.file, s.text] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(stableStringify(pairs));
}
