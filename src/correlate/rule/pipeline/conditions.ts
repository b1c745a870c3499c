import { describe } from '../../../shared/duration.js';
import { isMapping, suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { WildcardToken } from '../detection/wildcard.js';
import { normaliseTokens, parseWildcards, renderSigma } from '../detection/wildcard.js';
import { evaluateCondExpr, leaves, parseCondExpr } from './condition-expression.js';
import { pythonRegex } from './python-regex.js';
import type {
  AttributeOp,
  Linking,
  FieldCondition,
  FieldFilter,
  ItemCondition,
  ItemContext,
  ItemFilter,
  ItemValue,
  Logsource,
  PipelineState,
  Progress,
  RuleCondition,
  RuleFacts,
  StateTest,
  StateValue,
} from './types.js';

const LOGSOURCE_PARTS = ['category', 'product', 'service'] as const;
const RULE_CONDITIONS = [
  'logsource',
  'tag',
  'is_sigma_rule',
  'is_sigma_correlation_rule',
  'rule_attribute',
  'processing_item_applied',
  'processing_state',
  'contains_field',
  'contains_detection_item',
];
/** Sigma's levels and statuses in the order rule_attribute compares them (pySigma's). */
const ORDERED: Readonly<Record<string, readonly string[]>> = {
  level: ['informational', 'low', 'medium', 'high', 'critical'],
  status: ['unsupported', 'deprecated', 'experimental', 'test', 'stable'],
};
const DATES = ['date', 'modified'];
const ATTRIBUTE_OPS: readonly AttributeOp[] = [
  'eq',
  'ne',
  'gte',
  'gt',
  'lte',
  'lt',
  'in',
  'not_in',
];
const FIELD_CONDITIONS = [
  'include_fields',
  'exclude_fields',
  'processing_item_applied',
  'processing_state',
];
const ITEM_CONDITIONS = [
  'match_string',
  'match_value',
  'contains_wildcard',
  'is_null',
  'processing_item_applied',
  'processing_state',
];
const STATE_OPS: readonly StateTest['op'][] = ['eq', 'ne', 'gte', 'gt', 'lte', 'lt'];

/**
 * Whether a rule condition holds: a logsource condition when the rule's logsource has every
 * part it names (case-insensitively; a correlation has no logsource), a tag condition when the
 * rule carries the tag exactly, as pySigma compares them; processing_item_applied,
 * processing_state, contains_field and contains_detection_item by how far the rule's
 * processing has come.
 */
export function ruleConditionHolds(
  condition: RuleCondition,
  rule: RuleFacts,
  progress: Progress,
): boolean {
  switch (condition.kind) {
    case 'applied':
      return progress.applied.has(condition.id);
    case 'state':
      return stateHolds(condition.test, progress.state);
    case 'rule':
      return !rule.correlation;
    case 'correlation':
      return rule.correlation;
    case 'tag':
      return rule.tags.includes(condition.tag);
    case 'attribute':
      return attributeHolds(condition, attributeValue(rule, condition.attribute, progress));
    case 'contains': {
      // pySigma's condition is false for a correlation, whatever add_condition items did.
      if (rule.correlation) return false;
      const { field, test } = condition;
      return progress
        .items()
        .some((i) => i.field === field && (test === undefined || i.values.some(test)));
    }
    case 'logsource': {
      const { logsource } = rule;
      if (logsource === undefined || rule.correlation) return false;
      return LOGSOURCE_PARTS.every((part) => {
        const want = condition.logsource[part];
        return want === undefined || want.toLowerCase() === logsource[part]?.toLowerCase();
      });
    }
  }
}

/**
 * `rule_conditions` with `rule_cond_op`, `rule_cond_not` or `rule_cond_expr`; undefined after
 * reporting a problem.
 */
export function parseRuleConditions(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
): { conditions: RuleCondition[]; linking: Linking } | undefined {
  const listed = conditionEntries(ctx, item, 'rule', '[{ type: logsource, product: windows }]');
  if (!listed) return undefined;
  const out: RuleCondition[] = [];
  let ok = true;
  for (const [at, c] of listed.entries) {
    const type = isMapping(c) ? c.type : undefined;
    if (!isMapping(c) || typeof type !== 'string' || !RULE_CONDITIONS.includes(type)) {
      ok = false;
      reportType(ctx, at, 'rule condition', type, RULE_CONDITIONS);
      continue;
    }
    if (type !== 'logsource') {
      const other =
        type === 'rule_attribute'
          ? parseAttributeCondition(ctx, at, c)
          : type === 'processing_item_applied'
            ? appliedCondition(ctx, at, c)
            : type === 'processing_state'
              ? stateCondition(ctx, at, c)
              : type === 'contains_field' || type === 'contains_detection_item'
                ? containsCondition(ctx, at, type, c)
                : parseOtherCondition(ctx, at, type, c);
      if (other) out.push(other);
      else ok = false;
      continue;
    }
    const logsource: { -readonly [K in keyof Logsource]: string } = {};
    for (const key of Object.keys(c)) {
      if (key === 'type') continue;
      const part = LOGSOURCE_PARTS.find((p) => p === key);
      const v = c[key];
      if (!part || typeof v !== 'string' || v === '') {
        ok = false;
        ctx.sink.error(
          [...at, key],
          part ? 'CORDON_ERR_DEFINITION_TYPE' : 'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
          part
            ? `${ctx.subject} logsource condition ${key} must be a non-empty string; got ${describe(v)}.`
            : `${ctx.subject} logsource condition has unknown key "${key}". Known keys: type, ${LOGSOURCE_PARTS.join(', ')}.`,
          !part,
        );
      } else logsource[part] = v;
    }
    out.push({ kind: 'logsource', logsource });
  }
  return ok ? { conditions: out, linking: listed.linking } : undefined;
}

/**
 * An item's conditions of one sort (`rule`, `field_name`, `detection_item`): a list, or with a
 * `<sort>_cond_expr` a mapping of names to conditions, each with its path; and how they
 * combine. Undefined after reporting a problem. No conditions: an empty list.
 */
function conditionEntries(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  sort: 'rule' | 'field_name' | 'detection_item',
  example: string,
): { entries: [YamlPath, unknown][]; linking: Linking } | undefined {
  const key = `${sort}_conditions`;
  const exprKey = `${sort}_cond_expr`;
  const value = item[key];
  const exprText = item[exprKey];
  const op = parseOp(ctx, item, `${sort}_cond_op`);
  const not = parseNot(ctx, item, `${sort}_cond_not`);
  if (op === undefined || not === undefined) return undefined;
  const path = [...ctx.path, key];
  if (exprText === undefined) {
    if (value === undefined) return { entries: [], linking: { op, not } };
    // Named conditions without an expression combine by the op, as a list does (pySigma).
    if (isMapping(value) && Object.keys(value).length > 0)
      return {
        entries: Object.entries(value).map(([n, c]): [YamlPath, unknown] => [[...path, n], c]),
        linking: { op, not },
      };
    if (!Array.isArray(value) || value.length === 0) {
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} ${key} must be a list of conditions, or a mapping of names to them; got ${describe(value)}. Write e.g. "${key}: ${example}".`,
      );
      return undefined;
    }
    return {
      entries: value.map((c, i): [YamlPath, unknown] => [[...path, i], c]),
      linking: { op, not },
    };
  }
  const exprPath = [...ctx.path, exprKey];
  if (item[`${sort}_cond_op`] !== undefined) {
    ctx.sink.error(
      [...ctx.path, `${sort}_cond_op`],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} has both ${sort}_cond_op and ${exprKey}, which exclude each other (as in pySigma); got both. Keep the expression, or the op with a list of conditions.`,
      true,
    );
    return undefined;
  }
  if (!isMapping(value) || Object.keys(value).length === 0) {
    ctx.sink.error(
      value === undefined ? exprPath : path,
      value === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} ${exprKey} needs "${key}" as a mapping of names to conditions, which the expression combines; got ${describe(value)}. Write e.g. "${key}: { win: { type: logsource, product: windows } }".`,
    );
    return undefined;
  }
  if (typeof exprText !== 'string' || exprText.trim() === '') {
    ctx.sink.error(
      exprPath,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} ${exprKey} must be an expression over the condition names (and, or, not, parentheses); got ${describe(exprText)}.`,
    );
    return undefined;
  }
  const names = Object.keys(value);
  const parsed = parseCondExpr(exprText, names);
  if (!parsed.ok) {
    ctx.sink.errorInText(
      exprPath,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${exprKey} ${parsed.problem} at character ${parsed.offset + 1}; got "${exprText}". Combine the names of ${key} with and, or, not and parentheses.`,
      exprText,
      parsed.offset,
    );
    return undefined;
  }
  // pySigma refuses a named condition the expression never uses.
  const used = new Set(leaves(parsed.expr));
  const unused = names.filter((_, i) => !used.has(i));
  if (unused.length > 0) {
    ctx.sink.error(
      [...path, unused[0] ?? ''],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${key} has ${unused.map((n) => `"${n}"`).join(', ')}, which ${exprKey} never uses; got "${exprText}". Use ${unused.length > 1 ? 'them' : 'it'} in the expression or remove ${unused.length > 1 ? 'them' : 'it'} (names are letters, digits, "_" and "-").`,
      true,
    );
    return undefined;
  }
  return {
    entries: names.map((n): [YamlPath, unknown] => [[...path, n], value[n]]),
    linking: { op, not, expr: parsed.expr },
  };
}

/** Whether conditions with these results select, as their linking combines them. */
export function linked(results: readonly boolean[], linking: Linking): boolean {
  const combined = linking.expr
    ? evaluateCondExpr(linking.expr, results)
    : linking.op === 'and'
      ? results.every(Boolean)
      : results.some(Boolean);
  return combined !== linking.not;
}

/** `{ type: rule_attribute, attribute, value, op }`; the value is checked for the known attributes. */
function parseAttributeCondition(
  ctx: ItemContext,
  at: YamlPath,
  c: Readonly<Record<string, unknown>>,
): RuleCondition | undefined {
  const keys = ['type', 'attribute', 'value', 'op'];
  const extra = Object.keys(c).find((k) => !keys.includes(k));
  const { attribute, value, op = 'eq' } = c;
  const fail = (key: string, problem: string, got: unknown): undefined => {
    ctx.sink.error(
      [...at, key],
      got === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} rule_attribute ${problem}; got ${describe(got)}.`,
      key === extra,
    );
    return undefined;
  };
  if (extra !== undefined)
    return fail(extra, `has unknown key "${extra}" (known: ${keys.join(', ')})`, extra);
  if (typeof attribute !== 'string' || attribute === '')
    return fail(
      'attribute',
      'needs "attribute", the rule key to compare (level, status, date, author, …)',
      attribute,
    );
  if (typeof value !== 'string' && typeof value !== 'number')
    return fail('value', 'needs "value", a string or number to compare with', value);
  if (typeof op !== 'string' || !ATTRIBUTE_OPS.includes(op as AttributeOp))
    return fail('op', `op must be one of ${ATTRIBUTE_OPS.join(', ')}`, op);
  const order = Object.hasOwn(ORDERED, attribute) ? ORDERED[attribute] : undefined;
  if (order && !order.includes(String(value).toLowerCase()))
    return fail(
      'value',
      `compares ${attribute} with a value that is none of ${order.join(', ')}`,
      value,
    );
  if (DATES.includes(attribute) && isoDate(String(value)) === undefined)
    return fail(
      'value',
      `compares ${attribute} with a value that is not a date (YYYY-MM-DD)`,
      value,
    );
  return { kind: 'attribute', attribute, op: op as AttributeOp, value };
}

/** `YYYY-MM-DD` (Sigma also writes `YYYY/M/D`) as a comparable string, else undefined. */
function isoDate(text: string): string | undefined {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(text.trim());
  return m ? `${m[1]}-${m[2]?.padStart(2, '0')}-${m[3]?.padStart(2, '0')}` : undefined;
}

/** What pySigma's rule object holds for a key the rule leaves out (the lists empty). */
const ATTRIBUTE_DEFAULTS: Readonly<Record<string, unknown>> = {
  tags: [],
  references: [],
  falsepositives: [],
  fields: [],
  taxonomy: 'sigma',
  title: '',
};

/** What pySigma's rule objects hold as attributes of their own (the rest are custom ones). */
const SIGMA_ATTRIBUTES: ReadonlySet<string> = new Set([
  'source',
  'errors',
  'custom_attributes',
  'applied_processing_items',
  'title',
  'id',
  'name',
  'taxonomy',
  'related',
  'status',
  'description',
  'license',
  'references',
  'tags',
  'author',
  'date',
  'modified',
  'fields',
  'falsepositives',
  'level',
  'scope',
]);
const RULE_ATTRIBUTES: ReadonlySet<string> = new Set(['logsource', 'detection']);
const CORRELATION_ATTRIBUTES: ReadonlySet<string> = new Set([
  'referenced_rules',
  'type',
  'rules',
  'generate',
  'timespan',
  'group_by',
  'aliases',
  'condition',
]);

/**
 * What rule_attribute compares, as pySigma's getattr and then custom_attributes: an attribute
 * Sigma defines is the rule's own; any other is what a set_custom_attribute item gave it, else
 * the rule's own key of that name (a custom attribute written in the rule).
 */
function attributeValue(
  rule: RuleFacts,
  key: string,
  { custom, fields }: Pick<Progress, 'custom' | 'fields'>,
): unknown {
  // The list as the items before changed and renamed it.
  if (key === 'fields') return fields;
  const own =
    SIGMA_ATTRIBUTES.has(key) ||
    (rule.correlation ? CORRELATION_ATTRIBUTES : RULE_ATTRIBUTES).has(key);
  if (!own && custom.has(key)) return custom.get(key);
  // A correlation's own attributes are the keys of its `correlation` block (group_by:
  // `group-by`), which pySigma's rule object holds at its top.
  if (rule.correlation && CORRELATION_ATTRIBUTES.has(key)) {
    const block = rule.attributes.correlation;
    if (!isMapping(block)) return undefined;
    const name = key === 'group_by' ? 'group-by' : key;
    if (Object.hasOwn(block, name)) return block[name];
    return key === 'generate' ? false : undefined;
  }
  return attributeOf(rule.attributes, key);
}

/** The rule's own value of a key (never an inherited property), or pySigma's default. */
function attributeOf(attributes: Readonly<Record<string, unknown>>, key: string): unknown {
  if (Object.hasOwn(attributes, key)) return attributes[key];
  return Object.hasOwn(ATTRIBUTE_DEFAULTS, key) ? ATTRIBUTE_DEFAULTS[key] : undefined;
}

/**
 * pySigma's rule_attribute on the rule's own value of the key: a list by membership (in,
 * not_in; eq never holds, ne always), a level or status by its rank, a date as a date, a number
 * as a number, anything else as a string (eq, ne only). A rule without the key: never.
 */
function attributeHolds(
  condition: Extract<RuleCondition, { kind: 'attribute' }>,
  actual: unknown,
): boolean {
  const { op, value, attribute } = condition;
  if (actual === undefined || actual === null) return false;
  if (Array.isArray(actual)) {
    // Python's `in`: a string equals a string, a number or boolean a number (True is 1).
    const member = actual.some((a) =>
      typeof a === 'string' || typeof value === 'string'
        ? a === value
        : (typeof a === 'number' || typeof a === 'boolean') && Number(a) === value,
    );
    return op === 'in' ? member : op === 'not_in' ? !member : op === 'ne';
  }
  // A mapping (pySigma refuses to compare one): never.
  if (typeof actual === 'object') return false;
  const scalar = actual as string | number | boolean;
  if (op === 'in' || op === 'not_in') return false;
  const order = Object.hasOwn(ORDERED, attribute) ? ORDERED[attribute] : undefined;
  let a: string | number | undefined;
  let b: string | number | undefined;
  if (order) {
    a = order.indexOf(String(scalar).toLowerCase());
    b = order.indexOf(String(value).toLowerCase());
    if (a < 0) return false;
  } else if (DATES.includes(attribute)) {
    a = isoDate(String(scalar));
    b = isoDate(String(value));
  } else if (typeof actual === 'number' || typeof actual === 'boolean') {
    // pySigma compares a number (a bool is one) with float(value): "1" is 1, "true" is no number.
    a = Number(actual);
    b = typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value);
  } else {
    // Strings (titles, authors, ids) compare for equality only, with a string, as pySigma's
    // do; an id as the UUID it is (any case).
    if ((op !== 'eq' && op !== 'ne') || typeof value !== 'string') return op === 'ne';
    const same =
      attribute === 'id'
        ? String(scalar).toLowerCase() === value.toLowerCase()
        : String(scalar) === value;
    return same === (op === 'eq');
  }
  if (a === undefined || b === undefined || Number.isNaN(b)) return false;
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gte':
      return a >= b;
    case 'gt':
      return a > b;
    case 'lte':
      return a <= b;
    case 'lt':
      return a < b;
  }
}

/** A tag condition (`tag: attack.t1059`) or is_sigma_rule / is_sigma_correlation_rule. */
function parseOtherCondition(
  ctx: ItemContext,
  at: YamlPath,
  type: string,
  c: Readonly<Record<string, unknown>>,
): RuleCondition | undefined {
  if (hasUnknownKey(ctx, at, type, c, type === 'tag' ? ['tag'] : [])) return undefined;
  if (type === 'is_sigma_rule') return { kind: 'rule' };
  if (type === 'is_sigma_correlation_rule') return { kind: 'correlation' };
  // pySigma refuses a tag without its namespace (`attack.`), which could never match.
  if (typeof c.tag === 'string' && /^[^.\s]+\.\S+$/.test(c.tag)) return { kind: 'tag', tag: c.tag };
  ctx.sink.error(
    [...at, 'tag'],
    c.tag === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} tag condition needs "tag", a tag with its namespace that a rule must carry; got ${describe(c.tag)}. Write e.g. "tag: attack.t1059".`,
  );
  return undefined;
}

/**
 * `{ type: contains_field, field }` or `{ type: contains_detection_item, field, value }` (a
 * string, number, boolean or null, compared as pySigma's contains_detection_item does).
 */
function containsCondition(
  ctx: ItemContext,
  at: YamlPath,
  type: 'contains_field' | 'contains_detection_item',
  c: Readonly<Record<string, unknown>>,
): RuleCondition | undefined {
  const withValue = type === 'contains_detection_item';
  if (hasUnknownKey(ctx, at, type, c, withValue ? ['field', 'value'] : ['field'])) return undefined;
  const { field } = c;
  if (typeof field !== 'string' || field === '') {
    ctx.sink.error(
      [...at, 'field'],
      field === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} ${type} needs "field", the field name a detection item of the rule must have (as the items before this one left it); got ${describe(field)}. Write e.g. "field: Image".`,
    );
    return undefined;
  }
  if (!withValue) return { kind: 'contains', field };
  const want = c.value;
  if (
    !Object.hasOwn(c, 'value') ||
    !['string', 'number', 'boolean', 'object'].includes(typeof want) ||
    (typeof want === 'object' && want !== null)
  ) {
    ctx.sink.error(
      [...at, 'value'],
      !Object.hasOwn(c, 'value') ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} contains_detection_item needs "value", a string, number, boolean or null one of the item's values must equal; got ${describe(want)}. Write e.g. "value: cmd.exe".`,
    );
    return undefined;
  }
  return {
    kind: 'contains',
    field,
    test: containedValue(want as string | number | boolean | null),
  };
}

/**
 * pySigma's contains_detection_item test: a value of the same Sigma type that equals `want`. A
 * string is the Sigma string it parses to (wildcards and escapes), compared case-sensitively
 * with plain Sigma strings only (not a |cased one, nor one a regex transformation made an
 * expression); a number with numbers (3 equals 3.0), a boolean with booleans, null with null.
 */
function containedValue(want: string | number | boolean | null): (value: ItemValue) => boolean {
  if (want === null) return (v) => v.kind === 'null';
  if (typeof want === 'string') {
    const tokens = normaliseTokens(parseWildcards(want));
    return (v) =>
      v.kind === 'string' && v.cased === undefined && sameTokens(normaliseTokens(v.tokens), tokens);
  }
  const kind = typeof want === 'number' ? 'number' : 'boolean';
  return (v) => v.kind === kind && v.value === want;
}

/** Whether two normalised token lists are the same Sigma string. */
function sameTokens(a: readonly WildcardToken[], b: readonly WildcardToken[]): boolean {
  return (
    a.length === b.length &&
    a.every((t, i) => {
      const o = b[i];
      return t.kind === o?.kind && (t.kind !== 'text' || (o.kind === 'text' && t.text === o.text));
    })
  );
}

/**
 * `field_name_conditions` (include_fields / exclude_fields / processing_item_applied), or
 * undefined when absent; false after reporting a problem.
 */
export function parseFieldFilter(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
): FieldFilter | undefined | false {
  return parseFilter(
    ctx,
    item,
    'field_name',
    '[{ type: include_fields, fields: [Image] }]',
    (at, c): FieldCondition | undefined => {
      const type = isMapping(c) ? c.type : undefined;
      if (isMapping(c) && type === 'processing_item_applied') return appliedCondition(ctx, at, c);
      if (isMapping(c) && type === 'processing_state') return stateCondition(ctx, at, c);
      if (!isMapping(c) || (type !== 'include_fields' && type !== 'exclude_fields')) {
        reportType(ctx, at, 'field name condition', type, FIELD_CONDITIONS);
        return undefined;
      }
      if (hasUnknownKey(ctx, at, type, c, ['fields', 'mode'])) return undefined;
      const { fields, mode = 'plain' } = c;
      const include = type === 'include_fields';
      if (mode !== 'plain' && mode !== 're') {
        ctx.sink.error(
          [...at, 'mode'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${ctx.subject} ${type} mode must be "plain" (names) or "re" (Python regular expressions matched at a name's start); got ${describe(mode)}.`,
        );
        return undefined;
      }
      const list = typeof fields === 'string' ? [fields] : fields;
      if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string')) {
        ctx.sink.error(
          [...at, 'fields'],
          fields === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} ${type} needs "fields", a list of field names${mode === 're' ? ' (regular expressions)' : ''}; got ${describe(fields)}. Write e.g. "fields: [Image, CommandLine]".`,
        );
        return undefined;
      }
      const names = list;
      if (mode === 'plain') {
        const set = new Set(names);
        return { kind: 'fields', include, matches: (name) => set.has(name) };
      }
      // Python's re.match: anchored at the name's start, not at its end.
      const patterns: RegExp[] = [];
      for (const [i, pattern] of names.entries()) {
        const compiled = pythonRegex(pattern);
        if (!compiled.ok) {
          ctx.sink.error(
            [...at, 'fields', ...(typeof fields === 'string' ? [] : [i])],
            'CORDON_ERR_DEFINITION_VALUE',
            `${ctx.subject} ${type} field pattern is not a regular expression Cordon can run (${compiled.reason}); got ${describe(pattern)}.`,
          );
          return undefined;
        }
        patterns.push(new RegExp(compiled.regex.source, `${compiled.regex.flags}y`));
      }
      return {
        kind: 'fields',
        include,
        matches: (name) =>
          patterns.some((re) => {
            re.lastIndex = 0;
            return re.test(name);
          }),
      };
    },
  );
}

/**
 * An item's field name or detection item conditions, each parsed by `one`, with how they
 * combine; undefined when absent (unless negated: pySigma's `not all([])` then applies the
 * item to nothing), false after reporting a problem.
 */
function parseFilter<C>(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  sort: 'field_name' | 'detection_item',
  example: string,
  one: (at: YamlPath, c: unknown) => C | undefined,
): ({ readonly conditions: readonly C[] } & Linking) | undefined | false {
  const listed = conditionEntries(ctx, item, sort, example);
  if (!listed) return false;
  if (listed.entries.length === 0 && !listed.linking.not) return undefined;
  const conditions: C[] = [];
  let ok = true;
  for (const [at, c] of listed.entries) {
    const condition = one(at, c);
    if (condition) conditions.push(condition);
    else ok = false;
  }
  return ok ? { conditions, ...listed.linking } : false;
}

/** Whether condition `c` has a key besides `type` and `own` (reported at that key). */
function hasUnknownKey(
  ctx: ItemContext,
  at: YamlPath,
  type: string,
  c: Readonly<Record<string, unknown>>,
  own: readonly string[],
): boolean {
  const keys = ['type', ...own];
  const extra = Object.keys(c).find((k) => !keys.includes(k));
  if (extra === undefined) return false;
  ctx.sink.error(
    [...at, extra],
    'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
    `${ctx.subject} ${type} condition has unknown key "${extra}". Known keys: ${keys.join(', ')}.`,
    true,
  );
  return true;
}

/** `{ type: processing_item_applied, processing_item_id }`, on a rule, a field or a detection item. */
function appliedCondition(
  ctx: ItemContext,
  at: YamlPath,
  c: Readonly<Record<string, unknown>>,
): { kind: 'applied'; id: string; path: YamlPath } | undefined {
  if (hasUnknownKey(ctx, at, 'processing_item_applied', c, ['processing_item_id']))
    return undefined;
  const id = c.processing_item_id;
  if (typeof id === 'string' && id !== '')
    return { kind: 'applied', id, path: [...at, 'processing_item_id'] };
  ctx.sink.error(
    [...at, 'processing_item_id'],
    id === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
    `${ctx.subject} processing_item_applied needs "processing_item_id", the id of an earlier item; got ${describe(id)}. Write e.g. "processing_item_id: field_mapping".`,
  );
  return undefined;
}

/**
 * `{ type: processing_state, key, val, op }`, on a rule, a field or a detection item: `val` a
 * string, number or boolean as set_state gives them; `op` eq (the default), ne, gte, gt, lte, lt.
 */
function stateCondition(
  ctx: ItemContext,
  at: YamlPath,
  c: Readonly<Record<string, unknown>>,
): { kind: 'state'; test: StateTest } | undefined {
  if (hasUnknownKey(ctx, at, 'processing_state', c, ['key', 'val', 'op'])) return undefined;
  const { key, val } = c;
  const op = c.op === undefined ? 'eq' : c.op;
  if (typeof key !== 'string' || key === '') {
    ctx.sink.error(
      [...at, 'key'],
      key === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} processing_state needs "key", the state key a set_state item sets; got ${describe(key)}. Write e.g. "key: index".`,
    );
    return undefined;
  }
  if (!isStateValue(val)) {
    ctx.sink.error(
      [...at, 'val'],
      val === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} processing_state needs "val", a string, number or boolean to compare state key "${key}" with; got ${describe(val)}.`,
    );
    return undefined;
  }
  const known = STATE_OPS.find((o) => o === op);
  if (!known) {
    ctx.sink.error(
      [...at, 'op'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} processing_state op must be one of ${STATE_OPS.join(', ')}; got ${describe(op)}.`,
    );
    return undefined;
  }
  return { kind: 'state', test: { key, op: known, value: val } };
}

/** What set_state may give a key and processing_state compares it with. */
export function isStateValue(v: unknown): v is StateValue {
  return (
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
  );
}

/**
 * Whether the state holds for a processing_state test, as pySigma compares (Python's `==`,
 * `<` …): a key never set holds for no op. Strings order by code point; a number and a boolean
 * compare as numbers (Python's True is 1). A string against a number or boolean is only ever
 * `ne` (Python raises on ordering them, which a pipeline cannot mean).
 */
export function stateHolds(test: StateTest, state: PipelineState): boolean {
  const have = state.get(test.key);
  if (have === undefined) return false;
  const want = test.value;
  const strings = typeof have === 'string';
  if (strings !== (typeof want === 'string')) return test.op === 'ne';
  const order = strings
    ? byCodePoint(have, want as string)
    : Math.sign(Number(have) - Number(want));
  switch (test.op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gte':
      return order >= 0;
    case 'gt':
      return order > 0;
    case 'lte':
      return order <= 0;
    case 'lt':
      return order < 0;
  }
}

/** -1, 0 or 1: `a` against `b` by Unicode code point, as Python orders strings. */
function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i += 1) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(x.length - y.length);
}

/**
 * Whether an item applies to field `name` under its field filter; `applied`: the ids of the
 * items applied to the field so far; `state`: the pipeline's state where the item comes. A
 * keyword (no name) is in no include_fields list, as in pySigma.
 */
export function fieldPasses(
  filter: FieldFilter | undefined,
  name: string | undefined,
  applied: ReadonlySet<string>,
  state: PipelineState,
): boolean {
  if (!filter) return true;
  const results = filter.conditions.map((c) =>
    c.kind === 'fields'
      ? (name !== undefined && c.matches(name)) === c.include
      : progressHolds(c, applied, state),
  );
  return linked(results, filter);
}

/**
 * A processing_item_applied or processing_state condition, on a field or a detection item
 * alike: `applied` the ids of the items applied to it so far, `state` where its item stands.
 */
function progressHolds(
  c: Extract<FieldCondition, { kind: 'applied' | 'state' }>,
  applied: ReadonlySet<string>,
  state: PipelineState,
): boolean {
  return c.kind === 'applied' ? applied.has(c.id) : stateHolds(c.test, state);
}

export function parseOp(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  key: string,
): 'and' | 'or' | undefined {
  const value = item[key] ?? 'and';
  if (value === 'and' || value === 'or') return value;
  ctx.sink.error(
    [...ctx.path, key],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} ${key} must be "and" or "or"; got ${describe(value)}.`,
  );
  return undefined;
}

export function parseNot(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  key: string,
): boolean | undefined {
  const value = item[key] ?? false;
  if (typeof value === 'boolean') return value;
  ctx.sink.error(
    [...ctx.path, key],
    'CORDON_ERR_DEFINITION_TYPE',
    `${ctx.subject} ${key} must be true or false; got ${describe(value)}.`,
  );
  return undefined;
}

function reportType(
  ctx: ItemContext,
  at: YamlPath,
  what: string,
  type: unknown,
  implemented: readonly string[],
): void {
  const hint = typeof type === 'string' ? suggest(type, implemented) : undefined;
  ctx.sink.error(
    typeof type === 'string' ? [...at, 'type'] : at,
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} has a ${what} of unknown type; got ${describe(type)}.${hint ? ` Did you mean "${hint}"?` : ''} Use ${implemented.map((t) => `"${t}"`).join(' or ')}.`,
  );
}

/**
 * `detection_item_conditions` (with `detection_item_cond_op` / `_not`), or undefined when
 * absent: match_string, match_value, contains_wildcard and is_null test the item's values
 * (`cond: any | all`), processing_item_applied what was applied to it.
 */
export function parseItemFilter(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
): ItemFilter | undefined | false {
  return parseFilter(
    ctx,
    item,
    'detection_item',
    "[{ type: match_string, cond: any, pattern: '^C:' }]",
    (at, c) => parseItemCondition(ctx, at, c),
  );
}

function parseItemCondition(ctx: ItemContext, at: YamlPath, c: unknown): ItemCondition | undefined {
  const type = isMapping(c) ? c.type : undefined;
  if (!isMapping(c) || typeof type !== 'string' || !ITEM_CONDITIONS.includes(type)) {
    reportType(ctx, at, 'detection item condition', type, ITEM_CONDITIONS);
    return undefined;
  }
  const own: Record<string, readonly string[]> = {
    match_string: ['pattern', 'negate', 'cond'],
    match_value: ['value', 'cond'],
    contains_wildcard: ['cond'],
    is_null: ['cond'],
  };
  if (type === 'processing_item_applied') return appliedCondition(ctx, at, c);
  if (type === 'processing_state') return stateCondition(ctx, at, c);
  if (hasUnknownKey(ctx, at, type, c, own[type] ?? [])) return undefined;
  // pySigma requires `cond` on every value condition.
  const cond = c.cond;
  if (cond !== 'any' && cond !== 'all') {
    ctx.sink.error(
      [...at, 'cond'],
      cond === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${type} needs "cond", whether one value (any) or every value (all) of an item must pass; got ${describe(cond)}. Write "cond: any" or "cond: all".`,
    );
    return undefined;
  }
  const test = valueTest(ctx, at, type, c);
  return test ? { kind: 'values', cond, test } : undefined;
}

function valueTest(
  ctx: ItemContext,
  at: YamlPath,
  type: string,
  c: Readonly<Record<string, unknown>>,
): ((value: ItemValue) => boolean) | undefined {
  switch (type) {
    case 'is_null':
      return (v) => v.kind === 'null';
    case 'contains_wildcard':
      return (v) => v.kind === 'string' && v.tokens.some((t) => t.kind !== 'text');
    case 'match_value': {
      const want = c.value;
      if (!['string', 'number', 'boolean'].includes(typeof want)) {
        ctx.sink.error(
          [...at, 'value'],
          want === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} match_value needs "value", a string, number or boolean an item's value must equal; got ${describe(want)}.`,
        );
        return undefined;
      }
      // As pySigma compares: a string as the Sigma string it parses to, a number with a number.
      const tokens = typeof want === 'string' ? normaliseTokens(parseWildcards(want)) : undefined;
      return (v) =>
        v.kind === 'string'
          ? tokens !== undefined && sameTokens(normaliseTokens(v.tokens), tokens)
          : (v.kind === 'number' || v.kind === 'boolean') && v.value === want;
    }
    default: {
      const negate = c.negate ?? false;
      const compiled =
        typeof c.pattern === 'string' ? pythonRegex(c.pattern) : { ok: false as const };
      if (typeof negate !== 'boolean' || !compiled.ok) {
        const bad = typeof negate !== 'boolean' ? 'negate' : 'pattern';
        ctx.sink.error(
          [...at, bad],
          c[bad] === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
          bad === 'negate'
            ? `${ctx.subject} match_string negate must be true or false; got ${describe(negate)}.`
            : `${ctx.subject} match_string needs "pattern", a regular expression matched at the start of each string value${'reason' in compiled ? ` (${compiled.reason})` : ''}; got ${describe(c.pattern)}. Write e.g. "pattern: '^C:'".`,
        );
        return undefined;
      }
      // Python's re.match: anchored at the start of the value's Sigma text, not at its end.
      const re = new RegExp(compiled.regex.source, `${compiled.regex.flags}y`);
      return (v) => {
        re.lastIndex = 0;
        const matched = v.kind === 'string' && re.test(renderSigma(v.tokens));
        return matched !== negate;
      };
    }
  }
}

/** Whether a detection-item transformation applies to an item with these values. */
export function itemPasses(
  filter: ItemFilter | undefined,
  values: readonly ItemValue[],
  applied: ReadonlySet<string>,
  state: PipelineState,
): boolean {
  if (!filter) return true;
  const results = filter.conditions.map((c) =>
    c.kind === 'values'
      ? c.cond === 'any'
        ? values.some(c.test)
        : values.every(c.test)
      : progressHolds(c, applied, state),
  );
  return linked(results, filter);
}
