import { got } from '../../normalizers/json-values.js';
import type { TimeParse } from '../../normalizers/time.js';
import { checkRange } from '../lines/java-date.js';
import { daysInMonth } from '../../normalizers/time-zone.js';
import { impossibleDate, monthNumber, toEpochMs } from '../lines/zoned-time.js';
import type { Zone } from '../lines/zoned-time.js';

/** `Mmm dd hh:mm:ss` with an optional fraction (some daemons add one); day space-padded. */
export const BSD_DATE = /^([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?= |$)/;

/**
 * An RFC 3164 date has no year and no zone: the zone comes from the connector (`timezone`),
 * the year is the one that puts the date nearest receipt — so a "Dec 31 23:59:59" received on
 * 1 January lands in the previous year, and a "Jan 1" from a fast clock on 31 December in the next.
 */
export function parseBsdDate(match: RegExpExecArray, now: number, zone: Zone): TimeParse {
  const [whole, monthText = '', dayText = '', hh = '', mi = '', ss = '', frac = ''] = match;
  const month = monthNumber(monthText);
  if (month === undefined)
    return {
      ok: false,
      reason: `must start with an English month abbreviation (Jan … Dec); got ${got(whole)}.`,
    };
  const dayField = /^[A-Za-z]{3}( +)(\d{1,2})/.exec(whole);
  const spaces = dayField?.[1]?.length ?? 1;
  if (dayText.length + spaces - 1 !== 2 || (dayText.length === 2 && spaces !== 1))
    return {
      ok: false,
      reason: `must have a two-character day, space-padded (RFC 3164: "${monthText}  ${Number(dayText)}", or "${monthText} ${dayText.padStart(2, '0')}"); got ${got(whole)}.`,
    };
  const day = Number(dayText);
  const fields = {
    month,
    day,
    hour: Number(hh),
    minute: Number(mi),
    second: Number(ss),
    millis: Number(frac.slice(0, 3).padEnd(3, '0')),
  };
  const thisYear = new Date(now).getUTCFullYear();
  let best: number | undefined;
  for (const year of [thisYear - 1, thisYear, thisYear + 1]) {
    if (day > daysInMonth(year, month) || impossibleDate({ year, ...fields }) !== undefined)
      continue;
    const ms = toEpochMs({ year, ...fields }, zone);
    if (best === undefined || Math.abs(ms - now) < Math.abs(best - now)) best = ms;
  }
  if (best === undefined) {
    const why =
      impossibleDate({ year: thisYear, ...fields }) ?? `day ${day} does not exist in that month`;
    return { ok: false, reason: `is not a real date: ${why}; got ${got(whole)}.` };
  }
  return checkRange(best, whole);
}
