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
  readonly ruleType: 'detection' | 'event_count';
  readonly level: Severity;
  readonly tags: readonly string[];
  /** Canonical JSON of the group-by values: identifies the group. */
  readonly groupKey: string;
  /** Group-by values by field name (`{ api_key: "k-123" }`); empty for ungrouped rules. */
  readonly group: Readonly<Record<string, string>>;
  readonly count: number;
  /** Event time of the first and last contributing events, epoch ms. */
  readonly firstTime: number;
  readonly lastTime: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Processing time when it fired, epoch ms. */
  readonly firedAt: number;
  /** A late (out-of-order, within lateness) event completed it. */
  readonly late: boolean;
  /** The group's window hit its size cap; some contributing events may have been evicted. */
  readonly partial: boolean;
  /** Contributing events as "<source>/<id>", capped; `count` is the total. */
  readonly refs: readonly string[];
}
