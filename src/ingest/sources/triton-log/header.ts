import { checkWallClock, wallClockToEpochMs } from '../monitors-common/local-time.js';
import type { WallClock } from '../monitors-common/local-time.js';

/** A Triton log line's header, before the message. */
export interface TritonHeader {
  readonly level: string;
  readonly ms: number;
  readonly pid: string;
  readonly file: string;
  readonly fileLine: string;
  /** The message as written (quoted and JSON-escaped unless escaping is turned off). */
  readonly message: string;
}

/** Default format: `I0610 16:04:51.210442 1 model_lifecycle.cc:469] msg` — no year, no zone. */
const DEFAULT =
  /^([A-Z])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,9}) +(\d+) ([^\s:]+):(\d+)\] ?(.*)$/s;
/** `--log-format ISO8601`: `2024-06-10T16:04:51Z I 1 model_lifecycle.cc:469] msg`. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z ([A-Z]) +(\d+) ([^\s:]+):(\d+)\] ?(.*)$/s;
/** What any header starts with, to tell a broken header from a continuation line. */
const HEADER_LIKE = /^(?:[A-Z]\d{4} \d|\d{4}-\d{2}-\d{2}T)/;

export const LEVELS = ['I', 'W', 'E', 'V'] as const;

export type HeaderRead =
  | { readonly kind: 'header'; readonly header: TritonHeader }
  | { readonly kind: 'none' }
  | { readonly kind: 'bad'; readonly reasons: string[] };

const DAY_MS = 86_400_000;

/**
 * The year of a year-less default-format line: the receipt year, or the one before when
 * that would put the line more than a day after receipt (a December line read in January).
 */
function inferYear(
  month: number,
  day: number,
  rest: Omit<WallClock, 'year' | 'month' | 'day'>,
  timeZone: string,
  now: number,
): WallClock {
  const year = new Date(now).getUTCFullYear();
  const clock = { year, month, day, ...rest };
  if (checkWallClock(clock) === undefined && wallClockToEpochMs(clock, timeZone) > now + DAY_MS)
    return { ...clock, year: year - 1 };
  // 29 February in a year that is not leap: it was written in the last leap year.
  if (month === 2 && day === 29 && checkWallClock(clock) !== undefined)
    return { ...clock, year: year - (year % 4 || 4) };
  return clock;
}

export function readHeader(line: string, timeZone: string, now: number): HeaderRead {
  const d = DEFAULT.exec(line);
  const iso = d ? undefined : ISO.exec(line);
  if (!d && !iso) {
    return HEADER_LIKE.test(line)
      ? {
          kind: 'bad',
          reasons: [
            `has a broken header ${JSON.stringify(line.slice(0, 40))}: expected "I0610 16:04:51.210442 1 file.cc:123] message" or "2024-06-10T16:04:51Z I 1 file.cc:123] message".`,
          ],
        }
      : { kind: 'none' };
  }
  let clock: WallClock;
  let level: string;
  let pid: string;
  let file: string;
  let fileLine: string;
  let message: string;
  let zone = timeZone;
  if (d) {
    const [, l = '', mo, dd, h, mi, s, frac = '', p = '', f = '', fl = '', m = ''] = d;
    [level, pid, file, fileLine, message] = [l, p, f, fl, m];
    clock = inferYear(
      Number(mo),
      Number(dd),
      {
        hour: Number(h),
        minute: Number(mi),
        second: Number(s),
        ms: Number(frac.slice(0, 3).padEnd(3, '0')),
      },
      timeZone,
      now,
    );
  } else {
    const [, y, mo, dd, h, mi, s, frac = '', l = '', p = '', f = '', fl = '', m = ''] = iso ?? [];
    [level, pid, file, fileLine, message] = [l, p, f, fl, m];
    clock = {
      year: Number(y),
      month: Number(mo),
      day: Number(dd),
      hour: Number(h),
      minute: Number(mi),
      second: Number(s),
      ms: Number(frac.slice(0, 3).padEnd(3, '0')),
    };
    zone = 'UTC';
  }
  const reasons: string[] = [];
  if (!(LEVELS as readonly string[]).includes(level))
    reasons.push(
      `severity letter ${JSON.stringify(level)} is not one Triton writes (I info, W warning, E error, V verbose).`,
    );
  const problem = checkWallClock(clock);
  if (problem !== undefined) reasons.push(`has an impossible date or time: ${problem}.`);
  if (reasons.length > 0) return { kind: 'bad', reasons };
  return {
    kind: 'header',
    header: { level, ms: wallClockToEpochMs(clock, zone), pid, file, fileLine, message },
  };
}
