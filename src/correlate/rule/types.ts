import type { CanonicalEvent, Severity } from '../../ingest/canonical-event.js';

/**
 * Compiled forms of `correlations/*.yaml` (Sigma detection and correlation rules, plus Cordon's
 * extensions under `cordon:`). Produced by `buildRuleSet` (pure) and consumed by the engine.
 */

/** What every compiled rule carries to name itself in matches, incidents and messages. */
export interface RuleIdentity {
  /** `name` if the rule has one, else its `id`, else a slug of its title. */
  readonly key: string;
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly title: string;
  readonly level: Severity;
  readonly tags: readonly string[];
  /** Where the rule was defined, for messages: `file:line`. */
  readonly origin: string;
  /**
   * True when the rule's matches open incidents: no correlation references it, or one that
   * does sets `generate: true` (Sigma semantics).
   */
  readonly alerts: boolean;
  /** True when some correlation references it (its matches feed that correlation). */
  readonly chained: boolean;
}

export type ThresholdOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

/** One comparison, or a lower/upper pair (Sigma ranges): all must hold. */
export interface ThresholdCondition {
  readonly kind: 'threshold';
  readonly bounds: readonly { readonly op: ThresholdOp; readonly value: number }[];
}

/** A boolean expression over the referenced rules (temporal types; Sigma v2.2 draft). */
export type BooleanExpr =
  | { readonly kind: 'ref'; readonly input: number }
  | { readonly kind: 'not'; readonly operand: BooleanExpr }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly BooleanExpr[] };

export interface BooleanCondition {
  readonly kind: 'boolean';
  readonly expr: BooleanExpr;
  /** True when the expression has a NOT: it can only be decided when the window closes. */
  readonly negated: boolean;
}

export type Condition = ThresholdCondition | BooleanCondition;

export type WindowSpec =
  | { readonly kind: 'sliding' }
  | { readonly kind: 'tumbling' }
  | { readonly kind: 'session'; readonly gapMs: number };

export type FiringMode = 'eager' | 'on-close';

export interface GroupField {
  /** The name matches and incidents show (`api_key`), as written in `group-by`. */
  readonly name: string;
}

/** A rule a correlation reads: a detection, or (chaining) another correlation. */
export interface RuleInput {
  readonly key: string;
  readonly kind: 'detection' | 'correlation';
  /** Canonical path per group-by field, in groupBy order (after aliases and the field map). */
  readonly groupPaths: readonly string[];
  /** Canonical path(s) of the type's `field`, when it has one (a tuple for value_count). */
  readonly fieldPaths: readonly string[];
  /** The referenced rule's tags (ATT&CK / ATLAS ids, for types that count tactics). */
  readonly tags: readonly string[];
}

/** Cordon's per-rule limits (defaults from the configuration). */
export interface RuleLimits {
  readonly maxGroups: number | undefined;
  readonly maxEventsPerGroup: number | undefined;
}

export interface CompiledCorrelation extends RuleIdentity {
  readonly kind: 'correlation';
  /** The type that runs it: a Sigma type, or a Cordon extension refining one. */
  readonly type: string;
  /** The Sigma type written in `correlation.type` (what a plain Sigma backend would run). */
  readonly sigmaType: string;
  readonly inputs: readonly RuleInput[];
  readonly groupBy: readonly GroupField[];
  readonly timespanMs: number;
  readonly window: WindowSpec;
  readonly condition: Condition | undefined;
  readonly firing: FiringMode;
  /** After a match: `reset` consumes the window's events, `continue` keeps them. */
  readonly action: 'reset' | 'continue';
  /** Further matches of the same group within this much event time are suppressed. */
  readonly suppressMs: number;
  readonly allowedLatenessMs: number;
  /** Group-by values compared case-insensitively (cross-source joins). */
  readonly groupCaseInsensitive: boolean;
  readonly limits: RuleLimits;
  /**
   * What each contribution carries from the type's `field`: nothing, its text (distinct counts,
   * new terms) or its number (sums, averages, percentiles). Events without it are skipped.
   * `fields`: the texts of the type's own paths (`inputs[].fieldPaths`), joined by U+001F, a
   * missing one as "" (anomaly features); no event is skipped.
   */
  readonly value: 'none' | 'text' | 'number' | 'fields';
  /** Type-specific settings, validated by the type's module. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Changes whenever anything that shapes correlation state changes; state is kept per hash. */
  readonly stateVersion: string;
}

/** A Sigma detection rule compiled to a predicate over canonical events. */
export interface CompiledDetection extends RuleIdentity {
  readonly kind: 'detection';
  /**
   * Canonical event kind the rule is restricted to (an index for the engine): undefined for
   * every kind, null when it can never match.
   */
  readonly eventKind: CanonicalEvent['kind'] | null | undefined;
  /**
   * Group-by of its own matches (`cordon: { group-by: [...] }`); undefined: the event's primary
   * entity (the first of api_key, user, session, ip, … that the event has).
   */
  readonly groupBy: readonly { readonly name: string; readonly path: string }[] | undefined;
  readonly suppressMs: number;
  readonly stateVersion: string;
  /** Pure; never throws. */
  matches(event: CanonicalEvent): boolean;
  /**
   * The canonical field paths `matches` reads (sorted), or undefined when it may read any
   * (a keyword search): an event agreeing on these fields gets the same answer.
   */
  readonly reads: readonly string[] | undefined;
  /**
   * Whether it may match an event of which only the top-level fields a replay reads off a
   * line's text are known (DECIDABLE_PATHS; the others empty): false only when those rule it
   * out. Undefined when they never can. Pure; never throws.
   */
  readonly mayMatch: ((event: CanonicalEvent) => boolean) | undefined;
}

export type CompiledRule = CompiledDetection | CompiledCorrelation;

export interface CompiledRuleSet {
  readonly detections: ReadonlyMap<string, CompiledDetection>;
  /** Correlations in dependency order: a chained correlation after the ones it reads. */
  readonly correlations: readonly CompiledCorrelation[];
  /** sha256 of the sources, so a running engine can tell when rules changed. */
  readonly hash: string;
  /** The processing pipelines applied to the rules (`*.pipeline.yaml`), by name, in order. */
  readonly pipelines?: readonly string[];
}
