import { describe } from '../../../shared/duration.js';
import { isMapping } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { RuleContext } from '../context.js';
import { resolveRuleField, unknownFieldMessage } from '../resolve-field.js';
import { expandPlaceholders } from './expand.js';
import { parseNetwork } from './cidr.js';
import type { FieldConditionIR, KeywordsIR, SearchIR, ValueIR } from './ir.js';
import type { ModifierSet } from './modifiers.js';
import { parseNumber } from './number.js';
import { parseModifiers } from './modifiers.js';
import { compileRegex, findUnsupportedRegexConstruct, splitInlineFlags } from './regex.js';
import { applySteps } from './transforms.js';
import type { Position, WildcardToken } from './wildcard.js';
import {
  foldTokens,
  literalTokens,
  normaliseTokens,
  parseWildcards,
  positionTokens,
} from './wildcard.js';

/**
 * Validates one search identifier of a Sigma `detection` block and turns it into SearchIR.
 * Every problem is reported (with the position of the offending key or value); the result is
 * undefined when any was found.
 */
export function parseSearch(
  ctx: RuleContext,
  path: YamlPath,
  name: string,
  value: unknown,
): SearchIR | undefined {
  const where = `${ctx.subject} search identifier "${name}"`;
  if (isMapping(value)) return parseMapping(ctx, path, where, value);
  if (Array.isArray(value)) {
    if (value.length === 0) {
      ctx.sink.error(
        path,
        'CORDON_ERR_RULE_DETECTION',
        `${where} is an empty list; got []. List field mappings or keywords, or remove it.`,
      );
      return undefined;
    }
    if (value.every(isMapping)) {
      const items = value.map((item, i) => parseMapping(ctx, [...path, i], where, item));
      return items.every((i) => i !== undefined) ? { kind: 'or', items } : undefined;
    }
    if (value.every(isKeywordValue)) {
      return keywordsIR(value, 'any', false);
    }
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_DETECTION',
      `${where} mixes field mappings and plain values in one list; got ${value.map(describe).join(', ')}. Use either a list of mappings (OR) or a list of keywords, in separate search identifiers.`,
    );
    return undefined;
  }
  ctx.sink.error(
    path,
    'CORDON_ERR_RULE_DETECTION',
    `${where} must be a mapping of field conditions or a list; got ${describe(value)}. Write e.g. "${name}: { api_key|exists: true }".`,
  );
  return undefined;
}

function isKeywordValue(v: unknown): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

function keywordsIR(
  values: readonly (string | number)[],
  combine: 'any' | 'all',
  cased: boolean,
): KeywordsIR {
  return {
    kind: 'keywords',
    combine,
    values: values.map((v) => ({ tokens: textTokens(v, 'contains', cased), cased })),
  };
}

/** Sigma wildcards for strings; numbers are literal text. Folded when matching ignores case. */
function textTokens(
  value: string | number | boolean,
  position: Position,
  cased: boolean,
): WildcardToken[] {
  const base = typeof value === 'string' ? parseWildcards(value) : literalTokens(String(value));
  const tokens = normaliseTokens(positionTokens(base, position));
  return cased ? tokens : foldTokens(tokens);
}

function parseMapping(
  ctx: RuleContext,
  path: YamlPath,
  where: string,
  map: Record<string, unknown>,
): SearchIR | undefined {
  const keys = Object.keys(map);
  if (keys.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_DETECTION',
      `${where} has an empty mapping; got {}. Add field conditions or remove it.`,
    );
    return undefined;
  }
  const items: (FieldConditionIR | KeywordsIR | SearchIR)[] = [];
  let ok = true;
  for (const key of keys) {
    const item = parseEntry(ctx, [...path, key], key, map[key]);
    if (item) items.push(item);
    else ok = false;
  }
  return ok ? { kind: 'and', items } : undefined;
}

function parseEntry(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
): FieldConditionIR | KeywordsIR | SearchIR | undefined {
  const [field = '', ...modifierNames] = key.split('|');
  const mods = parseModifiers(ctx, path, key, modifierNames);
  const paths = field === '' ? [''] : resolveField(ctx, path, field);
  if (!mods || paths === undefined) return undefined;
  const expanded = mods.expand ? expandPlaceholders(ctx, path, key, value) : { value };
  if (!expanded) return undefined;
  const values = valueList(ctx, path, key, expanded.value, mods);
  if (!values) return undefined;
  if (field === '') return keywordEntry(ctx, path, key, values, mods);
  const [canonical = '', ...more] = paths;
  const condition = fieldCondition(ctx, path, key, value, canonical, values, mods, modifierNames);
  if (!condition || more.length === 0) return condition;
  // One field a pipeline maps to several: the condition holds when it holds on any of them.
  return {
    kind: 'or',
    items: [condition, ...more.map((p) => ({ ...condition, path: p }))].map((c) => ({
      kind: 'and' as const,
      items: [c],
    })),
  };
}

function fieldCondition(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
  canonical: string,
  values: { items: Scalar[]; isList: boolean },
  mods: ModifierSet,
  modifierNames: readonly string[],
): FieldConditionIR | undefined {
  if (mods.type === 'exists') {
    const [only] = values.items;
    if (values.isList || typeof only !== 'boolean') {
      return reject(
        ctx,
        path,
        `${ctx.subject} field "${key}" must be true or false`,
        value,
        'Write "exists: true" or "exists: false".',
      );
    }
    return { kind: 'exists', path: canonical, expected: only };
  }
  if (values.items.includes(null)) {
    if (values.isList) {
      return reject(
        ctx,
        [...path, values.items.indexOf(null)],
        `${ctx.subject} field "${key}" lists null among other values`,
        null,
        'Sigma forbids this; test null in a separate search identifier and combine them in the condition.',
      );
    }
    if (modifierNames.length > 0) {
      return reject(
        ctx,
        path,
        `${ctx.subject} field "${key}" combines null with modifiers`,
        value,
        'Write "field: null" alone, and "not" that search identifier in the condition for "is set".',
      );
    }
    return { kind: 'null', path: canonical };
  }
  const irs: ValueIR[] = [];
  let ok = true;
  values.items.forEach((item, i) => {
    const itemPath = values.isList ? [...path, i] : path;
    const ir = item === null ? undefined : valueIR(ctx, itemPath, key, item, mods);
    if (ir) irs.push(ir);
    else ok = false;
  });
  if (!ok) return undefined;
  return {
    kind: 'values',
    path: canonical,
    combine: mods.all ? 'all' : 'any',
    negate: mods.neq,
    values: irs,
  };
}

/** The canonical paths a rule's field reads (several when a pipeline maps it to several). */
function resolveField(
  ctx: RuleContext,
  path: YamlPath,
  field: string,
): readonly string[] | undefined {
  const resolved = resolveRuleField(ctx, field);
  if (resolved.ok) return resolved.paths;
  ctx.sink.error(
    path,
    'CORDON_ERR_RULE_FIELD',
    unknownFieldMessage(`${ctx.subject} field "${field}"`, field, resolved),
    true,
  );
  return undefined;
}

type Scalar = string | number | boolean | null;

/** The values of one entry as a list, or undefined after reporting a non-scalar. */
function valueList(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
  mods: ModifierSet,
): { items: Scalar[]; isList: boolean } | undefined {
  const isScalar = (v: unknown): v is Scalar =>
    v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (!Array.isArray(value)) {
    if (!isScalar(value)) {
      return reject(
        ctx,
        path,
        `${ctx.subject} field "${key}" must be a value or a list of values`,
        value,
        'Nested mappings are not part of Sigma; use dotted field names.',
      );
    }
    return rejectsAllOnOneValue(ctx, path, key, value, mods)
      ? undefined
      : { items: [value], isList: false };
  }
  if (value.length === 0) {
    return reject(
      ctx,
      path,
      `${ctx.subject} field "${key}" has an empty list, which matches nothing`,
      value,
      'List at least one value or remove the field.',
    );
  }
  const bad = value.findIndex((v) => !isScalar(v));
  if (bad >= 0) {
    return reject(
      ctx,
      [...path, bad],
      `${ctx.subject} field "${key}" lists a non-scalar value`,
      value[bad],
      'List strings, numbers or booleans only.',
    );
  }
  if (value.length === 1 && rejectsAllOnOneValue(ctx, path, key, value, mods)) return undefined;
  return { items: value as Scalar[], isList: true };
}

/** `all` needs two or more values to mean anything; on one value (bare or listed) it is reported. */
function rejectsAllOnOneValue(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
  mods: ModifierSet,
): boolean {
  if (!mods.all) return false;
  reject(
    ctx,
    path,
    `${ctx.subject} field "${key}" uses "all" with a single value`,
    value,
    'Sigma allows "all" only on lists of two or more values; remove it.',
    'CORDON_ERR_RULE_MODIFIER',
  );
  return true;
}

function keywordEntry(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  values: { items: Scalar[] },
  mods: ModifierSet,
): KeywordsIR | undefined {
  if (mods.type !== 'plain' || mods.position !== 'exact' || mods.neq || mods.steps.length > 0) {
    return reject(
      ctx,
      path,
      `${ctx.subject} keyword search "${key}" uses a modifier other than "all" or "cased"`,
      key,
      'Keyword searches always match as "contains"; keep only "|all" or "|cased".',
      'CORDON_ERR_RULE_MODIFIER',
    );
  }
  const items = values.items.filter(isKeywordValue);
  if (items.length !== values.items.length) {
    return reject(
      ctx,
      path,
      `${ctx.subject} keyword search "${key}" lists a value that is not a string or number`,
      values.items.find((v) => !isKeywordValue(v)),
      'List strings only.',
    );
  }
  return keywordsIR(items, mods.all ? 'all' : 'any', mods.cased);
}

function valueIR(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: string | number | boolean,
  mods: ModifierSet,
): ValueIR | undefined {
  const where = `${ctx.subject} field "${key}"`;
  switch (mods.type) {
    case 'plain':
      if (mods.steps.length > 0) return rewrittenIR(ctx, path, where, value, mods);
      if (typeof value === 'number' && mods.position === 'exact') return { kind: 'number', value };
      if (typeof value === 'boolean' && mods.position === 'exact')
        return { kind: 'boolean', value };
      return {
        kind: 'text',
        tokens: textTokens(value, mods.position, mods.cased),
        cased: mods.cased,
      };
    case 'compare': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string'
            ? parseNumber(value)
            : undefined;
      if (n === undefined || mods.compareOp === undefined) {
        return reject(
          ctx,
          path,
          `${where} compares with a value that is not a number`,
          value,
          'Write a number, e.g. "gt: 100".',
        );
      }
      return { kind: 'compare', op: mods.compareOp, value: n };
    }
    case 're': {
      if (typeof value !== 'string') {
        return reject(
          ctx,
          path,
          `${where} needs a regular expression string`,
          value,
          'Quote the pattern.',
        );
      }
      const { source, flags } = splitInlineFlags(value, mods.reFlags);
      const construct = findUnsupportedRegexConstruct(source);
      if (construct !== undefined) {
        return reject(
          ctx,
          path,
          `${where} uses a ${construct}, which is outside Sigma's regular-expression subset`,
          value,
          'Rewrite it without look-arounds, atomic groups or backreferences (e.g. split it into two conditions joined with "and not").',
        );
      }
      const compiled = compileRegex(source, flags);
      if (!compiled.ok) {
        return reject(
          ctx,
          path,
          `${where} has an invalid regular expression (${compiled.reason})`,
          value,
          'Fix the pattern.',
        );
      }
      return { kind: 'regex', source, flags };
    }
    case 'cidr':
      if (typeof value !== 'string' || !parseNetwork(value)) {
        return reject(
          ctx,
          path,
          `${where} needs an IPv4 or IPv6 network`,
          value,
          'Write e.g. "10.0.0.0/8" or "2001:db8::/32".',
        );
      }
      return { kind: 'cidr', network: value };
    case 'fieldref': {
      if (typeof value !== 'string' || value === '') {
        return reject(
          ctx,
          path,
          `${where} needs the name of the field to compare with`,
          value,
          'Write e.g. "fieldref: entity.user".',
        );
      }
      const target = resolveRuleField(ctx, value);
      if (!target.ok || target.paths.length !== 1) {
        ctx.sink.error(
          path,
          'CORDON_ERR_RULE_FIELD',
          target.ok
            ? `${where} refers to "${value}", which a processing pipeline maps to several fields (${target.paths.join(', ')}); got a comparison that needs one. Map "${value}" to one field.`
            : unknownFieldMessage(`${where} refers to a field that`, value, target),
        );
        return undefined;
      }
      return {
        kind: 'fieldref',
        path: target.paths[0] ?? '',
        position: mods.position,
        cased: mods.cased,
      };
    }
    case 'exists':
      // Handled by the caller; kept for exhaustiveness.
      return undefined;
  }
}

/**
 * A value rewritten by windash, an encoding, base64 or base64offset (and positioned), as the
 * variants it expands to; a single variant is an ordinary text value.
 */
function rewrittenIR(
  ctx: RuleContext,
  path: YamlPath,
  where: string,
  value: string | number | boolean,
  mods: ModifierSet,
): ValueIR | undefined {
  if (typeof value !== 'string') {
    return reject(
      ctx,
      path,
      `${where} rewrites a value that is not a string`,
      value,
      `Quote it ('${String(value)}'): windash, the encodings and base64 take strings only.`,
    );
  }
  const result = applySteps(parseWildcards(value), mods.steps);
  if (!result.ok) return reject(ctx, path, `${where} ${result.problem}`, value, result.fix);
  const cased = mods.cased;
  const variants = result.variants.map((tokens) => (cased ? [...tokens] : foldTokens(tokens)));
  const [only] = variants;
  if (variants.length === 1 && only) return { kind: 'text', tokens: only, cased };
  return { kind: 'variants', variants, cased };
}

function reject(
  ctx: RuleContext,
  path: YamlPath,
  problem: string,
  got: unknown,
  fix: string,
  code: 'CORDON_ERR_RULE_DETECTION' | 'CORDON_ERR_RULE_MODIFIER' = 'CORDON_ERR_RULE_DETECTION',
): undefined {
  ctx.sink.error(path, code, `${problem}; got ${describe(got)}. ${fix}`);
  return undefined;
}
