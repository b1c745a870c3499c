import { describe } from '../../shared/duration.js';
import { checkKeys, isMapping } from '../../shared/shape.js';
import type { YamlPath } from '../../shared/yaml.js';
import type { CorrelationTypeModule } from '../types/type-module.js';
import type { RuleContext } from './context.js';
import { quoteList } from './context.js';
import { parseCondition } from './detection/condition.js';
import type { ConditionNode } from './detection/ir.js';
import type { ThresholdOp } from './types.js';

/**
 * The `condition` of a correlation. Counting and value types take a threshold — one comparison
 * (`gt gte lt lte eq neq`) or a lower/upper pair (a range) — with the `field` (and, for
 * value_percentile, the `percentile`) it applies to. Temporal types take, optionally, a boolean
 * expression over the names in `rules` (Sigma v2.2 draft: `a and b and not c`), or pySigma's
 * threshold on how many of them were seen; without one, all of them.
 */

const THRESHOLD_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;

export interface FieldDraft {
  readonly name: string;
  readonly path: YamlPath;
}

export interface ConditionDraft {
  readonly threshold: readonly { readonly op: ThresholdOp; readonly value: number }[] | undefined;
  readonly fields: readonly FieldDraft[];
  readonly percentile: number | undefined;
  readonly expression:
    { readonly text: string; readonly node: ConditionNode; readonly path: YamlPath } | undefined;
}

const NONE: ConditionDraft = {
  threshold: undefined,
  fields: [],
  percentile: undefined,
  expression: undefined,
};

/** Returns undefined after reporting a problem. */
export function parseCorrelationCondition(
  ctx: RuleContext,
  module: CorrelationTypeModule,
  value: unknown,
  rules: readonly string[],
): ConditionDraft | undefined {
  const path = ['correlation', 'condition'];
  if (module.condition === 'boolean') {
    if (value === undefined || value === null) return NONE;
    if (typeof value === 'string') return parseExpression(ctx, value, rules);
    if (module.name !== 'temporal') {
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} condition of ${module.name} must be an expression over its rules; got ${describe(value)}. Remove it (all rules, in order) or write e.g. "condition: ${rules.join(' and ')}".`,
      );
      return undefined;
    }
    // pySigma: a threshold on how many of the referenced rules were seen.
  } else if (value === undefined || value === null) {
    ctx.sink.error(
      ['correlation'],
      'CORDON_ERR_DEFINITION_REQUIRED',
      `${ctx.subject} correlation is missing required key "condition". Add e.g. "condition: { ${module.field === 'none' ? '' : 'field: <field>, '}gte: 10 }".`,
    );
    return undefined;
  }
  if (!isMapping(value)) {
    ctx.sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${ctx.subject} condition must be a mapping such as { gte: 10 }; got ${describe(value)}. Rewrite it as a mapping.`,
    );
    return undefined;
  }
  const extra = [
    ...(module.field === 'none' ? [] : ['field']),
    ...(module.percentile ? ['percentile'] : []),
  ];
  checkKeys(ctx.sink, path, value, `${ctx.subject} condition`, {
    optional: [...THRESHOLD_OPS, ...extra],
  });
  const counts = module.field === 'none' || module.name === 'value_count';
  let ok = true;
  const ops = THRESHOLD_OPS.filter((op) => value[op] !== undefined);
  for (const op of ops) {
    const n = value[op];
    if (
      typeof n !== 'number' ||
      !Number.isFinite(n) ||
      (counts && (n < 0 || !Number.isInteger(n)))
    ) {
      ok = false;
      ctx.sink.error(
        [...path, op],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} condition ${op} must be a ${counts ? 'non-negative integer' : 'number'}; got ${describe(n)}. Write e.g. "${op}: 100".`,
      );
    }
  }
  if (ops.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_REQUIRED',
      `${ctx.subject} condition needs one of ${THRESHOLD_OPS.join(', ')}; got none. Add e.g. "gte: 10".`,
    );
    return undefined;
  }
  const [first, second] = ops;
  if (ops.length > 2 || (second !== undefined && !isRange(first, second))) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} condition must be one comparison, or a range of one lower (gt/gte) and one upper (lt/lte) bound; got ${quoteList(ops, 'and')}. Keep one comparison or a lower/upper pair.`,
    );
    return undefined;
  }
  const fields = parseFields(ctx, module, value.field);
  const percentile = parsePercentile(ctx, value.percentile);
  if (!ok || fields === undefined || percentile === null) return undefined;
  return {
    threshold: ops.map((op) => ({ op, value: value[op] as number })),
    fields,
    percentile,
    expression: undefined,
  };
}

function parseExpression(
  ctx: RuleContext,
  text: string,
  rules: readonly string[],
): ConditionDraft | undefined {
  const path = ['correlation', 'condition'];
  const result = parseCondition(text, rules);
  if (!result.ok) {
    const { offset, token, problem, fix } = result.error;
    const got = token === '' ? 'the end of the condition' : `"${token}"`;
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_CONDITION',
      `${ctx.subject} condition ${problem.replace('search identifier', 'rule name')} at character ${offset + 1} of "${text}"; got ${got}. ${fix.replace('search identifier', 'rule name')} The names are those in correlation.rules: ${quoteList(rules)}.`,
    );
    return undefined;
  }
  const unused = rules.filter((r) => !result.used.has(r));
  if (unused.length > 0) {
    ctx.sink.warning(
      path,
      'CORDON_WARN_RULE_UNUSED',
      `${ctx.subject} condition does not mention ${quoteList(unused, 'and')} from correlation.rules; got "${text}". Use every referenced rule in the condition or remove it from rules.`,
    );
  }
  return { ...NONE, expression: { text, node: result.node, path } };
}

function parseFields(
  ctx: RuleContext,
  module: CorrelationTypeModule,
  value: unknown,
): FieldDraft[] | undefined {
  const path = ['correlation', 'condition', 'field'];
  if (value === undefined || value === null) {
    if (module.field === 'required' || module.field === 'tuple') {
      ctx.sink.error(
        ['correlation', 'condition'],
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${ctx.subject} condition needs "field" for ${module.name}: the field whose values it ${module.field === 'tuple' ? 'counts' : 'aggregates'}. Add e.g. "field: ${module.field === 'tuple' ? 'user' : 'tokens_in'}".`,
      );
      return undefined;
    }
    return [];
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (Array.isArray(value) && module.field !== 'tuple') {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} condition field of ${module.name} must be one field name; got a list. Name one numeric field.`,
    );
    return undefined;
  }
  const out: FieldDraft[] = [];
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'string' || item.trim() === '') {
      ctx.sink.error(
        Array.isArray(value) ? [...path, i] : path,
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} condition field must be a field name${module.field === 'tuple' ? ' or a list of them' : ''}; got ${describe(item)}. Write e.g. "field: user".`,
      );
      return undefined;
    }
    out.push({ name: item, path: Array.isArray(value) ? [...path, i] : path });
  }
  if (out.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} condition field is an empty list; got []. Name at least one field.`,
    );
    return undefined;
  }
  return out;
}

/** undefined: not given; null: reported as invalid. */
function parsePercentile(ctx: RuleContext, value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value > 0 && value <= 100) return value;
  ctx.sink.error(
    ['correlation', 'condition', 'percentile'],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} condition percentile must be a number above 0 and at most 100; got ${describe(value)}. Write e.g. "percentile: 95".`,
  );
  return null;
}

function isRange(a: ThresholdOp | undefined, b: ThresholdOp): boolean {
  const lower = (op: ThresholdOp | undefined): boolean => op === 'gt' || op === 'gte';
  const upper = (op: ThresholdOp | undefined): boolean => op === 'lt' || op === 'lte';
  return (lower(a) && upper(b)) || (upper(a) && lower(b));
}
