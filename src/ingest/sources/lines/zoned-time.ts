import { daysInMonth, isTimeZone, offsetAt } from '../../normalizers/time-zone.js';

/**
 * Calendar fields → epoch ms for the line formats, whose times often carry no zone (RFC 3164,
 * LEEF devTime patterns, CEF dates): such a time is read in the connector's `timezone` option.
 */

export interface DateFields {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millis: number;
}

/** A zone as written in a timestamp: a fixed offset or an IANA name (DST-aware). */
export type Zone = { readonly offsetMinutes: number } | { readonly timeZone: string };

export const UTC_ZONE: Zone = { offsetMinutes: 0 };

/** Abbreviations senders print (`%Z`, Java `z`). Ambiguous ones (IST, CST-China) are left out. */
const ABBREVIATIONS: ReadonlyMap<string, number> = new Map([
  ['UTC', 0],
  ['UT', 0],
  ['GMT', 0],
  ['Z', 0],
  ['WET', 0],
  ['WEST', 60],
  ['BST', 60],
  ['CET', 60],
  ['CEST', 120],
  ['MET', 60],
  ['MEST', 120],
  ['EET', 120],
  ['EEST', 180],
  ['MSK', 180],
  ['JST', 540],
  ['KST', 540],
  ['AEST', 600],
  ['AEDT', 660],
  ['NZST', 720],
  ['NZDT', 780],
  ['EST', -300],
  ['EDT', -240],
  ['CST', -360],
  ['CDT', -300],
  ['MST', -420],
  ['MDT', -360],
  ['PST', -480],
  ['PDT', -420],
  ['AKST', -540],
  ['AKDT', -480],
  ['HST', -600],
]);

/**
 * A zone token (`UTC`, `+02:00`, `+0200`, `GMT+2`, `Europe/Berlin`), or undefined if it is
 * none of those.
 */
export function parseZoneToken(token: string): Zone | undefined {
  const upper = token.toUpperCase();
  const abbreviation = ABBREVIATIONS.get(upper);
  if (abbreviation !== undefined) return { offsetMinutes: abbreviation };
  const m = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(token);
  if (m) {
    const hours = Number(m[2]);
    const minutes = Number(m[3] ?? '0');
    if (hours > 18 || minutes > 59) return undefined;
    return { offsetMinutes: (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes) };
  }
  if (token.includes('/') && isTimeZone(token)) return { timeZone: token };
  return undefined;
}

/** What is impossible about these fields (Jun 31, hour 24), or undefined. */
export function impossibleDate(f: DateFields): string | undefined {
  if (f.month < 1 || f.month > 12) return `month ${f.month} does not exist`;
  if (f.day < 1 || f.day > daysInMonth(f.year, f.month))
    return `day ${f.day} does not exist in month ${f.month} of ${f.year}`;
  if (f.hour > 23) return `hour ${f.hour} is out of range (0–23)`;
  if (f.minute > 59) return `minute ${f.minute} is out of range (0–59)`;
  if (f.second > 60) return `second ${f.second} is out of range (0–60)`;
  return undefined;
}

function wallClockAsUtc(f: DateFields): number {
  const date = new Date(0);
  date.setUTCFullYear(f.year, f.month - 1, f.day);
  // A leap second (:60) stays inside its minute.
  date.setUTCHours(f.hour, f.minute, Math.min(f.second, 59), f.second === 60 ? 999 : f.millis);
  return date.getTime();
}

/** Epoch ms of wall-clock fields in a zone (two passes, so DST edges land right). */
export function toEpochMs(f: DateFields, zone: Zone): number {
  const wall = wallClockAsUtc(f);
  if ('offsetMinutes' in zone) return wall - zone.offsetMinutes * 60_000;
  const first = wall - offsetAt(wall, zone.timeZone);
  const second = wall - offsetAt(first, zone.timeZone);
  return second;
}

export const MONTHS = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const;

/** 1–12 for an English month name or abbreviation (any case), else undefined. */
export function monthNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  if (lower.length < 3) return undefined;
  const index = MONTHS.findIndex((m) => lower.startsWith(m));
  if (index < 0) return undefined;
  const full = new Date(Date.UTC(2000, index, 1))
    .toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })
    .toLowerCase();
  return lower.length === 3 || lower === full ? index + 1 : undefined;
}
