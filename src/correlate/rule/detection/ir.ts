import type { EventKind } from '../../../ingest/canonical-event.js';
import type { RegexFlag } from './regex.js';
import type { Position, WildcardToken } from './wildcard.js';

/**
 * A validated Sigma detection as plain data: what validation proves correct and what
 * compile-detection.ts turns into closures. Keeping it as data (no functions) makes the
 * validator testable on its own and the compiled form reproducible.
 */

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';

/** One value of a field condition, after its modifiers have been applied. */
export type ValueIR =
  /** Sigma string (wildcards already parsed, position modifiers applied). */
  | { readonly kind: 'text'; readonly tokens: readonly WildcardToken[]; readonly cased: boolean }
  /**
   * A string that windash or base64offset expanded into several: matches when any variant does,
   * also under `all` (pySigma's SigmaExpansion is OR-linked whatever links the values).
   */
  | {
      readonly kind: 'variants';
      readonly variants: readonly (readonly WildcardToken[])[];
      readonly cased: boolean;
    }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly value: number }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: readonly RegexFlag[] }
  | { readonly kind: 'cidr'; readonly network: string }
  | {
      readonly kind: 'fieldref';
      /** Canonical path of the field compared against. */
      readonly path: string;
      readonly position: Position;
      readonly cased: boolean;
    };

export type FieldConditionIR =
  /** `field: null`: the field is missing or null. */
  | { readonly kind: 'null'; readonly path: string }
  /** `field|exists: true|false`. */
  | { readonly kind: 'exists'; readonly path: string; readonly expected: boolean }
  | {
      readonly kind: 'values';
      readonly path: string;
      /** OR across values by default; AND with the `all` modifier. */
      readonly combine: 'any' | 'all';
      /** `neq`: each value test is negated; a missing field still never matches. */
      readonly negate: boolean;
      readonly values: readonly ValueIR[];
    };

/** Keyword search: values looked for ("contains") in every string of the event but `raw`. */
export interface KeywordsIR {
  readonly kind: 'keywords';
  readonly combine: 'any' | 'all';
  readonly values: readonly {
    readonly tokens: readonly WildcardToken[];
    readonly cased: boolean;
  }[];
}

export type SearchIR =
  /**
   * A mapping: AND of its entries. An entry is an OR of mappings when a processing pipeline
   * maps its field to several.
   */
  | { readonly kind: 'and'; readonly items: readonly (FieldConditionIR | KeywordsIR | SearchIR)[] }
  /** A list of mappings: OR. */
  | { readonly kind: 'or'; readonly items: readonly SearchIR[] }
  | KeywordsIR;

/** The condition after parsing; `x of` patterns are already expanded to identifiers. */
export type ConditionNode =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'not'; readonly operand: ConditionNode }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly ConditionNode[] }
  | { readonly kind: 'of'; readonly quantifier: 'one' | 'all'; readonly names: readonly string[] };

export interface DetectionIR {
  /**
   * `logsource.category` when it is a Cordon event kind; `null` when the category names no
   * Cordon kind (the rule can never match); undefined when there is no category.
   */
  readonly eventKind: EventKind | null | undefined;
  readonly searches: ReadonlyMap<string, SearchIR>;
  /** OR of these (Sigma allows a list of conditions). */
  readonly conditions: readonly ConditionNode[];
}
