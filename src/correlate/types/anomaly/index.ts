import { MAX_WINDOW_TIMESPAN_MS } from '../common.js';
import type { CorrelationTypeModule } from '../type-module.js';
import { anomalyRuntime } from './runtime.js';
import type { AnomalyParams } from './settings.js';
import { ANOMALY_KEYS, parseAnomaly } from './settings.js';

/**
 * Cordon extension `anomaly`, over Sigma `event_count`: per group and tumbling window of
 * `timespan`, computes the features `cordon.features` names (features/), scores the window's
 * vector with an isolation forest among the group's own recent windows (isolation-forest.ts)
 * and fires when the score reaches `cordon.threshold`, after `cordon.warmup` windows. The Sigma
 * condition is the minimum events a window needs to be scored. Every match carries the
 * features and each one's z-score against the group's EWMA baseline, largest first. Windows
 * close in order once every source has passed their end plus the allowed lateness, and every
 * random draw is seeded from the rule's seed and the window, so the same events give the same
 * scores in live correlation, on any partitioning, and in `cordon replay`.
 */
export const anomaly: CorrelationTypeModule = {
  name: 'anomaly',
  extension: true,
  bases: ['event_count'],
  summary: "a group's window unlike its own recent windows (isolation forest over its features)",
  condition: 'threshold',
  field: 'none',
  value: () => 'fields',
  reads: (params) => (params as unknown as AnomalyParams).reads,
  windows: ['tumbling'],
  maxTimespanMs: MAX_WINDOW_TIMESPAN_MS,
  extensionKeys: ANOMALY_KEYS,
  parse: (input) => parseAnomaly(input) as Readonly<Record<string, unknown>> | undefined,
  firing: () => 'on-close',
  runtime: (rule) => anomalyRuntime(rule, rule.params as unknown as AnomalyParams),
};
