import type { CanonicalEvent } from '../../../ingest/canonical-event.js';
import { compileField, type EventPredicate } from './compile-detection.js';
import type { ConditionNode, DetectionIR, FieldConditionIR, SearchIR } from './ir.js';

/**
 * A detection decided on some of an event's fields only (a recorded line's top-level fields,
 * read off its text): whether it MAY match, false only when the known fields rule it out
 * whatever the others hold. Conditions on other fields (and keyword searches, which read every
 * string) are unknown, and the condition combines known and unknown as three-valued logic
 * does (false and unknown is false; true or unknown is true; not unknown is unknown).
 */

const NO = 0;
const YES = 1;
const MAYBE = 2;
type Tri = typeof NO | typeof YES | typeof MAYBE;
type TriTest = (event: unknown) => Tri;

/** What a condition can come to on the known fields alone. */
interface Reach {
  /** Known fields can make it false. */
  readonly no: boolean;
  /** Known fields can make it true. */
  readonly yes: boolean;
}

interface Screen {
  readonly test: TriTest;
  readonly reach: Reach;
}

const UNKNOWN: Screen = { test: () => MAYBE, reach: { no: false, yes: false } };

/**
 * The screen of `ir` over the fields at `known` paths; undefined when those fields can never
 * rule the detection out (the caller then reads every event of its kind in full).
 */
export function compileScreen(
  ir: DetectionIR,
  known: ReadonlySet<string>,
): EventPredicate | undefined {
  if (ir.eventKind === null) return () => false;
  const searches = new Map<string, Screen>();
  for (const [name, search] of ir.searches) searches.set(name, screenSearch(search, known));
  const condition = any(ir.conditions.map((c) => screenCondition(c, searches)));
  if (!condition.reach.no) return undefined;
  const kind = ir.eventKind;
  const test = condition.test;
  return (event: CanonicalEvent) => {
    if (kind !== undefined && event.kind !== kind) return false;
    try {
      return test(event) !== NO;
    } catch {
      return true;
    }
  };
}

function screenField(ir: FieldConditionIR, known: ReadonlySet<string>): Screen {
  // A field reference compares with another field, which must be known too.
  const paths = [
    ir.path,
    ...(ir.kind === 'values'
      ? ir.values.flatMap((v) => (v.kind === 'fieldref' ? [v.path] : []))
      : []),
  ];
  if (!paths.every((p) => known.has(p))) return UNKNOWN;
  const test = compileField(ir);
  return { test: (e) => (test(e) ? YES : NO), reach: { no: true, yes: true } };
}

function screenSearch(search: SearchIR, known: ReadonlySet<string>): Screen {
  switch (search.kind) {
    case 'and':
      return all(
        search.items.map((item) =>
          item.kind === 'keywords'
            ? UNKNOWN
            : item.kind === 'and' || item.kind === 'or'
              ? screenSearch(item, known)
              : screenField(item, known),
        ),
      );
    case 'or':
      return any(search.items.map((item) => screenSearch(item, known)));
    case 'keywords':
      return UNKNOWN;
  }
}

function screenCondition(node: ConditionNode, searches: ReadonlyMap<string, Screen>): Screen {
  const lookup = (name: string): Screen => searches.get(name) ?? NEVER;
  switch (node.kind) {
    case 'ref':
      return lookup(node.name);
    case 'not': {
      const inner = screenCondition(node.operand, searches);
      const test = inner.test;
      return {
        test: (e) => {
          const r = test(e);
          return r === MAYBE ? MAYBE : r === YES ? NO : YES;
        },
        reach: { no: inner.reach.yes, yes: inner.reach.no },
      };
    }
    case 'and':
      return all(node.operands.map((o) => screenCondition(o, searches)));
    case 'or':
      return any(node.operands.map((o) => screenCondition(o, searches)));
    case 'of': {
      const parts = node.names.map(lookup);
      return node.quantifier === 'all' ? all(parts) : any(parts);
    }
  }
}

/** A search no condition defines (as compileDetection's lookup): never true. */
const NEVER: Screen = { test: () => NO, reach: { no: true, yes: false } };

function all(parts: readonly Screen[]): Screen {
  const [only] = parts;
  if (parts.length === 1 && only) return only;
  const tests = parts.map((p) => p.test);
  return {
    test: (e) => {
      let result: Tri = YES;
      for (const t of tests) {
        const r = t(e);
        if (r === NO) return NO;
        if (r === MAYBE) result = MAYBE;
      }
      return result;
    },
    reach: { no: parts.some((p) => p.reach.no), yes: parts.every((p) => p.reach.yes) },
  };
}

function any(parts: readonly Screen[]): Screen {
  const [only] = parts;
  if (parts.length === 1 && only) return only;
  const tests = parts.map((p) => p.test);
  return {
    test: (e) => {
      let result: Tri = NO;
      for (const t of tests) {
        const r = t(e);
        if (r === YES) return YES;
        if (r === MAYBE) result = MAYBE;
      }
      return result;
    },
    reach: { no: parts.every((p) => p.reach.no), yes: parts.some((p) => p.reach.yes) },
  };
}
