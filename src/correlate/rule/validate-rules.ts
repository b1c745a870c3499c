import { suggest } from '../../shared/shape.js';
import { resolveFieldPath } from '../field-map.js';
import { quoteList } from './context.js';
import { unknownFieldMessage } from './detection/parse-search.js';
import type { ParsedCorrelation, ParsedDetection, ParsedRule } from './parse-rules.js';
import type { GroupField } from './types.js';

/**
 * Step two: checks that need every document at once. Names and ids share one namespace across
 * all files and both rule kinds (a correlation may reference either), and every correlation's
 * references, aliases and group-by fields must resolve.
 */

export interface ResolvedCorrelation {
  /** Keys of the referenced detections, in the order `rules` lists them. */
  readonly ruleKeys: readonly string[];
  readonly groupBy: readonly GroupField[];
}

interface Registration {
  readonly rule: ParsedRule;
  readonly attribute: 'name' | 'id';
}

/** The key correlations and the engine use for a rule: its name, else its id. */
export function ruleKey(rule: ParsedRule): string | undefined {
  return rule.name ?? rule.id;
}

export function validateRuleSet(
  rules: readonly ParsedRule[],
): Map<ParsedCorrelation, ResolvedCorrelation> {
  const registry = registerIdentifiers(rules);
  const resolved = new Map<ParsedCorrelation, ResolvedCorrelation>();
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    const result = resolveCorrelation(rule, registry);
    if (result) resolved.set(rule, result);
  }
  return resolved;
}

function location(rule: ParsedRule, attribute: 'name' | 'id'): string {
  return `${rule.file}:${rule.positions.get([attribute]).line}`;
}

function registerIdentifiers(rules: readonly ParsedRule[]): Map<string, Registration> {
  const registry = new Map<string, Registration>();
  for (const rule of rules) {
    for (const attribute of ['name', 'id'] as const) {
      const value = rule[attribute];
      if (value === undefined || (attribute === 'id' && value === rule.name)) continue;
      const existing = registry.get(value);
      if (!existing) {
        registry.set(value, { rule, attribute });
        continue;
      }
      if (existing.rule === rule) continue;
      rule.ctx.sink.error(
        [attribute],
        'CORDON_ERR_DEFINITION_DUPLICATE',
        `${rule.ctx.subject} ${attribute} "${value}" is already the ${existing.attribute} of the rule at ${location(existing.rule, existing.attribute)}; got a second definition at ${location(rule, attribute)}. Names and ids must be unique across all rule files; rename one of them.`,
      );
    }
  }
  return registry;
}

function resolveCorrelation(
  rule: ParsedCorrelation,
  registry: ReadonlyMap<string, Registration>,
): ResolvedCorrelation | undefined {
  const { ctx, correlation } = rule;
  let ok = correlation.ok;
  const detections: ParsedDetection[] = [];
  for (const reference of correlation.rules) {
    const target = registry.get(reference.ref)?.rule;
    if (target === undefined) {
      ok = false;
      const hint = suggest(reference.ref, [...registry.keys()]);
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
        `${ctx.subject} correlation rules names "${reference.ref}", which no rule defines; got "${reference.ref}". ${hint ? `Did you mean "${hint}"?` : 'Reference a detection rule by its name or id.'}`,
      );
    } else if (target.kind === 'correlation') {
      ok = false;
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_RULE_UNSUPPORTED',
        `${ctx.subject} correlation rules names the correlation "${reference.ref}", and chaining correlations arrives with the full correlation engine; got "${reference.ref}". Reference detection rules only for now.`,
      );
    } else if (detections.includes(target)) {
      ok = false;
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} correlation rules names the same rule twice (by name and by id); got "${reference.ref}". Remove one of them.`,
      );
    } else {
      detections.push(target);
    }
  }
  if (!ok) return undefined;

  const ruleKeys = detections.map((d) => ruleKey(d) ?? '');
  /** alias name → detection key → canonical path (undefined: reported as unmappable). */
  const aliasPaths = new Map<string, Map<string, string | undefined>>();
  for (const [alias, entries] of correlation.aliases) {
    const byKey = new Map<string, string | undefined>();
    for (const [ref, entry] of entries) {
      const target = registry.get(ref)?.rule;
      const key =
        target && detections.includes(target as ParsedDetection) ? ruleKey(target) : undefined;
      if (key === undefined) {
        ok = false;
        ctx.sink.error(
          entry.path,
          'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
          `${ctx.subject} alias "${alias}" maps rule "${ref}", which correlation rules does not list; got "${ref}". Use one of ${quoteList(correlation.rules.map((r) => r.ref))}.`,
          true,
        );
      } else {
        byKey.set(key, entry.eventPath);
      }
    }
    aliasPaths.set(alias, byKey);
  }

  const groupBy: GroupField[] = [];
  for (const group of correlation.groupBy) {
    const aliased = aliasPaths.get(group.name);
    const direct = resolveFieldPath(group.name);
    const pathByRule: Record<string, string> = {};
    const missing: string[] = [];
    for (const key of ruleKeys) {
      const path = aliased?.has(key) ? aliased.get(key) : direct;
      if (path !== undefined) pathByRule[key] = path;
      else if (!aliased?.has(key)) missing.push(key);
    }
    if (missing.length > 0) {
      ok = false;
      ctx.sink.error(
        group.path,
        'CORDON_ERR_RULE_FIELD',
        aliased
          ? `${ctx.subject} group-by field "${group.name}" has no alias entry for rule ${quoteList(missing, 'and')} and maps to no canonical event path itself; got "${group.name}". Add "aliases.${group.name}.${missing[0] ?? ''}: <field>".`
          : unknownFieldMessage(`${ctx.subject} group-by field "${group.name}"`, group.name),
      );
    }
    groupBy.push({ name: group.name, pathByRule });
  }
  return ok ? { ruleKeys, groupBy } : undefined;
}
