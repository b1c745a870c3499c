import { describe, formatDurationMs, parseDuration } from '../../shared/duration.js';
import { suggest } from '../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';

/** Checks shared by the state kinds' validators. */

/** A duration (`30s`, `1h`) in ms, or `fallback` after reporting why not. */
export function durationOr(
  value: unknown,
  fallback: number,
  path: YamlPath,
  sink: DiagnosticSink,
  what: string,
  maxMs: number,
): number {
  if (value === undefined) return fallback;
  const d = parseDuration(value);
  if (!d.ok) {
    sink.error(path, 'CORDON_ERR_DEFINITION_VALUE', `${what} ${d.reason}.`);
    return fallback;
  }
  if (d.ms > maxMs) {
    sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${what} is ${describe(value)}; the most allowed is ${formatDurationMs(maxMs)}.`,
    );
    return fallback;
  }
  return d.ms;
}

export function unknownTarget(
  sink: DiagnosticSink,
  path: YamlPath,
  name: string,
  states: readonly string[],
  what: string,
): void {
  const hint = suggest(name, states);
  sink.error(
    path,
    'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
    `${what} points at state "${name}", which does not exist.${hint ? ` Did you mean "${hint}"?` : ` States: ${states.join(', ')}.`}`,
  );
}

export function toStringList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  return Array.isArray(list) &&
    list.length > 0 &&
    list.every((v) => typeof v === 'string' && v !== '')
    ? (list as string[])
    : undefined;
}

/** The longest any single wait (a wait state, an approval) may last. */
export const MAX_WAIT_MS = 30 * 86_400_000;

/** The fields of `incident.*` templates and expressions read. */
export const INCIDENT_FIELDS: readonly string[] = [
  'id',
  'title',
  'severity',
  'rule',
  'ruleTitle',
  'tags',
  'group',
  'groupKey',
  'firstSeen',
  'lastSeen',
  'matchCount',
  'eventCount',
  'retractionCount',
  'retracted',
  'createdAt',
  'aggregate',
];
