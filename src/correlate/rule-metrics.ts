import type { Metrics } from '../shared/metrics.js';
import type { RuleStats } from './engine/rule-stats.js';
import { emptyStats } from './engine/rule-stats.js';

/** Prometheus counter per RuleStats field (all labelled by rule). */
const COUNTERS: readonly [keyof RuleStats, string, string, number][] = [
  ['events', 'cordon_rule_events_total', 'Events (or inner matches) a rule took in.', 1],
  ['matches', 'cordon_rule_matches_total', 'Matches fired by a rule.', 1],
  [
    'retracted',
    'cordon_rule_retractions_total',
    'Matches withdrawn by an event that arrived after them (an until or expected event).',
    1,
  ],
  ['suppressed', 'cordon_rule_suppressed_total', 'Matches suppressed by cordon.suppress.', 1],
  [
    'late',
    'cordon_rule_late_total',
    'Events behind their source watermark, counted within the allowed lateness.',
    1,
  ],
  [
    'lateDropped',
    'cordon_rule_late_dropped_total',
    'Events later than the allowed lateness: not counted (still in the event log, replayable).',
    1,
  ],
  [
    'withoutGroup',
    'cordon_rule_events_without_group_total',
    'Events skipped because a group-by field was empty.',
    1,
  ],
  [
    'withoutValue',
    'cordon_rule_events_without_value_total',
    "Events skipped because the type's field was missing or not a number.",
    1,
  ],
  [
    'evictedGroups',
    'cordon_rule_groups_evicted_total',
    'Groups evicted at the per-rule cap (stalest first).',
    1,
  ],
  ['evalMs', 'cordon_rule_eval_seconds_total', 'Time spent evaluating a rule, seconds.', 1 / 1000],
];

/**
 * Exports the engine's per-rule figures as counters. Every rule's counters exist (at zero)
 * from the first export, so dashboards and alerts see them before anything happens.
 */
export class RuleMetricsExporter {
  readonly #last = new Map<string, RuleStats>();

  constructor(private readonly metrics: Metrics) {}

  export(stats: ReadonlyMap<string, RuleStats>): void {
    for (const [rule, now] of stats) {
      const before = this.#last.get(rule) ?? emptyStats();
      for (const [field, name, help, scale] of COUNTERS) {
        this.metrics.inc(name, help, { rule }, (now[field] - before[field]) * scale);
      }
      this.#last.set(rule, { ...now });
    }
  }

  /** Forget what was exported (a new engine starts its figures from zero). */
  rebase(stats: ReadonlyMap<string, RuleStats>): void {
    this.#last.clear();
    for (const [rule, now] of stats) this.#last.set(rule, { ...now });
  }
}
