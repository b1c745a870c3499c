import type { Severity } from '../../ingest/canonical-event.js';
import type { CompiledCorrelation } from '../rule/types.js';

/**
 * The faces every correlation type's runtime shows the engine. A runtime keeps one group's
 * state in plain data (so it can be checkpointed) and is pure: time comes in as arguments.
 */

/** One event (or, for chained rules, one inner match) counted by a rule for one group. */
export interface Contribution {
  /** Event time, epoch ms. */
  readonly t: number;
  /** `<source>/<id>` of the event (or `cordon/<match id>`). */
  readonly ref: string;
  /** Index of the referenced rule it matched (`rule.inputs`). */
  readonly input: number;
  /** The type's `field` value: a number for value_sum/avg/percentile, a string for distinct counts. */
  readonly value: number | string | undefined;
  /** It arrived behind its source's watermark (within the allowed lateness). */
  readonly late: boolean;
}

/** The outcome of evaluating one window. */
export interface Evaluation {
  readonly met: boolean;
  /** Events in the window (for approximate windows, counted rather than listed). */
  readonly count: number;
  /** Type-specific figures for the match (`value`, `distinct`, `rules`, `baseline` …). */
  readonly aggregate: Readonly<Record<string, unknown>>;
  readonly approximate?: boolean;
  /** The match's level when the type raises it (risk tiers); the rule's level otherwise. */
  readonly level?: Severity;
}

/** A window that satisfied its rule: what the engine turns into a match. */
export interface Fire {
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Contributing events, oldest first (the engine lists the first few as refs). */
  readonly contributions: readonly Contribution[];
  readonly evaluation: Evaluation;
  /** What identifies this window for the group, so the same events give the same match id. */
  readonly windowKey: string;
  /** Some of the window's events were evicted at the per-group cap. */
  readonly partial: boolean;
}

/**
 * A match fired earlier that an event arriving after it shows was wrong (correlation-anchors
 * §3.2): an `until` event inside a sequence that already completed, an expected event inside
 * an absence already reported. History is not rewritten: the engine emits a retraction naming
 * the match, and the incident it opened says so.
 */
export interface Withdrawal {
  /** The `windowKey` of the fire being withdrawn. */
  readonly windowKey: string;
  /** The event that withdraws it. */
  readonly by: Contribution;
  /** Why, for people: "login_success at … inside the sequence". */
  readonly reason: string;
}

/** A fire of one group, chosen across the groups of a rule (see SharedRuleState.flush). */
export interface GroupFire {
  /** The group's key, as routes carry it. */
  readonly key: string;
  /** Its group-by values, as the match shows them. */
  readonly values: readonly string[];
  readonly fire: Fire;
}

/** Where a closing window's group sits, for types with rule-level state (SharedRuleState). */
export interface GroupAt<S = unknown> {
  readonly shared: S;
  readonly key: string;
  readonly values: readonly string[];
}

/**
 * Rule-level state shared by every group of a rule: a population baseline, a top-k choice
 * among groups. A rule whose runtime has it keeps all its groups in one partition (one owner,
 * one checkpoint), so the state is whole wherever the rule runs, and stays deterministic: it
 * is changed only as windows close, and windows close in time order. Plain JSON data,
 * checkpointed with the partition's rule metadata.
 */
export interface SharedRuleState<S = unknown> {
  create(): S;
  /**
   * Called after each pass that closed windows up to `watermark`: fires chosen across groups
   * (a group's own fires come from `close`). Changes `shared` in place.
   */
  flush(shared: S, watermark: number): readonly GroupFire[];
  encode(shared: S): unknown;
  decode(data: unknown): S;
}

/** What a runtime returns when nothing fired: shared, so the common case allocates nothing. */
export const NO_FIRES: readonly Fire[] = Object.freeze([]);

/** What a runtime may ask of the engine while it works. */
export interface RuntimeContext {
  /** Groups evicted at caps and (re)created here report their first match partial. */
  readonly maxEventsPerGroup: number;
  /** Distinct values kept exactly per window before switching to HyperLogLog. */
  readonly maxDistinctExact: number;
}

/** What a rule's runtime is built with: the context, and what the engine knows of the rule. */
export interface RuntimeBuild extends RuntimeContext {
  /**
   * How long after its match a rule's inner matches may still be withdrawn (the longest
   * timespan plus lateness of the correlations it reads; 0 when it reads none): state kept
   * for a withdrawal is kept while the watermark, less lateness, is within this of it.
   */
  readonly innerSpanMs: number;
}

/**
 * A correlation type's behaviour for one compiled rule. `G` is the group state: plain,
 * JSON-encodable data owned by the engine and handed back on every call.
 */
export interface RuleRuntime<G = unknown> {
  readonly rule: CompiledCorrelation;
  create(): G;
  /** Adds one contribution; returns the windows it made fire (eager types), oldest first. */
  add(group: G, c: Contribution, ctx: RuntimeContext): readonly Fire[];
  /**
   * The rule watermark at or after which `close` has work for this group (on-close windows,
   * absence deadlines), or undefined when nothing is pending.
   */
  nextClose(group: G): number | undefined;
  /**
   * Closes what the watermark has passed; returns the windows that fired. `at` holds the
   * rule-level state and the group's identity for types with `shared`.
   */
  close(group: G, watermark: number, ctx: RuntimeContext, at?: GroupAt): readonly Fire[];
  /** Rule-level state across groups (population baselines, top-k): see SharedRuleState. */
  readonly shared?: SharedRuleState;
  /**
   * Forgets what can no longer matter once every source has passed `watermark` (nothing older
   * than watermark − lateness can still arrive). Returns true when the group is empty.
   */
  prune(group: G, watermark: number): boolean;
  /**
   * Types whose matches a later event can disprove: offered every event that arrives behind
   * its source's watermark (late, or too late to count, when the group still exists), before
   * it is added; returns the fires it withdraws, each once. A type that remembers fires for
   * this keeps them in its group state (encoded with it) and forgets them in `prune`; what it
   * would forget at `watermark()` (never below any watermark prune was given; asked for only
   * when the group remembers fires, since every event of the rule passes here) it must not
   * withdraw, whether or not a prune ran since, so the outcome never depends on sweeps.
   */
  withdraw?(group: G, c: Contribution, watermark: () => number): readonly Withdrawal[];
  /**
   * Takes back what a withdrawn inner match (a chained rule's input, ref `cordon/<match id>`)
   * contributed to the windows still held, so no later window counts it; returns the
   * contributions removed. A type without it (or a window it no longer holds exactly, as a
   * sketch) keeps such a match counted.
   */
  forget?(group: G, ref: string): readonly Contribution[];
  /**
   * After `forget` took `removed` out: the windows holding one of them that it kept from
   * firing and that fire without it, as they would have had it never arrived (a sequence whose
   * `until` step it was). Only windows that did not fire with it: the others fired already.
   * Eager types whose condition is not monotone in their events implement it.
   */
  refire?(group: G, removed: readonly Contribution[], ctx: RuntimeContext): readonly Fire[];
  /** Types that withdraw: forget a fire whose match was suppressed (it reached no incident). */
  forgetFire?(group: G, windowKey: string): void;
  encode(group: G): unknown;
  decode(data: unknown): G;
}
