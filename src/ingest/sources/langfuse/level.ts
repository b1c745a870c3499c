import type { Outcome, Severity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { INVALID } from '../llm-common/field-readers.js';
import type { Read } from '../llm-common/field-readers.js';

export const LEVELS = ['DEBUG', 'DEFAULT', 'WARNING', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

/** An observation's `level` (DEBUG | DEFAULT | WARNING | ERROR). */
export function readLevel(body: JsonObject, at: Location): Read<Level> {
  const value = getOwn(body, 'level');
  if (value === undefined || value === null) return undefined;
  if ((LEVELS as readonly unknown[]).includes(value)) return value as Level;
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  const fix = (LEVELS as readonly string[]).includes(upper)
    ? ` Levels are upper case: send "${upper}".`
    : upper === 'FATAL' || upper === 'CRITICAL'
      ? ' Langfuse has no level above ERROR: send "ERROR".'
      : '';
  at.child('level').error(
    `must be one of ${LEVELS.map((l) => `"${l}"`).join(', ')}; got ${got(value)}.${fix}`,
  );
  return INVALID;
}

/**
 * ERROR is a failed call, `low` like a failed LiteLLM call (rate limits are routine; rules
 * count them). WARNING stays a success, visible in the `level` label. An update without a
 * level says nothing about the outcome.
 */
export function levelOutcome(
  level: Level | undefined,
  isUpdate: boolean,
): { outcome: Outcome; severity: Severity } {
  if (level === 'ERROR') return { outcome: 'failure', severity: 'low' };
  if (level === undefined && isUpdate) return { outcome: 'unknown', severity: 'info' };
  return { outcome: 'success', severity: 'info' };
}
