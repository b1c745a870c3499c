import type { Severity } from '../canonical-event.js';

/**
 * Free-text severities seen in the wild (Alertmanager/Grafana `labels.severity` by
 * convention, Splunk `severity`/`urgency`) mapped onto Cordon's five levels
 * (ingest-formats §0.5). A Map, not an object literal, so "constructor" is not a severity.
 */
const SEVERITY_WORDS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['critical', 'critical'],
  ['page', 'critical'],
  ['emergency', 'critical'],
  ['fatal', 'critical'],
  ['error', 'high'],
  ['high', 'high'],
  ['major', 'high'],
  ['warning', 'medium'],
  ['warn', 'medium'],
  ['medium', 'medium'],
  ['low', 'low'],
  ['minor', 'low'],
  ['info', 'info'],
  ['informational', 'info'],
  ['none', 'info'],
  ['debug', 'info'],
]);

/** Senders that say nothing about severity still deserve a look: the documented default. */
export const DEFAULT_ALERT_SEVERITY: Severity = 'medium';

/** The level a severity word means (case and surrounding spaces ignored), if it is known. */
export function severityFromWord(word: string): Severity | undefined {
  return SEVERITY_WORDS.get(word.trim().toLowerCase());
}
