import type { RuleRuntime, RuntimeBuild } from '../engine/runtime.js';
import type { RuleContext } from '../rule/context.js';
import type { CompiledCorrelation, Condition, FiringMode, WindowSpec } from '../rule/types.js';

/**
 * One correlation type: how its YAML is validated, when its windows may be decided, and the
 * runtime that keeps its state. Each type lives in its own folder under src/correlate/types/
 * and is listed once in registry.ts; nothing else switches on type names.
 */
export interface CorrelationTypeModule {
  readonly name: string;
  /**
   * Sigma-native types are written in `correlation.type`. Extensions are written in
   * `cordon.type` over one of their `bases`, the Sigma type a plain Sigma backend would run
   * instead, so the file stays valid Sigma.
   */
  readonly extension: boolean;
  readonly bases: readonly string[];
  /** One line: what it detects (messages, docs). */
  readonly summary: string;
  /** `threshold`: `{ gt: 10 }` and friends; `boolean`: an expression over rule names. */
  readonly condition: 'threshold' | 'boolean';
  /**
   * Whether `condition.field` is needed: `required` (one field), `tuple` (one or a list),
   * `optional`, or `none`.
   */
  readonly field: 'none' | 'required' | 'tuple' | 'optional';
  /** What a contribution carries from `field` (see CompiledCorrelation.value). */
  value(params: Readonly<Record<string, unknown>>, hasField: boolean): CompiledCorrelation['value'];
  /**
   * Canonical event paths a `fields` type reads from every event (instead of `condition.field`):
   * each contribution carries their texts joined by U+001F, a missing one as "".
   */
  reads?(params: Readonly<Record<string, unknown>>): readonly string[];
  /** `condition.percentile` is allowed. */
  readonly percentile?: boolean;
  readonly windows: readonly WindowSpec['kind'][];
  readonly maxTimespanMs: number;
  /** How many rules it reads (default: at least one). */
  readonly inputs?: { readonly min: number; readonly max?: number };
  /** Keys it adds under `cordon:`. */
  readonly extensionKeys: readonly string[];
  /** Validates type-specific settings; returns params, or undefined after reporting a problem. */
  parse(input: TypeParseInput): Readonly<Record<string, unknown>> | undefined;
  /** How its windows are decided: at the event that satisfies them, or when they close. */
  firing(condition: Condition | undefined, params: Readonly<Record<string, unknown>>): FiringMode;
  /** Whether `cordon.fire: eager` may override an on-close default (never for correctness). */
  readonly eagerAllowed?: boolean;
  runtime(rule: CompiledCorrelation, build: RuntimeBuild): RuleRuntime;
}

export interface TypeParseInput {
  readonly ctx: RuleContext;
  /** The `cordon:` mapping of the document (empty when absent). */
  readonly cordon: Readonly<Record<string, unknown>>;
  readonly timespanMs: number | undefined;
  /** The rules the correlation reads, as written. */
  readonly rules: readonly string[];
  /** The condition names a `field`. */
  readonly hasField: boolean;
  /** The parsed threshold, when the condition is one. */
  readonly threshold: readonly { readonly op: string; readonly value: number }[] | undefined;
  /** The boolean condition's text, when the condition is one. */
  readonly expression: string | undefined;
}
