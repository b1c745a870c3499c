import type { ConditionNode, DetectionIR, FieldConditionIR, KeywordsIR, SearchIR } from './ir.js';
import type { WildcardToken } from './wildcard.js';

/**
 * What a detection needs of an event's top-level outcome, severity and name before it can
 * match: for each of these fields it selects by plain values, the values one of which the
 * event must hold. A replay reads these three off a line's text without parsing it, so a line
 * whose values no detection of its kind needs can skip the parse (routing/skip-line.ts).
 *
 * Only necessary conditions are kept, never sufficient ones: a field named here with values V
 * means "no event whose field is outside V matches". Anything this does not follow (a `not`, a
 * wildcard, a regex, a number, a keyword search, `exists`, a field reference) constrains
 * nothing, so it can only make a line be parsed, never skipped wrongly.
 */
export const TEXT_FIELDS = ['outcome', 'severity', 'name'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/**
 * Values a field may hold for the detection to match: compared as written (`exact`, from
 * `|cased` values) or lower-cased (`folded`, already lower-cased as Sigma's default matching
 * compares them).
 */
export interface AllowedValues {
  readonly exact: ReadonlySet<string>;
  readonly folded: ReadonlySet<string>;
}

/** Per field, what a detection needs of it; a field not in the map is not constrained. */
export type FieldNeeds = ReadonlyMap<TextField, AllowedValues>;

const NONE: FieldNeeds = new Map();
const FIELDS: ReadonlySet<string> = new Set(TEXT_FIELDS);

export function requiredValues(ir: DetectionIR): FieldNeeds {
  return anyOf(ir.conditions.map((c) => conditionNeeds(c, ir.searches)));
}

/** Whether an event whose fields read as `read` gives says could satisfy `needs`. */
export function allows(needs: FieldNeeds, read: (field: TextField) => string): boolean {
  for (const [field, allowed] of needs) {
    const value = read(field);
    if (!allowed.exact.has(value) && !allowed.folded.has(value.toLowerCase())) return false;
  }
  return true;
}

function conditionNeeds(node: ConditionNode, searches: ReadonlyMap<string, SearchIR>): FieldNeeds {
  switch (node.kind) {
    case 'ref': {
      const search = searches.get(node.name);
      return search ? searchNeeds(search) : NONE;
    }
    case 'not':
      return NONE;
    case 'and':
      return allOf(node.operands.map((o) => conditionNeeds(o, searches)));
    case 'or':
      return anyOf(node.operands.map((o) => conditionNeeds(o, searches)));
    case 'of': {
      const needs = node.names.map((name) => {
        const search = searches.get(name);
        return search ? searchNeeds(search) : NONE;
      });
      return node.quantifier === 'all' ? allOf(needs) : anyOf(needs);
    }
  }
}

function searchNeeds(search: SearchIR): FieldNeeds {
  switch (search.kind) {
    case 'and':
      return allOf(search.items.map(itemNeeds));
    case 'or':
      return anyOf(search.items.map(searchNeeds));
    case 'keywords':
      return NONE;
  }
}

function itemNeeds(item: FieldConditionIR | KeywordsIR): FieldNeeds {
  if (item.kind !== 'values' || item.negate || !FIELDS.has(item.path)) return NONE;
  // Under `all` every value must match the one the event holds: follow only a single value.
  if (item.combine === 'all' && item.values.length !== 1) return NONE;
  const exact = new Set<string>();
  const folded = new Set<string>();
  for (const v of item.values) {
    if (v.kind !== 'text' && v.kind !== 'variants') return NONE;
    for (const tokens of v.kind === 'text' ? [v.tokens] : v.variants) {
      const text = literal(tokens);
      if (text === undefined) return NONE;
      (v.cased ? exact : folded).add(text);
    }
  }
  return new Map([[item.path as TextField, { exact, folded }]]);
}

/** The text of tokens without wildcards, or undefined. */
function literal(tokens: readonly WildcardToken[]): string | undefined {
  let text = '';
  for (const t of tokens) {
    if (t.kind !== 'text') return undefined;
    text += t.text;
  }
  return text;
}

/** Every one must hold: each field's need from any of them (the one allowing fewest values). */
function allOf(needs: readonly FieldNeeds[]): FieldNeeds {
  const out = new Map<TextField, AllowedValues>();
  for (const need of needs)
    for (const [field, allowed] of need) {
      const had = out.get(field);
      if (!had || size(allowed) < size(had)) out.set(field, allowed);
    }
  return out;
}

/** One of them must hold: only fields all of them constrain, with the values of any. */
function anyOf(needs: readonly FieldNeeds[]): FieldNeeds {
  const [first, ...rest] = needs;
  if (!first) return NONE;
  const out = new Map<TextField, AllowedValues>();
  for (const [field, allowed] of first) {
    const exact = new Set(allowed.exact);
    const folded = new Set(allowed.folded);
    let everywhere = true;
    for (const other of rest) {
      const more = other.get(field);
      if (!more) {
        everywhere = false;
        break;
      }
      for (const v of more.exact) exact.add(v);
      for (const v of more.folded) folded.add(v);
    }
    if (everywhere) out.set(field, { exact, folded });
  }
  return out;
}

function size(allowed: AllowedValues): number {
  return allowed.exact.size + allowed.folded.size;
}
