import { got } from '../../normalizers/json-values.js';
import { checkEpochMs, parseRfc3339 } from '../../normalizers/time.js';
import type { TimeParse } from '../../normalizers/time.js';

/** ISO date-time without a zone, which Elasticsearch's default date format reads as UTC. */
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?$/;

export interface EsDate {
  readonly parse: TimeParse;
  /** Set when the time had no zone and was read as UTC, as Elasticsearch itself does. */
  readonly assumedUtc?: true;
}

/**
 * A date as Elasticsearch's default mapping accepts it (`strict_date_optional_time||epoch_millis`):
 * an ISO / RFC 3339 string, epoch milliseconds as a number or a digit string. Shippers that
 * write to Elasticsearch rely on that leniency, so we accept what it accepts, including a
 * zone-less time read as UTC (the caller warns about that one).
 */
export function parseEsDate(value: unknown): EsDate {
  if (typeof value === 'number') return { parse: checkEpochMs(value) };
  if (typeof value !== 'string') {
    return {
      parse: {
        ok: false,
        reason: `must be an ISO 8601 date-time string or epoch milliseconds; got ${got(value)}.`,
      },
    };
  }
  const text = value.trim();
  if (/^\d{1,16}$/.test(text)) return { parse: checkEpochMs(Number(text)) };
  if (ZONELESS.test(text)) {
    const parse = parseRfc3339(`${text}Z`);
    return parse.ok ? { parse, assumedUtc: true } : { parse: parseRfc3339(text) };
  }
  return { parse: parseRfc3339(text) };
}
