import type { CanonicalEvent } from '../../../ingest/canonical-event.js';
import { inNetwork, parseIp, parseNetwork } from './cidr.js';
import type { FieldGetter } from './event-access.js';
import { compileGetter, scalarText, stringLeaves } from './event-access.js';
import type {
  CompareOp,
  ConditionNode,
  DetectionIR,
  FieldConditionIR,
  KeywordsIR,
  SearchIR,
  ValueIR,
} from './ir.js';
import { parseNumber } from './number.js';
import { compileWildcard } from './wildcard.js';

/**
 * Turns a validated DetectionIR into one closure tree, built once per rule set. Evaluating it
 * parses nothing and allocates little; every branch tolerates any event shape, and the outer
 * guard turns an unexpected exception into "no match" so one odd event cannot stop ingestion.
 */
export type EventPredicate = (event: CanonicalEvent) => boolean;

export type Test = (event: unknown) => boolean;

/**
 * One value test. `text` is the event value's string form (undefined for non-scalars) and
 * `folded` its lower-cased form, computed once per field rather than once per listed value.
 */
type ValueTest = (
  value: unknown,
  text: string | undefined,
  folded: string,
  event: unknown,
) => boolean;

export function compileDetection(ir: DetectionIR): EventPredicate {
  if (ir.eventKind === null) return () => false;
  const searches = new Map<string, Test>();
  for (const [name, search] of ir.searches) searches.set(name, compileSearch(search));
  const condition = anyOf(ir.conditions.map((c) => compileCondition(c, searches)));
  const kind = ir.eventKind;
  const test: Test =
    kind === undefined ? condition : (e) => (e as { kind?: unknown }).kind === kind && condition(e);
  return (event) => {
    try {
      return test(event);
    } catch {
      return false;
    }
  };
}

function anyOf(tests: readonly Test[]): Test {
  const [only] = tests;
  if (tests.length === 1 && only) return only;
  return (e) => {
    for (const t of tests) if (t(e)) return true;
    return false;
  };
}

function allOf(tests: readonly Test[]): Test {
  const [only] = tests;
  if (tests.length === 1 && only) return only;
  return (e) => {
    for (const t of tests) if (!t(e)) return false;
    return true;
  };
}

function compileCondition(node: ConditionNode, searches: ReadonlyMap<string, Test>): Test {
  const lookup = (name: string): Test => searches.get(name) ?? (() => false);
  switch (node.kind) {
    case 'ref':
      return lookup(node.name);
    case 'not': {
      const inner = compileCondition(node.operand, searches);
      return (e) => !inner(e);
    }
    case 'and':
      return allOf(node.operands.map((o) => compileCondition(o, searches)));
    case 'or':
      return anyOf(node.operands.map((o) => compileCondition(o, searches)));
    case 'of': {
      const tests = node.names.map(lookup);
      return node.quantifier === 'all' ? allOf(tests) : anyOf(tests);
    }
  }
}

function compileSearch(search: SearchIR): Test {
  switch (search.kind) {
    case 'and':
      return allOf(
        search.items.map((item) =>
          item.kind === 'keywords'
            ? compileKeywords(item)
            : item.kind === 'and' || item.kind === 'or'
              ? compileSearch(item)
              : compileField(item),
        ),
      );
    case 'or':
      return anyOf(search.items.map(compileSearch));
    case 'keywords':
      return compileKeywords(search);
  }
}

function compileKeywords(ir: KeywordsIR): Test {
  const keywords = ir.values.map((v) => ({ match: compileWildcard(v.tokens), cased: v.cased }));
  const needsFold = keywords.some((k) => !k.cased);
  const all = ir.combine === 'all';
  return (e) => {
    const leaves = stringLeaves(e);
    const folded = needsFold ? leaves.map((s) => s.toLowerCase()) : leaves;
    for (const k of keywords) {
      const found = (k.cased ? leaves : folded).some(k.match);
      if (found !== all) return found;
    }
    return all;
  };
}

/** One field condition as a test of an event (also read by compile-screen.ts). */
export function compileField(ir: FieldConditionIR): Test {
  const get = compileGetter(ir.path);
  switch (ir.kind) {
    case 'null':
      return (e) => get(e) == null;
    case 'exists':
      return ir.expected ? (e) => get(e) !== undefined : (e) => get(e) === undefined;
    case 'values':
      break;
  }
  const tests = ir.values.map(compileValue);
  const needsFold = ir.values.some(
    (v) => (v.kind === 'text' || v.kind === 'variants' || v.kind === 'fieldref') && !v.cased,
  );
  const negate = ir.negate;
  const all = ir.combine === 'all';
  const scalar = (v: unknown, e: unknown): boolean => {
    // A missing field matches no value — not even under `neq` (as in SQL, unknown ≠ different).
    if (v === undefined || v === null) return false;
    const text = scalarText(v);
    const folded = needsFold && text !== undefined ? text.toLowerCase() : '';
    for (const t of tests) {
      const hit = t(v, text, folded, e) !== negate;
      if (hit !== all) return hit;
    }
    return all;
  };
  return (e) => {
    const v = get(e);
    return Array.isArray(v) ? v.some((item) => scalar(item, e)) : scalar(v, e);
  };
}

function compileValue(ir: ValueIR): ValueTest {
  switch (ir.kind) {
    case 'text': {
      const match = compileWildcard(ir.tokens);
      return ir.cased
        ? (_v, text) => text !== undefined && match(text)
        : (_v, text, folded) => text !== undefined && match(folded);
    }
    case 'variants': {
      const matchers = ir.variants.map(compileWildcard);
      const any = (s: string): boolean => matchers.some((match) => match(s));
      return ir.cased
        ? (_v, text) => text !== undefined && any(text)
        : (_v, text, folded) => text !== undefined && any(folded);
    }
    case 'number': {
      const n = ir.value;
      return (v) =>
        typeof v === 'number' ? v === n : typeof v === 'string' && parseNumber(v) === n;
    }
    case 'boolean': {
      const b = ir.value;
      const word = String(b);
      return (v) =>
        typeof v === 'boolean' ? v === b : typeof v === 'string' && v.trim().toLowerCase() === word;
    }
    case 'compare': {
      const cmp = comparator(ir.op, ir.value);
      return (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : undefined;
        return n !== undefined && cmp(n);
      };
    }
    case 'regex': {
      const regex = new RegExp(ir.source, [...new Set(ir.flags)].sort().join(''));
      return (_v, text) => text !== undefined && regex.test(text);
    }
    case 'cidr': {
      const network = parseNetwork(ir.network);
      if (!network) return () => false;
      return (v) => {
        const words = typeof v === 'string' ? parseIp(v) : undefined;
        return words !== undefined && inNetwork(words, network);
      };
    }
    case 'fieldref':
      return compileFieldRef(compileGetter(ir.path), ir);
  }
}

function compileFieldRef(
  getOther: FieldGetter,
  ir: Extract<ValueIR, { kind: 'fieldref' }>,
): ValueTest {
  const { position, cased } = ir;
  return (v, text, folded, e) => {
    const other = getOther(e);
    if (typeof v === 'number' && typeof other === 'number' && position === 'exact')
      return v === other;
    const otherText = scalarText(other);
    if (text === undefined || otherText === undefined) return false;
    const a = cased ? text : folded;
    const b = cased ? otherText : otherText.toLowerCase();
    switch (position) {
      case 'exact':
        return a === b;
      case 'contains':
        return a.includes(b);
      case 'startswith':
        return a.startsWith(b);
      case 'endswith':
        return a.endsWith(b);
    }
  };
}

function comparator(op: CompareOp, bound: number): (n: number) => boolean {
  switch (op) {
    case 'gt':
      return (n) => n > bound;
    case 'gte':
      return (n) => n >= bound;
    case 'lt':
      return (n) => n < bound;
    case 'lte':
      return (n) => n <= bound;
  }
}
