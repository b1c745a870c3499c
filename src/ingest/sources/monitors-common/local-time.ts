import { daysInMonth, isTimeZone, offsetAt } from '../../normalizers/time-zone.js';
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

function asUtc(clock: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(clock.year, clock.month - 1, clock.day);
  date.setUTCHours(clock.hour, clock.minute, Math.min(clock.second, 59), clock.ms);
  return date.getTime();
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

/** Reads `options.timezone`: the zone in which a sender writes zone-less log times. */
export function compileTimezone(
  value: unknown,
  path: readonly (string | number)[],
  report: OptionsReporter,
): string | undefined {
  if (value === undefined || value === null) return 'UTC';
  if (typeof value !== 'string' || !isTimeZone(value)) {
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
