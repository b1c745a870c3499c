import { suggest } from '../../shared/shape.js';
import { quoteList } from './context.js';
import type { ConditionNode } from './detection/ir.js';
import { resolveSingleField } from './resolve-field.js';
import type { ParsedCorrelation, ParsedDetection, ParsedRule } from './parse-rules.js';
import { titleKey } from './rule-metadata.js';
import type { BooleanExpr, Condition, FiringMode, RuleInput } from './types.js';

/**
 * Step two: checks that need every document at once. Names and ids share one namespace across
 * all files and both rule kinds; a correlation may read detections or (chaining) other
 * correlations, never in a cycle and at most MAX_CHAIN_DEPTH deep; every group-by, alias and
 * field must resolve for every rule it is read from.
 */

/** rsigma's bound; deeper chains are more likely a mistake than a detection. */
export const MAX_CHAIN_DEPTH = 10;

export interface ResolvedCorrelation {
  readonly inputs: readonly RuleInput[];
  readonly condition: Condition | undefined;
  readonly firing: FiringMode;
}

export interface ResolvedDetection {
  readonly groupBy: readonly { readonly name: string; readonly path: string }[] | undefined;
}

export interface ResolvedRules {
  readonly correlations: Map<ParsedCorrelation, ResolvedCorrelation>;
  readonly detections: Map<ParsedDetection, ResolvedDetection>;
}

interface Registration {
  readonly rule: ParsedRule;
  readonly attribute: 'name' | 'id' | 'title';
}

/** The key correlations and the engine use for a rule: its name, else its id, else its title. */
export function ruleKey(rule: ParsedRule): string | undefined {
  return rule.name ?? rule.id ?? (rule.title === undefined ? undefined : titleKey(rule.title));
}

/** `skipped`: rules a pipeline's rule_failure skipped (name or id → what skipped them). */
export function validateRuleSet(
  rules: readonly ParsedRule[],
  skipped: ReadonlyMap<string, string> = new Map(),
): ResolvedRules {
  const registry = registerIdentifiers(rules);
  const correlations = new Map<ParsedCorrelation, ResolvedCorrelation>();
  const detections = new Map<ParsedDetection, ResolvedDetection>();
  for (const rule of rules) {
    if (rule.kind === 'detection') {
      const resolved = resolveDetection(rule);
      if (resolved) detections.set(rule, resolved);
    }
  }
  const acyclic = checkChains(rules, registry);
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    const result = resolveCorrelation(rule, registry, skipped);
    if (result && acyclic.has(rule)) correlations.set(rule, result);
  }
  return { correlations, detections };
}

function location(rule: ParsedRule, attribute: 'name' | 'id' | 'title'): string {
  return `${rule.file}:${rule.positions.get([attribute]).line}`;
}

function registerIdentifiers(rules: readonly ParsedRule[]): Map<string, Registration> {
  const registry = new Map<string, Registration>();
  for (const rule of rules) {
    const unnamed = rule.name === undefined && rule.id === undefined;
    for (const attribute of ['name', 'id', 'title'] as const) {
      const value =
        attribute === 'title'
          ? unnamed && rule.title !== undefined
            ? titleKey(rule.title)
            : undefined
          : rule[attribute];
      if (value === undefined || (attribute === 'id' && value === rule.name)) continue;
      const existing = registry.get(value);
      if (!existing) {
        registry.set(value, { rule, attribute });
        continue;
      }
      if (existing.rule === rule) continue;
      const what = attribute === 'title' ? 'key made from the title' : attribute;
      rule.ctx.sink.error(
        [attribute],
        'CORDON_ERR_DEFINITION_DUPLICATE',
        `${rule.ctx.subject} ${what} "${value}" is already the ${existing.attribute === 'title' ? 'title key' : existing.attribute} of the rule at ${location(existing.rule, existing.attribute)}; got a second definition at ${location(rule, attribute)}. Names and ids must be unique across all rule files; rename one of them.`,
      );
    }
  }
  return registry;
}

function resolveDetection(rule: ParsedDetection): ResolvedDetection | undefined {
  const names = rule.settings.groupBy;
  if (names === undefined) return { groupBy: undefined };
  const groupBy: { name: string; path: string }[] = [];
  let ok = true;
  for (const g of names) {
    const path = resolveSingleField(
      rule.ctx,
      g.path,
      g.name,
      `${rule.ctx.subject} cordon.group-by field "${g.name}"`,
    );
    if (path === undefined) {
      ok = false;
    } else {
      groupBy.push({ name: g.name, path });
    }
  }
  return ok ? { groupBy } : undefined;
}

/**
 * Rejects cycles among correlations (naming the whole path) and chains deeper than the limit.
 * Returns the correlations outside any cycle.
 */
function checkChains(
  rules: readonly ParsedRule[],
  registry: ReadonlyMap<string, Registration>,
): Set<ParsedCorrelation> {
  const edges = new Map<ParsedCorrelation, ParsedCorrelation[]>();
  for (const rule of rules) {
    if (rule.kind !== 'correlation') continue;
    const targets: ParsedCorrelation[] = [];
    for (const r of rule.correlation.rules) {
      const target = registry.get(r.ref)?.rule;
      // A self-reference is reported by resolveCorrelation.
      if (target?.kind === 'correlation' && target !== rule) targets.push(target);
    }
    edges.set(rule, targets);
  }
  const state = new Map<ParsedCorrelation, 'visiting' | 'done'>();
  const depth = new Map<ParsedCorrelation, number>();
  const inCycle = new Set<ParsedCorrelation>();
  const stack: ParsedCorrelation[] = [];
  const visit = (rule: ParsedCorrelation): number => {
    if (state.get(rule) === 'done') return depth.get(rule) ?? 0;
    if (state.get(rule) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(rule));
      if (!cycle.some((c) => inCycle.has(c))) {
        const path = [...cycle, rule].map((c) => ruleKey(c) ?? '?').join(' → ');
        const ref = rule.correlation.rules.find(
          (r) => registry.get(r.ref)?.rule === cycle[1] || cycle.length === 1,
        );
        rule.ctx.sink.error(
          ref?.path ?? ['correlation', 'rules'],
          'CORDON_ERR_RULE_CYCLE',
          `${rule.ctx.subject} is part of a cycle of correlations reading each other; got ${path}. A correlation may read other correlations only in one direction; remove one of these references.`,
        );
      }
      for (const c of cycle) inCycle.add(c);
      return 0;
    }
    state.set(rule, 'visiting');
    stack.push(rule);
    let d = 0;
    for (const t of edges.get(rule) ?? []) d = Math.max(d, visit(t) + 1);
    stack.pop();
    state.set(rule, 'done');
    depth.set(rule, d);
    if (d > MAX_CHAIN_DEPTH && !inCycle.has(rule)) {
      rule.ctx.sink.error(
        ['correlation', 'rules'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${rule.ctx.subject} sits on top of a chain of ${d} correlations; got more than the ${MAX_CHAIN_DEPTH} allowed. Flatten the chain.`,
      );
      inCycle.add(rule);
    }
    return d;
  };
  for (const rule of edges.keys()) visit(rule);
  return new Set([...edges.keys()].filter((r) => !inCycle.has(r)));
}

function resolveCorrelation(
  rule: ParsedCorrelation,
  registry: ReadonlyMap<string, Registration>,
  skipped: ReadonlyMap<string, string>,
): ResolvedCorrelation | undefined {
  const { ctx, correlation } = rule;
  let ok = correlation.ok;
  const targets: ParsedRule[] = [];
  for (const reference of correlation.rules) {
    const target = registry.get(reference.ref)?.rule;
    const skippedBy = target === undefined ? skipped.get(reference.ref) : undefined;
    if (skippedBy !== undefined) {
      ok = false;
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
        `${ctx.subject} correlation rules names "${reference.ref}", which ${skippedBy} skips; got a reference to a rule that is not loaded. Change that transformation's conditions, or remove "${reference.ref}" here.`,
      );
    } else if (target === undefined) {
      ok = false;
      const hint = suggest(reference.ref, [...registry.keys()]);
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
        `${ctx.subject} correlation rules names "${reference.ref}", which no rule defines; got "${reference.ref}". ${hint ? `Did you mean "${hint}"?` : 'Reference a rule by its name or id.'}`,
      );
    } else if (target === rule) {
      ok = false;
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_RULE_CYCLE',
        `${ctx.subject} correlation rules names the rule itself; got "${reference.ref}". A correlation reads other rules; remove this reference.`,
      );
    } else if (targets.includes(target)) {
      ok = false;
      ctx.sink.error(
        reference.path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} correlation rules names the same rule twice (by name and by id); got "${reference.ref}". Remove one of them.`,
      );
    } else {
      targets.push(target);
    }
  }
  if (!ok) return undefined;

  /** alias name → target index → field as written. */
  const aliasFields = new Map<string, Map<number, { field: string; path: (string | number)[] }>>();
  for (const [alias, entries] of correlation.aliases) {
    const byTarget = new Map<number, { field: string; path: (string | number)[] }>();
    for (const [ref, entry] of entries) {
      const index = targets.indexOf(registry.get(ref)?.rule as ParsedRule);
      if (index < 0) {
        ok = false;
        ctx.sink.error(
          entry.path,
          'CORDON_ERR_RULE_UNKNOWN_REFERENCE',
          `${ctx.subject} alias "${alias}" maps rule "${ref}", which correlation rules does not list; got "${ref}". Use one of ${quoteList(correlation.rules.map((r) => r.ref))}.`,
          true,
        );
      } else {
        byTarget.set(index, { field: entry.field, path: [...entry.path] });
      }
    }
    aliasFields.set(alias, byTarget);
  }

  const inputs: RuleInput[] = [];
  targets.forEach((target, index) => {
    const groupPaths: string[] = [];
    for (const group of correlation.groupBy) {
      const aliased = aliasFields.get(group.name)?.get(index);
      const path = resolveInputField(
        rule,
        target,
        aliased?.field ?? group.name,
        aliased?.path ?? group.path,
        `group-by field "${group.name}"`,
        aliased !== undefined,
      );
      if (path === undefined) ok = false;
      else groupPaths.push(path);
    }
    const fieldPaths: string[] = [];
    for (const field of correlation.condition?.fields ?? []) {
      const aliased = aliasFields.get(field.name)?.get(index);
      const path = resolveInputField(
        rule,
        target,
        aliased?.field ?? field.name,
        aliased?.path ?? field.path,
        `condition field "${field.name}"`,
        aliased !== undefined,
      );
      if (path === undefined) ok = false;
      else fieldPaths.push(path);
    }
    inputs.push({
      key: ruleKey(target) ?? '',
      kind: target.kind,
      groupPaths,
      fieldPaths,
      tags: target.tags,
    });
  });

  const names = correlation.rules.map((r) => r.ref);
  const expression = correlation.condition?.expression;
  let condition: Condition | undefined;
  if (expression) {
    const expr = toBoolean(expression.node, names);
    condition = { kind: 'boolean', expr, negated: hasNot(expr) };
  } else if (correlation.condition?.threshold) {
    condition = { kind: 'threshold', bounds: correlation.condition.threshold };
  }

  const module = correlation.module;
  if (!ok || !module) return undefined;
  const natural = module.firing(condition, correlation.params ?? {});
  const forced = correlation.settings.fire;
  if (forced === 'eager' && natural === 'on-close' && !module.eagerAllowed) {
    ctx.sink.error(
      ['cordon', 'fire'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cannot fire eagerly: its condition can only be decided when the window closes (more events could still make it false); got "fire: eager". Remove cordon.fire.`,
    );
    return undefined;
  }
  return { inputs, condition, firing: forced ?? natural };
}

/**
 * A field of a referenced rule: a canonical event path for a detection; for a correlation,
 * one of its group-by fields (its matches carry them) or one of its figures (`count`, `value`).
 */
function resolveInputField(
  rule: ParsedCorrelation,
  target: ParsedRule,
  field: string,
  at: readonly (string | number)[],
  what: string,
  aliased: boolean,
): string | undefined {
  const { ctx } = rule;
  const targetKey = ruleKey(target) ?? '';
  if (target.kind === 'correlation') {
    const groups = target.correlation.groupBy.map((g) => g.name);
    if (groups.includes(field)) return `labels.${field}`;
    if (['count', 'value', 'distinct'].includes(field)) return `measures.${field}`;
    ctx.sink.error(
      [...at],
      'CORDON_ERR_RULE_FIELD',
      `${ctx.subject} ${what} reads "${field}" from the correlation "${targetKey}", whose matches carry only its group-by fields ${groups.length ? quoteList(groups, 'and') : '(none)'} and its figures count, value, distinct; got "${field}". ${aliased ? 'Map' : 'Add an alias mapping'} "${targetKey}" to one of them.`,
    );
    return undefined;
  }
  // The name is the detection's own: renamed as the processing pipelines rename that rule's
  // fields (its logsource selects their items), reported on this correlation.
  return resolveSingleField(
    ctx,
    at,
    field,
    aliased ? `${ctx.subject} ${what} for rule "${targetKey}"` : `${ctx.subject} ${what}`,
    target.ctx.pipeline,
  );
}

function toBoolean(node: ConditionNode, names: readonly string[]): BooleanExpr {
  switch (node.kind) {
    case 'ref':
      return { kind: 'ref', input: names.indexOf(node.name) };
    case 'not':
      return { kind: 'not', operand: toBoolean(node.operand, names) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((o) => toBoolean(o, names)) };
    case 'of':
      return {
        kind: node.quantifier === 'all' ? 'and' : 'or',
        operands: node.names.map((n) => ({ kind: 'ref' as const, input: names.indexOf(n) })),
      };
  }
}

function hasNot(expr: BooleanExpr): boolean {
  if (expr.kind === 'not') return true;
  if (expr.kind === 'ref') return false;
  return expr.operands.some(hasNot);
}
