import { describe } from '../../../shared/duration.js';
import { isMapping, suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { WildcardToken } from '../detection/wildcard.js';
import { normaliseTokens, parseWildcards, renderSigma } from '../detection/wildcard.js';
import { pythonRegex } from './python-regex.js';
import type {
  FieldCondition,
  FieldFilter,
  ItemCondition,
  ItemContext,
  ItemFilter,
  ItemValue,
  Logsource,
  RuleCondition,
  RuleFacts,
} from './types.js';

const LOGSOURCE_PARTS = ['category', 'product', 'service'] as const;
/** pySigma's other condition types: refused as not implemented rather than as unknown. */
const RULE_CONDITIONS_NOT_IMPLEMENTED = [
  'contains_detection_item',
  'contains_field',
  'processing_item_applied',
  'processing_state',
  'rule_attribute',
];
const RULE_CONDITIONS = ['logsource', 'tag', 'is_sigma_rule', 'is_sigma_correlation_rule'];
const FIELD_CONDITIONS_NOT_IMPLEMENTED = ['processing_state'];
const ITEM_CONDITIONS = [
  'match_string',
  'match_value',
  'contains_wildcard',
  'is_null',
  'processing_item_applied',
];
const ITEM_CONDITIONS_NOT_IMPLEMENTED = ['processing_state'];

/**
 * Whether a rule condition holds: a logsource condition when the rule's logsource has every
 * part it names (case-insensitively; a correlation has no logsource), a tag condition when the
 * rule carries the tag exactly, as pySigma compares them.
 */
export function ruleConditionHolds(condition: RuleCondition, rule: RuleFacts): boolean {
  switch (condition.kind) {
    case 'rule':
      return !rule.correlation;
    case 'correlation':
      return rule.correlation;
    case 'tag':
      return rule.tags.includes(condition.tag);
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

/** `rule_conditions`: a list of rule conditions; undefined after reporting a problem. */
export function parseRuleConditions(ctx: ItemContext, value: unknown): RuleCondition[] | undefined {
  if (value === undefined) return [];
  const path = [...ctx.path, 'rule_conditions'];
  if (!Array.isArray(value) || value.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} rule_conditions must be a list of conditions; got ${describe(value)}. Write e.g. "rule_conditions: [{ type: logsource, product: windows }]".`,
    );
    return undefined;
  }
  const out: RuleCondition[] = [];
  let ok = true;
  value.forEach((c, i) => {
    const at = [...path, i];
    const type = isMapping(c) ? c.type : undefined;
    if (!isMapping(c) || typeof type !== 'string' || !RULE_CONDITIONS.includes(type)) {
      ok = false;
      reportType(ctx, at, 'rule condition', type, RULE_CONDITIONS, RULE_CONDITIONS_NOT_IMPLEMENTED);
      return;
    }
    if (type !== 'logsource') {
      const other = parseOtherCondition(ctx, at, type, c);
      if (other) out.push(other);
      else ok = false;
      return;
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
  });
  return ok ? out : undefined;
}

/** A tag condition (`tag: attack.t1059`) or is_sigma_rule / is_sigma_correlation_rule. */
function parseOtherCondition(
  ctx: ItemContext,
  at: YamlPath,
  type: string,
  c: Readonly<Record<string, unknown>>,
): RuleCondition | undefined {
  const keys = type === 'tag' ? ['type', 'tag'] : ['type'];
  const extra = Object.keys(c).find((k) => !keys.includes(k));
  if (extra !== undefined) {
    ctx.sink.error(
      [...at, extra],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `${ctx.subject} ${type} condition has unknown key "${extra}". Known keys: ${keys.join(', ')}.`,
      true,
    );
    return undefined;
  }
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

/** `field_name_conditions` (include_fields / exclude_fields), or undefined when absent. */
export function parseFieldFilter(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
): FieldFilter | undefined | false {
  const value = item.field_name_conditions;
  const op = parseOp(ctx, item, 'field_name_cond_op');
  const not = parseNot(ctx, item, 'field_name_cond_not');
  if (op === undefined || not === undefined) return false;
  // pySigma negates even no conditions (`not all([])`): the item then applies to no field.
  if (value === undefined) return not ? { conditions: [], op, not } : undefined;
  const path = [...ctx.path, 'field_name_conditions'];
  if (!Array.isArray(value) || value.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} field_name_conditions must be a list of conditions; got ${describe(value)}. Write e.g. "field_name_conditions: [{ type: include_fields, fields: [Image] }]".`,
    );
    return false;
  }
  const conditions: FieldCondition[] = [];
  let ok = true;
  value.forEach((c, i) => {
    const at = [...path, i];
    const type = isMapping(c) ? c.type : undefined;
    if (isMapping(c) && type === 'processing_item_applied') {
      const id = c.processing_item_id;
      if (typeof id === 'string' && id !== '')
        conditions.push({ kind: 'applied', id, path: [...at, 'processing_item_id'] });
      else {
        ok = false;
        ctx.sink.error(
          [...at, 'processing_item_id'],
          id === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} processing_item_applied needs "processing_item_id", the id of an earlier item; got ${describe(id)}. Write e.g. "processing_item_id: field_mapping".`,
        );
      }
      return;
    }
    if (!isMapping(c) || (type !== 'include_fields' && type !== 'exclude_fields')) {
      ok = false;
      reportType(
        ctx,
        at,
        'field name condition',
        type,
        ['include_fields', 'exclude_fields', 'processing_item_applied'],
        FIELD_CONDITIONS_NOT_IMPLEMENTED,
      );
      return;
    }
    const fields = c.fields;
    const list = typeof fields === 'string' ? [fields] : fields;
    if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string')) {
      ok = false;
      ctx.sink.error(
        [...at, 'fields'],
        fields === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} ${type} needs "fields", a list of field names; got ${describe(fields)}. Write e.g. "fields: [Image, CommandLine]".`,
      );
      return;
    }
    conditions.push({ kind: 'fields', include: type === 'include_fields', fields: new Set(list) });
  });
  return ok ? { conditions, op, not } : false;
}

/**
 * Whether an item applies to field `name` under its field filter; `applied`: the ids of the
 * items applied to the field so far. A keyword (no name) is in no include_fields list, as
 * in pySigma.
 */
export function fieldPasses(
  filter: FieldFilter | undefined,
  name: string | undefined,
  applied: ReadonlySet<string>,
): boolean {
  if (!filter) return true;
  const results = filter.conditions.map((c) =>
    c.kind === 'applied'
      ? applied.has(c.id)
      : (name !== undefined && c.fields.has(name)) === c.include,
  );
  const combined = filter.op === 'and' ? results.every(Boolean) : results.some(Boolean);
  return combined !== filter.not;
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
  notImplemented: readonly string[],
): void {
  if (typeof type === 'string' && notImplemented.includes(type)) {
    ctx.sink.error(
      [...at, 'type'],
      'CORDON_ERR_PIPELINE_UNSUPPORTED',
      `${ctx.subject} uses the ${what} type "${type}", which Cordon does not implement yet. Use ${implemented.map((t) => `"${t}"`).join(' or ')}, or remove it.`,
    );
    return;
  }
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
  const value = item.detection_item_conditions;
  const op = parseOp(ctx, item, 'detection_item_cond_op');
  const not = parseNot(ctx, item, 'detection_item_cond_not');
  if (op === undefined || not === undefined) return false;
  // pySigma negates even no conditions (`not all([])`): the item then applies to no item.
  if (value === undefined) return not ? { conditions: [], op, not } : undefined;
  const path = [...ctx.path, 'detection_item_conditions'];
  if (!Array.isArray(value) || value.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} detection_item_conditions must be a list of conditions; got ${describe(value)}. Write e.g. "detection_item_conditions: [{ type: match_string, cond: any, pattern: '^C:' }]".`,
    );
    return false;
  }
  const conditions: ItemCondition[] = [];
  let ok = true;
  value.forEach((c, i) => {
    const condition = parseItemCondition(ctx, [...path, i], c);
    if (condition) conditions.push(condition);
    else ok = false;
  });
  return ok ? { conditions, op, not } : false;
}

function parseItemCondition(ctx: ItemContext, at: YamlPath, c: unknown): ItemCondition | undefined {
  const type = isMapping(c) ? c.type : undefined;
  if (!isMapping(c) || typeof type !== 'string' || !ITEM_CONDITIONS.includes(type)) {
    reportType(
      ctx,
      at,
      'detection item condition',
      type,
      ITEM_CONDITIONS,
      ITEM_CONDITIONS_NOT_IMPLEMENTED,
    );
    return undefined;
  }
  const own: Record<string, readonly string[]> = {
    match_string: ['pattern', 'negate', 'cond'],
    match_value: ['value', 'cond'],
    contains_wildcard: ['cond'],
    is_null: ['cond'],
    processing_item_applied: ['processing_item_id'],
  };
  const keys = ['type', ...(own[type] ?? [])];
  const extra = Object.keys(c).find((k) => !keys.includes(k));
  if (extra !== undefined) {
    ctx.sink.error(
      [...at, extra],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `${ctx.subject} ${type} condition has unknown key "${extra}". Known keys: ${keys.join(', ')}.`,
      true,
    );
    return undefined;
  }
  if (type === 'processing_item_applied') {
    const id = c.processing_item_id;
    if (typeof id === 'string' && id !== '')
      return { kind: 'applied', id, path: [...at, 'processing_item_id'] };
    ctx.sink.error(
      [...at, 'processing_item_id'],
      id === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} processing_item_applied needs "processing_item_id", the id of an earlier item; got ${describe(id)}. Write e.g. "processing_item_id: drop_event_id".`,
    );
    return undefined;
  }
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
      const same = (a: readonly WildcardToken[], b: readonly WildcardToken[]): boolean =>
        a.length === b.length &&
        a.every((t, i) => {
          const o = b[i];
          return (
            t.kind === o?.kind && (t.kind !== 'text' || (o.kind === 'text' && t.text === o.text))
          );
        });
      return (v) =>
        v.kind === 'string'
          ? tokens !== undefined && same(normaliseTokens(v.tokens), tokens)
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
): boolean {
  if (!filter) return true;
  const results = filter.conditions.map((c) =>
    c.kind === 'applied'
      ? applied.has(c.id)
      : c.cond === 'any'
        ? values.some(c.test)
        : values.every(c.test),
  );
  const combined = filter.op === 'and' ? results.every(Boolean) : results.some(Boolean);
  return combined !== filter.not;
}
