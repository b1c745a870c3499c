import type { OptionsReporter, OptionsSpec } from '../source-kind.js';

/** Wall-clock fields as a log line writes them, without a zone. */
export interface WallClock {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

/** A reason when the fields name no real instant (month 13, 31 June, 25 o'clock), else undefined. */
export function checkWallClock(clock: WallClock): string | undefined {
  const problems: string[] = [];
  if (clock.month < 1 || clock.month > 12) problems.push(`month ${clock.month} does not exist`);
  else if (clock.day < 1 || clock.day > daysInMonth(clock.year, clock.month))
    problems.push(`day ${clock.day} does not exist in month ${clock.month}`);
  if (clock.hour > 23) problems.push(`hour ${clock.hour} is out of range (00–23)`);
  if (clock.minute > 59) problems.push(`minute ${clock.minute} is out of range (00–59)`);
  if (clock.second > 60) problems.push(`second ${clock.second} is out of range (00–60)`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function asUtc(clock: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(clock.year, clock.month - 1, clock.day);
  date.setUTCHours(clock.hour, clock.minute, Math.min(clock.second, 59), clock.ms);
  return date.getTime();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
function offsetAt(ms: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms)))
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = asUtc({
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    ms: 0,
  });
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * Epoch ms of a zone-less wall-clock time read in `timeZone` (IANA name or "UTC"). The offsets
 * three hours either side are tried: in the repeated autumn hour both fit and the earlier
 * instant wins; in the skipped spring hour neither does and the offset before the jump is used.
 */
export function wallClockToEpochMs(clock: WallClock, timeZone: string): number {
  const naive = asUtc(clock);
  if (timeZone === 'UTC') return naive;
  const before = naive - offsetAt(naive - 3 * 3_600_000, timeZone);
  const after = naive - offsetAt(naive + 3 * 3_600_000, timeZone);
  const fits = [before, after].filter((ms) => ms + offsetAt(ms, timeZone) === naive);
  return fits.length > 0 ? Math.min(...fits) : before;
}

/** True if the runtime knows the zone (IANA names such as "Europe/Berlin", or "UTC"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Reads `options.timezone`: the zone in which a sender writes zone-less log times. */
export function compileTimezone(
  value: unknown,
  path: readonly (string | number)[],
  report: OptionsReporter,
): string | undefined {
  if (value === undefined || value === null) return 'UTC';
  if (typeof value !== 'string' || !isKnownTimeZone(value)) {
    report(
      path,
      `must be an IANA time zone name such as "Europe/Berlin" or "UTC" (the zone the server's log times are written in); got ${JSON.stringify(value)}.`,
    );
    return undefined;
  }
  return value;
}

/** Options of a log kind whose times carry no zone: `{timezone: <IANA name>}`, default UTC. */
export interface TimezoneOptions {
  readonly timezone: string;
}

export const TIMEZONE_OPTIONS: OptionsSpec<TimezoneOptions> = {
  keys: ['timezone'],
  compile(value, report) {
    if (value === undefined || value === null) return { timezone: 'UTC' };
    if (typeof value !== 'object' || Array.isArray(value)) {
      report([], 'must be a mapping such as {timezone: Europe/Berlin}.');
      return undefined;
    }
    for (const key of Object.keys(value))
      if (key !== 'timezone')
        report([key], 'is not an option of this kind; the only one is timezone.');
    const timezone = compileTimezone(
      (value as Record<string, unknown>).timezone,
      ['timezone'],
      report,
    );
    return timezone === undefined || Object.keys(value).some((k) => k !== 'timezone')
      ? undefined
      : { timezone };
  },
};
