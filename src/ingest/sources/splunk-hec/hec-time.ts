import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME, parseEpochSecondsText } from '../../normalizers/time.js';

/**
 * HEC `time`: epoch seconds with a decimal fraction, as a number or a string. A 13-digit
 * value is milliseconds from a buggy client; Splunk would file it ~50,000 years ahead, so it
 * is refused with the value to send instead. undefined = absent, null = reported.
 */
export function readHecTime(value: unknown, at: Location): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const parsed = parseEpochSecondsText(value.trim());
    if (parsed.ok) return parsed.ms;
    at.error(parsed.reason);
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    at.error(
      `must be epoch seconds such as 1718035412.377 (a number or a string); got ${got(value)}.`,
    );
    return null;
  }
  if (value >= 1e11) {
    const seconds = value >= 1e17 ? value / 1e9 : value >= 1e14 ? value / 1e6 : value / 1e3;
    const unit = value >= 1e17 ? 'nanoseconds' : value >= 1e14 ? 'microseconds' : 'milliseconds';
    at.error(
      `must be epoch seconds; got ${got(value)}, which looks like epoch ${unit}. Send ${seconds.toFixed(3)} (HEC reads it as seconds, ~50,000 years ahead).`,
    );
    return null;
  }
  const ms = Math.round(value * 1000);
  if (ms < MIN_EVENT_TIME || ms > MAX_EVENT_TIME) {
    at.error(
      `must be epoch seconds between 2000 and 2100; got ${got(value)} (${new Date(ms).toISOString()}). Check the unit and the sender's clock.`,
    );
    return null;
  }
  return ms;
}
