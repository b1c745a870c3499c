import { checkWallClock, wallClockToEpochMs } from '../monitors-common/local-time.js';

/** `2024-06-10T16:04:58,117` (log4j `%d{ISO8601}`): local time, comma decimals, no zone. */
const PREFIX = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{3,9}))?(?=\s|$)/;
/** Something that starts like a timestamp but is not a whole one (a cut line). */
const STARTS_LIKE_TIME = /^\d{4}-\d{2}-\d{2}/;

export type PrefixTime =
  | { readonly kind: 'time'; readonly ms: number; readonly rest: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'bad'; readonly reason: string };

/**
 * Reads the log4j timestamp a TorchServe log line starts with. The zone is not written, so
 * the wall-clock time is read in `timeZone` (the connector's `options.timezone`).
 */
export function readPrefixTime(line: string, timeZone: string): PrefixTime {
  const m = PREFIX.exec(line);
  if (!m) {
    return STARTS_LIKE_TIME.test(line)
      ? {
          kind: 'bad',
          reason: `starts with an incomplete timestamp ${JSON.stringify(line.slice(0, 30))}; expected "YYYY-MM-DDTHH:MM:SS,mmm" (log4j ISO8601). The line looks cut off.`,
        }
      : { kind: 'none' };
  }
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const clock = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    ms: Number(frac.slice(0, 3).padEnd(3, '0')),
  };
  const problem = checkWallClock(clock);
  if (problem !== undefined)
    return {
      kind: 'bad',
      reason: `has an impossible timestamp ${JSON.stringify(m[0])}: ${problem}.`,
    };
  return { kind: 'time', ms: wallClockToEpochMs(clock, timeZone), rest: line.slice(m[0].length) };
}
