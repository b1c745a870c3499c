import type { DiagnosticSink, YamlPath } from '../../../shared/yaml.js';
import type { WildcardToken } from '../detection/wildcard.js';
import type { CondExpr } from './condition-expression.js';

/**
 * Processing pipelines, as pySigma writes them in YAML (`name`, `priority`, `vars`,
 * `transformations`), read from `*.pipeline.yaml` files beside the rules: they rename a
 * rule's fields to canonical event paths, change its logsource, give `expand` placeholders
 * their values or refuse a rule, before the rule is validated. What Cordon implements of the
 * format is listed in transformations/index.ts and conditions.ts; anything else is refused as
 * not implemented, with its location.
 */

/** A rule's `logsource`, as the strings it holds (what a condition compares). */
export interface Logsource {
  readonly category?: string | undefined;
  readonly product?: string | undefined;
  readonly service?: string | undefined;
}

/**
 * One value of a detection item as pySigma's transformations see it: after the rule's own
 * modifiers (a `contains` value already has its stars).
 */
export type ItemValue =
  /**
   * A Sigma string: literal text and wildcards. `cased`: read with the rule's `cased` modifier
   * (pySigma's SigmaCasedString), kept by the transformations that keep that type.
   */
  | {
      readonly kind: 'string';
      readonly tokens: readonly WildcardToken[];
      readonly cased?: true | undefined;
    }
  /**
   * A string a `regex` transformation made a regular expression of itself (pySigma's
   * SigmaRegularExpression): it matches as the same whole-value pattern, case-sensitively when
   * `cased`, and the string transformations and conditions after it leave it alone.
   */
  | {
      readonly kind: 'expression';
      readonly tokens: readonly WildcardToken[];
      readonly cased: boolean;
    }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  /**
   * A regular expression, network, comparison, field reference, `exists` or an expansion
   * (windash, base64offset): string transformations pass it by; `value` is the parser's own.
   */
  | { readonly kind: 'other'; readonly value: unknown };

/** A detection item (one `field|modifiers: values` entry, or a keyword list) being processed. */
export interface DetectionItemView {
  /** Its field name as the items before have renamed it; undefined for keywords. */
  readonly field: string | undefined;
  readonly values: readonly ItemValue[];
  /** The ids of the items applied to it so far (processing_item_applied). */
  readonly applied: ReadonlySet<string>;
}

/** What a detection-item transformation does to an item it selects. */
export type ItemChange =
  | { readonly kind: 'drop' }
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'values'; readonly values: readonly ItemValue[] }
  /**
   * The item becomes several on other fields, any of which may match, each a plain match of
   * its values (any of them; the rule's modifiers no longer apply), as hashes_fields makes.
   */
  | {
      readonly kind: 'split';
      readonly items: readonly { readonly field: string; readonly values: readonly ItemValue[] }[];
    };

/** What one transformation does to a rule; the hook it fills says when it runs. */
export type Transformation =
  /**
   * Acts on each detection item its field_name_conditions and detection_item_conditions select
   * (drop_detection_item, detection_item_failure, the value transformations): undefined
   * leaves the item as it is.
   */
  | { readonly kind: 'item'; readonly apply: (item: DetectionItemView) => ItemChange | undefined }
  /** Renames a field: its new names (several: any of them, as pySigma's one-to-many mapping). */
  | { readonly kind: 'field'; readonly rename: (name: string) => readonly string[] | undefined }
  | { readonly kind: 'logsource'; readonly change: (from: Logsource) => Logsource }
  /**
   * The values of a placeholder (`%name%` in an `expand` value): undefined when the item does
   * not handle that name, `missing` when it does but the pipelines' vars do not define it.
   */
  | {
      readonly kind: 'placeholder';
      readonly replace: (
        name: string,
        vars: ReadonlyMap<string, readonly string[]>,
      ) => readonly string[] | 'missing' | undefined;
    }
  | { readonly kind: 'failure'; readonly message: string }
  /**
   * Skips a rule with a detection item whose field no rename before it renamed
   * (`strict_field_mapping_failure`).
   */
  | { readonly kind: 'strict' }
  /**
   * Items applied in its place to the rules it selects (`nest`), as a pipeline of their own:
   * with a fresh state, whose keys then join the enclosing one.
   */
  | { readonly kind: 'nest'; readonly items: readonly PipelineItem[] }
  /**
   * Sets a custom attribute of the rule (`set_custom_attribute`), which later rule_attribute
   * conditions read unless Sigma defines an attribute of that name.
   */
  | { readonly kind: 'custom'; readonly attribute: string; readonly value: unknown }
  /**
   * Changes the rule's `fields` list (add_field, remove_field, set_field), which later
   * rule_attribute conditions on `fields` read.
   */
  | { readonly kind: 'fields'; readonly change: (fields: readonly string[]) => readonly string[] }
  /** Sets a key of the pipeline's state (`set_state`), which later processing_state conditions read. */
  | { readonly kind: 'state'; readonly key: string; readonly value: StateValue }
  /**
   * A search ANDed to the rule's condition (`add_condition`), negated or not; with `template`,
   * `$category`, `$product` and `$service` in its values take the rule's logsource.
   */
  | {
      readonly kind: 'condition';
      /** The search identifier it is added under (pySigma's `name`). */
      readonly name: string | undefined;
      readonly search: Readonly<Record<string, unknown>>;
      readonly negated: boolean;
      readonly template: boolean;
    };

/** Where a transformation's settings are read from, and where problems with them go. */
export interface ItemContext {
  readonly sink: DiagnosticSink;
  /** The item's path in its document (`['transformations', 2]`). */
  readonly path: YamlPath;
  /** How messages name it: `Pipeline "sysmon" transformation "image" (field_name_mapping)`. */
  readonly subject: string;
  /**
   * Parses a list of items nested in this one (`nest`'s `items`, at `path`), each reported
   * where it stands; undefined when the list is no list (reported).
   */
  nested(path: YamlPath, list: unknown): readonly PipelineItem[] | undefined;
}

/**
 * One transformation type (`field_name_mapping`, `change_logsource`, …): the keys it takes
 * besides the common ones, and its parser, which reports every problem and returns undefined
 * when the item cannot be used.
 */
export interface TransformationKind {
  readonly type: string;
  readonly keys: readonly string[];
  /** JSON Schema of each of its own keys (for the published pipeline schema). */
  readonly schema: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Keys it cannot do without. */
  readonly required?: readonly string[];
  /** Whether field_name_conditions make sense for it (renames only). */
  readonly renamesFields: boolean;
  /**
   * Whether it acts on detection items: it then takes field_name_conditions and
   * detection_item_conditions, which select the items.
   */
  readonly detectionItems?: boolean;
  parse(ctx: ItemContext, item: Readonly<Record<string, unknown>>): Transformation | undefined;
}

/** A value of the pipeline's state: what set_state gives a key, and processing_state compares. */
export type StateValue = string | number | boolean;

/**
 * The pipeline's state at one point of a rule's processing: the keys the set_state items
 * selected before that point gave (pySigma's `pipeline.state`, started afresh for each rule).
 */
export type PipelineState = ReadonlyMap<string, StateValue>;

/** `{ type: processing_state, key, val, op }`: a key of the state compared with a value. */
export interface StateTest {
  readonly key: string;
  readonly op: 'eq' | 'ne' | 'gte' | 'gt' | 'lte' | 'lt';
  readonly value: StateValue;
}

/** One of an item's `rule_conditions`. */
export type RuleCondition =
  /** `{ type: logsource, product: windows }`: the rule's logsource has these parts. */
  | { readonly kind: 'logsource'; readonly logsource: Logsource }
  /** `{ type: tag, tag: attack.t1059 }`: the rule carries this tag. */
  | { readonly kind: 'tag'; readonly tag: string }
  /** `{ type: is_sigma_rule }` / `{ type: is_sigma_correlation_rule }`. */
  | { readonly kind: 'rule' | 'correlation' }
  /** `{ type: rule_attribute, attribute: level, op: gte, value: high }`. */
  | {
      readonly kind: 'attribute';
      readonly attribute: string;
      readonly op: AttributeOp;
      readonly value: string | number;
    }
  /** `{ type: processing_item_applied, processing_item_id }`: an earlier item selected the rule. */
  | { readonly kind: 'applied'; readonly id: string; readonly path: YamlPath }
  /** `{ type: processing_state, key, val, op }`: the state as the items before left it. */
  | { readonly kind: 'state'; readonly test: StateTest }
  /**
   * `{ type: contains_field, field }`, and with `value` `contains_detection_item`: the rule
   * has a detection item on this field (as the items before left its name), with a value
   * equal to this one (`test`) when given.
   */
  | {
      readonly kind: 'contains';
      readonly field: string;
      readonly test?: ((value: ItemValue) => boolean) | undefined;
    };

export type AttributeOp = 'eq' | 'ne' | 'gte' | 'gt' | 'lte' | 'lt' | 'in' | 'not_in';

/** How an item's conditions of one sort combine: `*_cond_op`, or a `*_cond_expr`; `*_cond_not`. */
export interface Linking {
  readonly op: 'and' | 'or';
  readonly not: boolean;
  /** A `*_cond_expr` over the conditions (then given as a mapping of names), instead of op. */
  readonly expr?: CondExpr | undefined;
}

/** A detection item as a rule (or an added condition) writes it, before any pipeline. */
export interface WrittenItem {
  /** Undefined for keywords. */
  readonly field: string | undefined;
  /** After the rule's own modifiers; none when they could not be read. */
  readonly values: readonly ItemValue[];
}

/** A detection item as the pipeline items so far have left it (a renamed field, new values). */
export type CurrentItem = WrittenItem;

/** What rule conditions are decided on. */
export interface RuleFacts {
  readonly correlation: boolean;
  /** Undefined for a correlation rule (it has none, unless change_logsource gives it one). */
  readonly logsource: Logsource | undefined;
  readonly tags: readonly string[];
  /** The rule document's top-level keys (rule_attribute reads them). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /**
   * The detection items of search identifiers (the rule's own detection block without its
   * condition, or an added condition's search), for contains_field and contains_detection_item;
   * read only when such a condition is reached. Absent: none.
   */
  readonly itemsOf?: (searches: Readonly<Record<string, unknown>>) => readonly WrittenItem[];
}

/** How far a rule's processing has come where an item is reached (rule conditions read it too). */
export interface Progress {
  /** The ids of the items that selected the rule so far (processing_item_applied). */
  readonly applied: ReadonlySet<string>;
  readonly state: PipelineState;
  /** Custom attributes set_custom_attribute items gave the rule so far. */
  readonly custom: ReadonlyMap<string, unknown>;
  /**
   * The rule's `fields` list as the items so far left it (add_field, remove_field, set_field,
   * and the renames, which rename its entries as pySigma's do).
   */
  readonly fields: readonly string[];
  /**
   * The rule's detection items (with those add_condition items added) as the items so far have
   * left them; worked out when first asked for.
   */
  readonly items: () => readonly CurrentItem[];
}

/** One `field_name_conditions` entry. */
export type FieldCondition =
  /**
   * include_fields / exclude_fields: the name is (not) one of these, or with `mode: re` matches
   * (not) one of these Python regular expressions at its start.
   */
  | {
      readonly kind: 'fields';
      readonly include: boolean;
      readonly matches: (name: string) => boolean;
    }
  /** processing_item_applied: the item with this id renamed the field earlier. */
  | { readonly kind: 'applied'; readonly id: string; readonly path: YamlPath }
  /** processing_state: the state as it was when the item came (whatever the field). */
  | { readonly kind: 'state'; readonly test: StateTest };

/** One `detection_item_conditions` entry: on the item's values, or what was applied to it. */
export type ItemCondition =
  | {
      readonly kind: 'values';
      /** Whether one value (`any`) or every value (`all`) must pass. */
      readonly cond: 'any' | 'all';
      readonly test: (value: ItemValue) => boolean;
    }
  | { readonly kind: 'applied'; readonly id: string; readonly path: YamlPath }
  /** processing_state: the state as it was when the item came (whatever the item). */
  | { readonly kind: 'state'; readonly test: StateTest };

/** Which detection items a transformation applies to (`detection_item_conditions`). */
export interface ItemFilter extends Linking {
  readonly conditions: readonly ItemCondition[];
}

/** Which fields a rename applies to (`field_name_conditions`). */
export interface FieldFilter extends Linking {
  readonly conditions: readonly FieldCondition[];
}

export interface PipelineItem {
  /** Its `id`, which processing_item_applied conditions name. */
  readonly id: string | undefined;
  /** `Pipeline "sysmon" (file.pipeline.yaml) transformation "image"`, for messages. */
  readonly label: string;
  /** Its transformation type as written (`field_name_mapping`). */
  readonly type: string;
  readonly ruleConditions: readonly RuleCondition[];
  readonly ruleLinking: Linking;
  readonly fieldFilter: FieldFilter | undefined;
  readonly itemFilter: ItemFilter | undefined;
  readonly transformation: Transformation;
}

export interface Pipeline {
  readonly name: string;
  readonly file: string;
  readonly priority: number;
  readonly vars: ReadonlyMap<string, readonly string[]>;
  readonly items: readonly PipelineItem[];
}
