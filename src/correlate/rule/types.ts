import type { CanonicalEvent, Severity } from '../../ingest/canonical-event.js';

/**
 * Compiled forms of `correlations/*.yaml` (Sigma detection and correlation rules).
 * Produced by `compileRules` (pure) and consumed by the correlation engine.
 */

/** What every compiled rule carries to name itself in matches, incidents and messages. */
export interface RuleIdentity {
  /** `name` if the rule has one, else its `id`. Correlations reference rules by either. */
  readonly key: string;
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly title: string;
  readonly level: Severity;
  readonly tags: readonly string[];
  /** Where the rule was defined, for messages: `file:line`. */
  readonly origin: string;
}

/** A Sigma detection rule compiled to a predicate over canonical events. */
export interface CompiledDetection extends RuleIdentity {
  readonly kind: 'detection';
  /**
   * True when the rule alerts on its own: no correlation references it, or one does and the
   * correlation sets `generate: true` (Sigma semantics).
   */
  readonly standalone: boolean;
  /** Pure; never throws. */
  matches(event: CanonicalEvent): boolean;
}

export type ThresholdOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface GroupField {
  /** The name matches and incidents show (`api_key`), as written in `group-by`. */
  readonly name: string;
  /**
   * Canonical event path to read, per referenced detection key (`entity.api_key`), after
   * Sigma `aliases` and the field map. Every key of `rules` has an entry.
   */
  readonly pathByRule: Readonly<Record<string, string>>;
}

export interface CompiledEventCount extends RuleIdentity {
  readonly kind: 'event_count';
  /** Keys of the detections it counts. */
  readonly rules: readonly string[];
  readonly groupBy: readonly GroupField[];
  readonly timespanMs: number;
  /** Only eager conditions (gt/gte) in this version; validation rejects the others. */
  readonly condition: { readonly op: 'gt' | 'gte'; readonly value: number };
  /** Events later than this behind the rule's watermark are dropped and counted. */
  readonly allowedLatenessMs: number;
}

export type CompiledCorrelation = CompiledEventCount;

export interface CompiledRuleSet {
  readonly detections: ReadonlyMap<string, CompiledDetection>;
  readonly correlations: readonly CompiledCorrelation[];
  /** sha256 of the sources, so a running engine can tell when rules changed. */
  readonly hash: string;
}
