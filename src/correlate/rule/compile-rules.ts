import { sha256Hex, stableStringify } from '../../shared/hash.js';
import { DECIDABLE_PATHS } from '../routing/top-level-fields.js';
import { compileDetection } from './detection/compile-detection.js';
import { compileScreen } from './detection/compile-screen.js';
import { fieldsRead } from './detection/fields-read.js';
import type { ParsedCorrelation, ParsedRule } from './parse-rules.js';
import type { RuleSource } from './rule-source.js';
import type { CompiledCorrelation, CompiledDetection, CompiledRuleSet } from './types.js';
import type { ResolvedRules } from './validate-rules.js';
import { ruleKey } from './validate-rules.js';

/**
 * Step three: validated rules → the compiled rule set. Only called when validation reported no
 * error, so anything missing here is a bug in validation and the rule is skipped rather than
 * half-compiled.
 */
export function compileRuleSet(
  rules: readonly ParsedRule[],
  resolved: ResolvedRules,
  sources: readonly RuleSource[],
): CompiledRuleSet {
  // Sigma: a referenced rule alerts on its own only when a referencing correlation says generate.
  const referenced = new Map<string, boolean>();
  for (const [rule, r] of resolved.correlations) {
    for (const input of r.inputs)
      referenced.set(input.key, (referenced.get(input.key) ?? false) || rule.correlation.generate);
  }
  const identity = (rule: ParsedRule, key: string) => ({
    key,
    name: rule.name,
    id: rule.id,
    title: rule.title ?? key,
    level: rule.level,
    tags: rule.tags,
    origin: rule.origin,
    alerts: referenced.get(key) ?? true,
    chained: referenced.has(key),
  });

  const detections = new Map<string, CompiledDetection>();
  const correlations = new Map<ParsedCorrelation, CompiledCorrelation>();
  for (const rule of rules) {
    const key = ruleKey(rule);
    if (key === undefined) continue;
    if (rule.kind === 'detection') {
      const r = resolved.detections.get(rule);
      if (!rule.detection || !r) continue;
      detections.set(key, {
        kind: 'detection',
        ...identity(rule, key),
        eventKind: rule.detection.eventKind,
        groupBy: r.groupBy,
        suppressMs: rule.settings.suppressMs,
        stateVersion: version({ groupBy: r.groupBy ?? null }),
        matches: compileDetection(rule.detection),
        reads: fieldsRead(rule.detection),
        mayMatch: compileScreen(rule.detection, DECIDABLE_PATHS),
      });
      continue;
    }
    const r = resolved.correlations.get(rule);
    const { correlation: c } = rule;
    if (!r || !c.module || c.timespanMs === undefined || !c.sigmaType) continue;
    const action = c.settings.action ?? 'reset';
    const window =
      c.settings.window ??
      (c.module.windows.includes('sliding')
        ? { kind: 'sliding' as const }
        : { kind: 'tumbling' as const });
    const params = {
      ...(c.params ?? {}),
      ...(c.condition?.percentile !== undefined ? { percentile: c.condition.percentile } : {}),
    };
    const value = c.module.value(params, (c.condition?.fields.length ?? 0) > 0);
    const reads = c.module.reads?.(params);
    const inputs = reads ? r.inputs.map((input) => ({ ...input, fieldPaths: reads })) : r.inputs;
    const shape = {
      type: c.module.name,
      inputs,
      groupBy: c.groupBy.map((g) => g.name),
      timespanMs: c.timespanMs,
      window,
      condition: r.condition ?? null,
      firing: r.firing,
      params,
      groupCase: c.settings.groupCaseInsensitive,
    };
    correlations.set(rule, {
      kind: 'correlation',
      ...identity(rule, key),
      type: c.module.name,
      sigmaType: c.sigmaType,
      inputs,
      groupBy: c.groupBy.map((g) => ({ name: g.name })),
      timespanMs: c.timespanMs,
      window,
      condition: r.condition,
      firing: r.firing,
      action,
      // `continue` keeps firing on every later event while the condition holds: by default at
      // most once per timespan and group.
      suppressMs: c.settings.suppressMs ?? (action === 'continue' ? c.timespanMs : 0),
      allowedLatenessMs: c.settings.allowedLatenessMs,
      groupCaseInsensitive: c.settings.groupCaseInsensitive,
      limits: { maxGroups: c.settings.maxGroups, maxEventsPerGroup: c.settings.maxEventsPerGroup },
      value,
      params,
      stateVersion: version(shape),
    });
  }
  return { detections, correlations: dependencyOrder(correlations), hash: hashSources(sources) };
}

/** Inner correlations before the ones that read them. */
function dependencyOrder(
  compiled: ReadonlyMap<ParsedCorrelation, CompiledCorrelation>,
): CompiledCorrelation[] {
  const byKey = new Map([...compiled.values()].map((c) => [c.key, c]));
  const out: CompiledCorrelation[] = [];
  const seen = new Set<string>();
  const visit = (c: CompiledCorrelation): void => {
    if (seen.has(c.key)) return;
    seen.add(c.key);
    for (const input of c.inputs) {
      const inner = input.kind === 'correlation' ? byKey.get(input.key) : undefined;
      if (inner) visit(inner);
    }
    out.push(c);
  };
  for (const c of compiled.values()) visit(c);
  return out;
}

function version(shape: unknown): string {
  return sha256Hex(stableStringify(shape)).slice(0, 12);
}

/** sha256 over the (file, text) pairs in path order, so it ignores the order files were read. */
export function hashSources(sources: readonly RuleSource[]): string {
  const pairs = [...sources]
    .map((s) => [s.file, s.text] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(stableStringify(pairs));
}
