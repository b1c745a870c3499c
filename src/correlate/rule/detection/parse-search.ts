import { describe } from '../../../shared/duration.js';
import { isMapping } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { RuleContext } from '../context.js';
import { NO_PIPELINE } from '../pipeline/rule-pipeline.js';
import type { ItemValue } from '../pipeline/types.js';
import { resolveFieldPath } from '../../field-map.js';
import { resolveRuleField, unknownFieldMessage } from '../resolve-field.js';
import { expandPlaceholders } from './expand.js';
import { parseNetwork } from './cidr.js';
import type { FieldConditionIR, KeywordsIR, SearchIR, ValueIR } from './ir.js';
import type { ModifierSet } from './modifiers.js';
import { parseNumber } from './number.js';
import { parseModifiers } from './modifiers.js';
import { compileRegex, findUnsupportedRegexConstruct, splitInlineFlags } from './regex.js';
import { applySteps } from './transforms.js';
import type { WildcardToken } from './wildcard.js';
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
 * undefined when any was found, and null when a pipeline dropped every item of it (pySigma
 * leaves it out of the condition).
 */
export function parseSearch(
  ctx: RuleContext,
  path: YamlPath,
  name: string,
  value: unknown,
): SearchIR | null | undefined {
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
      if (!items.every((i) => i !== undefined)) return undefined;
      // A mapping whose items were all dropped leaves the OR, as pySigma leaves it out.
      const kept = items.filter((i): i is SearchIR => i !== null);
      return kept.length === 0 ? null : { kind: 'or', items: kept };
    }
    if (value.every(isKeywordValue)) {
      return keywordItem(ctx, path, value, 'any', false);
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

/**
 * Keywords through the pipelines (as one detection item without a field): null when dropped,
 * undefined when a transformation left a value that is not a string or number.
 */
function keywordItem(
  ctx: RuleContext,
  path: YamlPath,
  values: readonly (string | number)[],
  combine: 'any' | 'all',
  cased: boolean,
): KeywordsIR | null | undefined {
  const items: ItemValue[] = values.map((v) =>
    typeof v === 'string'
      ? { kind: 'string', tokens: parseWildcards(v) }
      : { kind: 'number', value: v },
  );
  const outcome = (ctx.pipeline ?? NO_PIPELINE).processItem(undefined, items);
  if (outcome.kind === 'failed') {
    ctx.onItemFailure?.(outcome);
    return undefined;
  }
  const [branch] = outcome.branches;
  if (!branch) return null;
  const out: { tokens: WildcardToken[]; cased: boolean }[] = [];
  for (const v of branch.values) {
    if (v.kind !== 'string' && v.kind !== 'number' && v.kind !== 'expression') {
      return reject(
        ctx,
        path,
        `${ctx.subject} keyword search, as a processing pipeline rewrote it, has a value that is not a string or number`,
        v.kind === 'null' ? null : v.kind === 'boolean' ? v.value : v.kind,
        'Keywords are text; change the transformation (set_value, map_string) that made it.',
      );
    }
    const base = v.kind === 'number' ? literalTokens(String(v.value)) : v.tokens;
    const tokens = normaliseTokens(positionTokens(base, 'contains'));
    const c = v.kind === 'expression' ? v.cased : v.kind === 'string' ? (v.cased ?? cased) : cased;
    out.push({ tokens: c ? tokens : foldTokens(tokens), cased: c });
  }
  return { kind: 'keywords', combine, values: out };
}

function parseMapping(
  ctx: RuleContext,
  path: YamlPath,
  where: string,
  map: Record<string, unknown>,
): SearchIR | null | undefined {
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
    else if (item === undefined) ok = false;
  }
  // Every entry dropped by a pipeline: the mapping is gone, not an AND of nothing (which would
  // match every event).
  if (ok && items.length === 0) return null;
  return ok ? { kind: 'and', items } : undefined;
}

/**
 * One `field|modifiers: values` entry (or `|all: keywords`): its values as the modifiers make
 * them, then the processing pipelines (renames, drops, value transformations, in their order),
 * then the condition on each field it became. Null when a pipeline dropped it.
 */
function parseEntry(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
): FieldConditionIR | KeywordsIR | SearchIR | null | undefined {
  const [field = '', ...modifierNames] = key.split('|');
  const mods = parseModifiers(ctx, path, key, modifierNames);
  const expanded = mods?.expand ? expandPlaceholders(ctx, path, key, value) : { value };
  const values = mods && expanded ? valueList(ctx, path, key, expanded.value, mods) : undefined;
  if (field === '') {
    if (!mods || !values) return undefined;
    const keywords = keywordValues(ctx, path, key, values, mods);
    return keywords && keywordItem(ctx, path, keywords, mods.all ? 'all' : 'any', mods.cased);
  }
  const items =
    mods && values ? itemValues(ctx, path, key, value, values, mods, modifierNames) : undefined;
  const pipeline = ctx.pipeline ?? NO_PIPELINE;
  if (!mods || !items) {
    // Values with problems: no transformation acts on them (a condition on values cannot be
    // decided), but the field is still renamed and resolved, so an unknown one is reported.
    const mapped = pipeline.mapField(field);
    mapped.names.every((name) => resolveName(ctx, path, field, name, mapped.by) !== undefined);
    return undefined;
  }
  const outcome = pipeline.processItem(field, items);
  if (outcome.kind === 'failed') {
    ctx.onItemFailure?.(outcome);
    return undefined;
  }
  // One error per entry, for the first name that maps nowhere.
  const paths: string[] = [];
  for (const b of outcome.branches) {
    const resolved = resolveName(ctx, path, field, b.name ?? field, outcome.by);
    if (resolved === undefined) return undefined;
    paths.push(resolved);
  }
  if (outcome.branches.length === 0) return null;
  const conditions = outcome.branches.map((b, i) =>
    fieldCondition(ctx, path, key, value, paths[i] as string, b.values, b.plain ? PLAIN : mods),
  );
  if (!conditions.every((c) => c !== undefined)) return undefined;
  const [only] = conditions;
  if (conditions.length === 1 && only) return only;
  // One field a pipeline maps to several: the condition holds when it holds on any of them.
  return { kind: 'or', items: conditions.map((c) => ({ kind: 'and' as const, items: [c] })) };
}

/** A (renamed) field's canonical path, or undefined after reporting that it maps nowhere. */
function resolveName(
  ctx: RuleContext,
  path: YamlPath,
  field: string,
  name: string,
  by: readonly string[],
): string | undefined {
  const resolved = resolveFieldPath(name);
  if (resolved !== undefined) return resolved;
  ctx.sink.error(
    path,
    'CORDON_ERR_RULE_FIELD',
    unknownFieldMessage(`${ctx.subject} field "${field}"`, field, { ok: false, name, by }),
    true,
  );
  return undefined;
}

/**
 * The entry's values as pySigma's transformations see them (after the rule's modifiers), or
 * undefined after reporting one that is wrong for its modifiers.
 */
function itemValues(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
  values: { items: Scalar[]; isList: boolean },
  mods: ModifierSet,
  modifierNames: readonly string[],
): ItemValue[] | undefined {
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
    return [{ kind: 'other', value: { exists: only } satisfies Other }];
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
    return [{ kind: 'null' }];
  }
  const out: ItemValue[] = [];
  let ok = true;
  values.items.forEach((item, i) => {
    const itemPath = values.isList ? [...path, i] : path;
    const v = item === null ? undefined : itemValue(ctx, itemPath, key, item, mods);
    if (v) out.push(v);
    else ok = false;
  });
  return ok ? out : undefined;
}

/** The modifiers of an item a split made (hashes_fields): plain values, any of them. */
const PLAIN: Pick<ModifierSet, 'all' | 'neq' | 'cased'> = { all: false, neq: false, cased: false };

/** What an `other` item value holds: a value's IR, or an `exists` test. */
type Other = { readonly ir: ValueIR } | { readonly exists: boolean };

function itemValue(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: string | number | boolean,
  mods: ModifierSet,
): ItemValue | undefined {
  if (mods.type === 'plain' && mods.steps.length === 0) {
    if (typeof value === 'number' && mods.position === 'exact') return { kind: 'number', value };
    if (typeof value === 'boolean' && mods.position === 'exact') return { kind: 'boolean', value };
    const base = typeof value === 'string' ? parseWildcards(value) : literalTokens(String(value));
    const tokens = normaliseTokens(positionTokens(base, mods.position));
    return mods.cased ? { kind: 'string', tokens, cased: true } : { kind: 'string', tokens };
  }
  const ir = valueIR(ctx, path, key, value, mods);
  if (!ir) return undefined;
  // A single string is a Sigma string to the transformations; an expansion is not. A |cased
  // one says so (pySigma's SigmaCasedString), unless an encoding (base64, wide …) made a new,
  // plain one of it; matching reads the rule's modifier either way.
  if (ir.kind === 'text')
    return mods.cased && mods.steps.length === 0
      ? { kind: 'string', tokens: ir.tokens, cased: true }
      : { kind: 'string', tokens: ir.tokens };
  return { kind: 'other', value: { ir } satisfies Other };
}

/** The condition on one field, from its values as the pipelines left them. */
function fieldCondition(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  value: unknown,
  canonical: string,
  values: readonly ItemValue[],
  mods: Pick<ModifierSet, 'all' | 'neq' | 'cased'>,
): FieldConditionIR | undefined {
  const [only] = values;
  const exists = (v: ItemValue | undefined): v is { kind: 'other'; value: { exists: boolean } } =>
    v?.kind === 'other' && 'exists' in (v.value as Other);
  if (values.length === 1 && exists(only))
    return { kind: 'exists', path: canonical, expected: only.value.exists };
  // Null, or a value set_value made null on each of several (any of them: still null).
  if (only?.kind === 'null' && values.every((v) => v.kind === 'null'))
    return { kind: 'null', path: canonical };
  const odd = values.find((v) => v.kind === 'null' || exists(v));
  const oddName = odd?.kind === 'null' ? 'null' : 'an exists test';
  if (odd || values.length === 0) {
    return reject(
      ctx,
      path,
      `${ctx.subject} field "${key}", as a processing pipeline rewrote it, ${values.length === 0 ? 'has no value' : `lists ${oddName} among other values`}`,
      value,
      'Change the transformation that made it (set_value, map_string), or split the item in two.',
    );
  }
  const cased = mods.cased;
  const irs = values.map((v): ValueIR => {
    switch (v.kind) {
      case 'string': {
        const c = v.cased ?? cased;
        return { kind: 'text', tokens: c ? v.tokens : foldTokens(v.tokens), cased: c };
      }
      case 'expression':
        return { kind: 'text', tokens: v.cased ? v.tokens : foldTokens(v.tokens), cased: v.cased };
      case 'number':
        return { kind: 'number', value: v.value };
      case 'boolean':
        return { kind: 'boolean', value: v.value };
      case 'null':
        // Reported above (odd); kept for exhaustiveness.
        throw new Error('unreachable: null among values');
      case 'other': {
        const { ir } = v.value as { ir: ValueIR };
        return ir.kind === 'variants' && !cased
          ? { ...ir, variants: ir.variants.map((t) => foldTokens(t)) }
          : ir;
      }
    }
  });
  return {
    kind: 'values',
    path: canonical,
    combine: mods.all ? 'all' : 'any',
    negate: mods.neq,
    values: irs,
  };
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

/** A keyword entry's values (`|all` or `|cased` only), or undefined after reporting. */
function keywordValues(
  ctx: RuleContext,
  path: YamlPath,
  key: string,
  values: { items: Scalar[] },
  mods: ModifierSet,
): (string | number)[] | undefined {
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
  return items;
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
      // Without rewriting steps, itemValue makes the value itself.
      return rewrittenIR(ctx, path, where, value, mods);
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
  // Not folded yet: a pipeline's string transformations see the value as written.
  const variants = result.variants.map((tokens) => [...tokens]);
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
