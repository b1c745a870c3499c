import { describe, parseDuration } from '../../shared/duration.js';
import type { RuleContext } from '../rule/context.js';

/**
 * Readers for settings under `cordon:` shared by the extension types: each reports a located
 * error and returns undefined when the value is unusable.
 */
export function readDuration(
  ctx: RuleContext,
  container: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  max: number,
  example: string,
  at: readonly string[] = ['cordon'],
): number | undefined {
  const value = container[key];
  const path = [...at, key];
  const name = path.join('.');
  if (value === undefined || value === null) return fallback;
  if (value === 0 || value === '0' || value === '0s') return 0;
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${name} is not a duration; ${parsed.reason}.`,
    );
    return undefined;
  }
  if (parsed.ms > max) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${name} is longer than the ${describeMs(max)} limit; got ${describe(value)}. Write e.g. "${key}: ${example}".`,
    );
    return undefined;
  }
  return parsed.ms;
}

export function readPositive(
  ctx: RuleContext,
  path: readonly (string | number)[],
  value: unknown,
  fallback: number,
  what: string,
): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    ctx.sink.error(
      [...path],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} ${path.join('.')} must be a positive number (${what}); got ${describe(value)}. Write e.g. "${String(path[path.length - 1])}: ${fallback}".`,
    );
    return undefined;
  }
  return value;
}

function describeMs(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${ms / 3_600_000}h`;
}
