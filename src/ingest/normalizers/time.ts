import { got, truncate } from './json-values.js';

/**
 * Event times are epoch ms UTC integers. Anything outside 2000–2100 is rejected: such a
 * time is nearly always a unit mix-up upstream (seconds sent as ms, or µs/ns as ms), and
 * letting it through would wreck event-time windows and watermarks.
 */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
export const MAX_EVENT_TIME = Date.UTC(2101, 0, 1) - 1;

/** Times further than this ahead of receipt are clamped (sender clock skew). */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** Go's zero `time.Time`: Alertmanager's "not set" for `endsAt`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type TimeParse =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

const RFC3339_EXAMPLE = '"2024-06-10T16:01:05Z"';

/** Loose on purpose: it recognises near-misses so the reason can say exactly what to fix. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(?:([.,])(\d*))?(.*)$/;

/**
 * RFC 3339 with a zone (`Z` or `±HH:MM`) and up to 9 fractional digits, truncated to ms:
 * rounding could move an event into the next second (and the next window).
 */
export function parseRfc3339(text: string): TimeParse {
  const ms = plainUtcMs(text);
  return ms === undefined ? parseRfc3339Checked(text) : { ok: true, ms };
}

/**
 * The time of the form nearly every sender writes, `2024-06-10T16:01:05[.fraction]Z` with a
 * year in 2000–2100 and every part in range, read from its characters; undefined for anything
 * else (lower-case `t`/`z`, offsets, leap seconds, near-misses), which parseRfc3339Checked
 * reads and explains. The regex, the lists of fixes and the Date it needs showed at batch
 * rates; for the texts read here both give the same milliseconds.
 */
function plainUtcMs(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (
    text.charCodeAt(4) !== 0x2d ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x54 /* T */ ||
    text.charCodeAt(13) !== 0x3a ||
    text.charCodeAt(16) !== 0x3a
  )
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  let millis = 0;
  if (n > 20) {
    // A fraction: "." and 1–9 digits, of which the first three are the milliseconds.
    if (text.charCodeAt(19) !== 0x2e || n === 21) return undefined;
    if (digits(text, 20, n - 21) < 0) return undefined;
    millis = digits(`${text.slice(20, Math.min(23, n - 1))}00`, 0, 3);
  }
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && isLeapYear(year) ? 1 : 0)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The number written by `count` ASCII digits at `from`; -1 when any is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** parseRfc3339 without its fast path: every form, every near-miss explained. */
export function parseRfc3339Checked(text: string): TimeParse {
  const fail = (detail: string): TimeParse => ({
    ok: false,
    reason: `must be an RFC 3339 timestamp with a zone, such as ${RFC3339_EXAMPLE}; got ${got(text)}: ${detail}`,
  });
  const m = DATE_TIME.exec(text);
  if (!m) return fail(explainNonDateTime(text));
  const [, ys, mos, ds, sep, hs, mis, ss, fracSep, frac, zone = ''] = m;
  const fixes: string[] = [];
  if (sep === ' ') fixes.push('put "T" between the date and the time');
  if (fracSep === ',') fixes.push('use "." before the fractional seconds');
  if (fracSep !== undefined && (frac === undefined || frac === ''))
    fixes.push('add digits after the decimal point');
  if (frac !== undefined && frac.length > 9)
    fixes.push('send at most 9 fractional digits (nanoseconds)');
  const offset = parseZone(zone);
  if (typeof offset === 'string') fixes.push(offset);
  if (fixes.length > 0) return fail(`${fixes.join('; ')}.`);

  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  const ranges: string[] = [];
  if (month < 1 || month > 12) ranges.push(`month ${mos} does not exist`);
  else if (day < 1 || day > daysInMonth(year, month))
    ranges.push(`day ${ds} does not exist in that month`);
  if (hour > 23) ranges.push(`hour ${hs} is out of range (00–23)`);
  if (minute > 59) ranges.push(`minute ${mis} is out of range (00–59)`);
  if (second > 60) ranges.push(`second ${ss} is out of range (00–60)`);
  if (ranges.length > 0) return fail(`${ranges.join('; ')}.`);

  // A leap second (:60) stays inside its minute rather than spilling into the next one.
  const millis = second === 60 ? 999 : Number((frac ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), millis);
  const ms = date.getTime() - (offset as number) * 60_000;
  if (ms < MIN_EVENT_TIME || ms > MAX_EVENT_TIME) {
    return fail(
      `year ${new Date(ms).getUTCFullYear()} is outside 2000–2100. A year this far off usually means a unit ` +
        'mix-up upstream (seconds vs milliseconds) or an unset clock; send the real event time.',
    );
  }
  return { ok: true, ms };
}

/** Epoch milliseconds, with a hint when the magnitude says another unit was meant. */
export function checkEpochMs(value: number): TimeParse {
  const fail = (detail: string): TimeParse => ({
    ok: false,
    reason: `must be epoch milliseconds (an integer) or an RFC 3339 string with a zone; got ${got(value)}: ${detail}`,
  });
  if (!Number.isFinite(value)) return fail('not a finite number.');
  if (value >= 0 && value < 1e11) {
    return fail(
      `this looks like epoch seconds (read as seconds it is ${isoOrNothing(value * 1000)}). Send milliseconds (${Math.trunc(value * 1000)}) ` +
        'or an ISO 8601 / RFC 3339 string.',
    );
  }
  if (!Number.isInteger(value))
    return fail(`milliseconds must be whole; send ${Math.trunc(value)}.`);
  if (value < MIN_EVENT_TIME) {
    return fail(
      `that is ${isoOrNothing(value)}, before 2000; check the unit and the sender's clock.`,
    );
  }
  if (value > MAX_EVENT_TIME) {
    if (value >= 1e17)
      return fail(
        `this looks like epoch nanoseconds (read as such it is ${isoOrNothing(value / 1e6)}); divide by 1,000,000.`,
      );
    if (value >= 1e14)
      return fail(
        `this looks like epoch microseconds (read as such it is ${isoOrNothing(value / 1e3)}); divide by 1,000.`,
      );
    return fail(
      `that is after 2100; check the unit (seconds vs milliseconds) and the sender's clock.`,
    );
  }
  return { ok: true, ms: value };
}

/**
 * Epoch seconds as a decimal string (Splunk `_time`, "1718035412.000"). Computed on the
 * digits, not via floats, so `.157` is exactly 157 ms.
 */
export function parseEpochSecondsText(text: string): TimeParse {
  const fail = (detail: string): TimeParse => ({
    ok: false,
    reason: `must be epoch seconds as a decimal string, such as "1718035412.000"; got ${got(text)}: ${detail}`,
  });
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!m) return fail('not a plain decimal number.');
  const seconds = Number(m[1]);
  const ms = seconds * 1000 + Number((m[2] ?? '').slice(0, 3).padEnd(3, '0'));
  if (ms >= MIN_EVENT_TIME && ms <= MAX_EVENT_TIME) return { ok: true, ms };
  if (seconds >= 1e11) {
    return fail(
      `this looks like epoch milliseconds (read as such it is ${isoOrNothing(seconds)}); send seconds (divide by 1,000).`,
    );
  }
  return fail(
    `that is ${isoOrNothing(ms)}, outside 2000–2100; check the unit and the sender's clock.`,
  );
}

/**
 * Clamps a time that lies in the future beyond the allowed skew: one fast clock would
 * otherwise push watermarks ahead and make every honest event look late.
 */
export function clampFutureTime(ms: number, now: number): { time: number; clampedFrom?: string } {
  return ms > now + FUTURE_SKEW_MS
    ? { time: now, clampedFrom: new Date(ms).toISOString() }
    : { time: ms };
}

function parseZone(zone: string): number | string {
  if (zone === 'Z' || zone === 'z') return 0;
  if (zone === '')
    return 'add a zone ("Z" for UTC, or an offset such as "+02:00"); times without a zone are ambiguous';
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m)
    return `the zone ${JSON.stringify(truncate(zone, 20))} is not "Z" or an offset such as "+02:00"`;
  const [, sign, hh, mm] = m;
  if (!zone.includes(':')) return `write the offset with a colon ("${sign}${hh}:${mm}")`;
  if (Number(hh) > 23 || Number(mm) > 59) return `the offset ${zone} is out of range`;
  return (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
}

function explainNonDateTime(text: string): string {
  if (/^\d+(\.\d+)?$/.test(text)) {
    return 'this is an epoch number in a string; send an RFC 3339 timestamp instead.';
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'it has a date but no time of day and no zone.';
  return 'expected YYYY-MM-DDTHH:MM:SS[.fraction] followed by "Z" or an offset such as "+02:00".';
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function isoOrNothing(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? 'an impossible date' : date.toISOString();
}
