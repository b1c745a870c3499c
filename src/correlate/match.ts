import type { Severity } from '../ingest/canonical-event.js';

/**
 * What a rule emits when it fires (correlation-anchors §3.1 "Emission"). Incidents are opened
 * from matches; playbooks see them through the incident.
 */
export interface Match {
  /** Deterministic: the same contributing events give the same id on any worker or replay. */
  readonly matchId: string;
  /** Key (name or id) of the rule that fired. */
  readonly rule: string;
  readonly ruleTitle: string;
  /** `detection`, a Sigma correlation type, or a Cordon extension (`new_terms` …). */
  readonly ruleType: string;
  readonly level: Severity;
  readonly tags: readonly string[];
  /** Canonical JSON of the group-by values: identifies the group. */
  readonly groupKey: string;
  /** Group-by values by field name (`{ api_key: "k-123" }`). */
  readonly group: Readonly<Record<string, string>>;
  /** Contributing events (for approximate windows, an estimate). */
  readonly count: number;
  /** Event time of the first and last contributing events, epoch ms. */
  readonly firstTime: number;
  readonly lastTime: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Processing time when it fired, epoch ms. */
  readonly firedAt: number;
  /** A late (behind its source's watermark, within the allowed lateness) event contributed. */
  readonly late: boolean;
  /** Some of the window's events were evicted at a cap; the figures may be low. */
  readonly partial: boolean;
  /** Figures are estimates (distinct counts above the exact limit use HyperLogLog). */
  readonly approximate: boolean;
  /** Matches of this rule and group suppressed (cordon.suppress) since the previous one. */
  readonly suppressedCount: number;
  /** Type-specific figures: `value`, `distinct`, `rules`, `baseline`, `term`, `steps` … */
  readonly aggregate: Readonly<Record<string, unknown>>;
  /** Contributing events as "<source>/<id>", capped; `count` is the total. */
  readonly refs: readonly string[];
  /**
   * The distinct sources of every contributing event, set only when `refs` were capped (else
   * the refs name them all): what a playbook trigger's `on.source` reads.
   */
  readonly sources?: readonly string[];
  /**
   * When Cordon accepted the event that made the rule fire (its `received`), epoch ms; set by
   * the live correlator, absent for a match decided by time alone (a window closing).
   */
  readonly received?: number;
}

/**
 * A match withdrawn by an event that arrived after it fired and shows it was wrong: an `until`
 * event inside a sequence that had completed, an expected event inside an absence already
 * reported (correlation-anchors §3.2). History is not rewritten: the match stays, and the
 * incident it opened records the retraction.
 */
export interface Retraction {
  /** The match withdrawn (the same id its Match carried). */
  readonly matchId: string;
  readonly rule: string;
  readonly ruleTitle: string;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  /** The event that withdraws it, "<source>/<id>", and its event time (epoch ms). */
  readonly ref: string;
  readonly time: number;
  readonly reason: string;
  /** Processing time when it was withdrawn, epoch ms. */
  readonly retractedAt: number;
  /** The event came later than the allowed lateness: it withdrew the match but was not counted. */
  readonly tooLate: boolean;
}
