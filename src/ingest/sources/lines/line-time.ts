import { got } from '../../normalizers/json-values.js';
import { checkEpochMs, parseRfc3339 } from '../../normalizers/time.js';
import type { TimeParse } from '../../normalizers/time.js';
import { compileJavaPattern } from './java-date.js';
import type { Zone } from './zoned-time.js';

/** CEF's date form `MMM dd yyyy HH:mm:ss[.SSS][ zzz]`; the zone is optional. */
const CEF_DATE = /^[A-Za-z]{3} +\d{1,2} \d{4} \d{1,2}:\d{2}:\d{2}(\.\d{1,9})?( \S+)?$/;

/**
 * A time as CEF (`rt`, `start`, `end`) and LEEF without a `devTimeFormat` write it: epoch ms,
 * `MMM dd yyyy HH:mm:ss[.SSS][ zzz]`, or an RFC 3339 string. A zone-less date is read in
 * `zone` (the connector's `timezone`).
 */
export function parseLineTime(text: string, zone: Zone): TimeParse {
  const value = text.trim();
  if (/^\d+$/.test(value)) return checkEpochMs(Number(value));
  const date = CEF_DATE.exec(value);
  if (date) {
    const pattern = `MMM dd yyyy HH:mm:ss${date[1] === undefined ? '' : '.S'}${date[2] === undefined ? '' : ' z'}`;
    const compiled = compileJavaPattern(pattern);
    if (compiled.ok) return compiled.parse(value, zone);
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const parsed = parseRfc3339(value);
    if (parsed.ok) return parsed;
  }
  return {
    ok: false,
    reason:
      `must be epoch milliseconds, "MMM dd yyyy HH:mm:ss[.SSS] [zone]" (such as "Jun 10 2024 16:04:58.441 UTC") ` +
      `or an RFC 3339 timestamp; got ${got(text)}.`,
  };
}
