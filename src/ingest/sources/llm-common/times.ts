import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME, parseRfc3339 } from '../../normalizers/time.js';
import { INVALID } from './field-readers.js';
import type { Read } from './field-readers.js';

/**
 * Epoch seconds with a fraction (LiteLLM `startTime` 1718035497.512301) → epoch ms, truncated.
 * Rounded to whole µs first: `x.512 * 1000` can come out as `…511.9999` in floating point.
 * Strings are refused, ISO ones included: LiteLLM itself always sends numbers, and a date
 * string here means a custom logger whose zone handling we cannot know (Python's `str(datetime)`
 * has no zone), so the sender is told to send `.timestamp()`.
 */
export function readEpochSeconds(object: JsonObject, key: string, at: Location): Read<number> {
  const value = getOwn(object, key);
  if (value === undefined || value === null) return undefined;
  const fail = (detail: string): typeof INVALID => {
    at.child(key).error(
      `must be epoch seconds as a number, such as 1718035497.512 (LiteLLM's StandardLoggingPayload format); got ${got(value)}: ${detail}`,
    );
    return INVALID;
  };
  if (typeof value === 'string') {
    return fail(
      /^\d{4}-\d{2}-\d{2}/.test(value)
        ? "a date string. Send the datetime's .timestamp() (a float), as LiteLLM does."
        : 'a string. Send the number without quotes.',
    );
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('not a finite number.');
  if (value >= 1e17)
    return fail(
      `this looks like epoch nanoseconds (read as such it is ${iso(value / 1e6)}); send seconds (divide by 1,000,000,000).`,
    );
  if (value >= 1e14)
    return fail(
      `this looks like epoch microseconds (read as such it is ${iso(value / 1e3)}); send seconds (divide by 1,000,000).`,
    );
  if (value >= 1e11)
    return fail(
      `this looks like epoch milliseconds (read as such it is ${iso(value)}); send seconds (divide by 1,000).`,
    );
  const ms = Math.floor(Math.round(value * 1e6) / 1000);
  if (ms < MIN_EVENT_TIME || ms > MAX_EVENT_TIME)
    return fail(`that is ${iso(ms)}, outside 2000–2100; check the sender's clock.`);
  return ms;
}

/**
 * A database DateTime as exported (LiteLLM_SpendLogs `startTime`): RFC 3339 with a zone, or a
 * zone-less `2024-06-10 16:04:57.512` which is read as UTC, because Prisma stores LiteLLM's
 * DateTime columns as UTC in `timestamp without time zone`.
 */
export function readDbDateTime(object: JsonObject, key: string, at: Location): Read<number> {
  const value = getOwn(object, key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    at.child(key).error(
      `must be a date-time string such as "2024-06-10T16:04:57.512Z" (a LiteLLM_SpendLogs DateTime); got ${got(value)}.`,
    );
    return INVALID;
  }
  const naive = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(value.trim());
  const parsed = parseRfc3339(naive ? `${naive[1]}T${naive[2]}Z` : value.trim());
  if (parsed.ok) return parsed.ms;
  at.child(key).error(parsed.reason);
  return INVALID;
}

/** An RFC 3339 string (Langfuse timestamps). */
export function readRfc3339(object: JsonObject, key: string, at: Location): Read<number> {
  const value = getOwn(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    at.child(key).error(
      `must be an RFC 3339 timestamp string such as "2024-06-10T16:04:57.512Z"; got ${got(value)}.`,
    );
    return INVALID;
  }
  const parsed = parseRfc3339(value);
  if (parsed.ok) return parsed.ms;
  at.child(key).error(parsed.reason);
  return INVALID;
}

/** A duration in ms between two instants, rounded to µs, or undefined if either is missing. */
export function spanMs(from: Read<number>, to: Read<number>): number | undefined {
  if (typeof from !== 'number' || typeof to !== 'number') return undefined;
  return Math.round((to - from) * 1000) / 1000;
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? 'an impossible date' : date.toISOString();
}
