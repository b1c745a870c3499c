import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import { parseRfc3339, ZERO_TIME } from '../../normalizers/time.js';

/**
 * undefined = absent (reported when required), null = invalid (reported), 'zero' = Go's or
 * .NET's zero time (the sender's "not set"), else epoch ms.
 */
export type TimeField = number | 'zero' | undefined | null;

const ZERO_TIMES = new Set([ZERO_TIME, '0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00']);

export function readRfc3339Field(
  value: unknown,
  at: Location,
  allow: { readonly required: boolean; readonly zero: boolean; readonly what?: string },
): TimeField {
  const what = allow.what ?? 'an RFC 3339 timestamp such as "2024-06-10T16:01:05Z"';
  if (value === undefined || value === null) {
    if (!allow.required) return undefined;
    at.error(`is required: ${what}; got ${got(value)}.`);
    return null;
  }
  if (typeof value === 'string' && ZERO_TIMES.has(value)) {
    if (allow.zero) return 'zero';
    at.error(`must be a real time; got the zero time ${JSON.stringify(value)} ("not set").`);
    return null;
  }
  if (typeof value !== 'string') {
    const seconds =
      typeof value === 'number' && value > 0 && value < 1e11 ? ' It looks like epoch seconds.' : '';
    at.error(`must be ${what} (a string); got ${got(value)}.${seconds}`);
    return null;
  }
  const parsed = parseRfc3339(value);
  if (parsed.ok) return parsed.ms;
  at.error(parsed.reason);
  return null;
}
