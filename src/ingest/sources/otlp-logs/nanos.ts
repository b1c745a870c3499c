import { got } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME } from '../../normalizers/time.js';
import type { TimeParse } from '../../normalizers/time.js';

/**
 * Epoch nanoseconds (OTLP `timeUnixNano`, a fixed64 written as a decimal string in JSON) to
 * epoch ms, truncated, computed on the digits (a double cannot hold 19 digits exactly).
 * 0 means "unset" in OTLP: the caller falls back to the observed time.
 */
export function nanosToMs(value: unknown): TimeParse | 'unset' {
  let digits: string;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value.trim())) digits = value.trim();
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0)
    digits = BigInt(value).toString();
  else
    return {
      ok: false,
      reason: `must be epoch nanoseconds as a decimal string, such as "1718035498441000000"; got ${got(value)}.`,
    };
  if (/^0+$/.test(digits)) return 'unset';
  const ms = Number(BigInt(digits) / 1_000_000n);
  if (ms >= MIN_EVENT_TIME && ms <= MAX_EVENT_TIME) return { ok: true, ms };
  const n = Number(digits);
  const unit =
    n < 1e11 ? 'seconds' : n < 1e14 ? 'milliseconds' : n < 1e17 ? 'microseconds' : undefined;
  return {
    ok: false,
    reason: `must be epoch nanoseconds between 2000 and 2100; got ${got(value)}${unit !== undefined ? `, which looks like epoch ${unit}: multiply to nanoseconds` : ''}. Check the exporter's clock and units.`,
  };
}
