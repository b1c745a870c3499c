import { got } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME } from '../../normalizers/time.js';
import { readRfc3339Field } from '../siem-common/rfc3339-field.js';
import type { Prop } from './props.js';

/** The Log Analytics portal's export format: `6/10/2024, 3:41:02.113 PM`, always UTC. */
const PORTAL_TIME =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? ([AP]M)$/;

/**
 * A Sentinel time (`…TimeUtc`, `TimeGenerated`): RFC 3339, or the portal's CSV/JSON export
 * text (month/day/year, 12-hour clock, UTC by definition). The .NET zero time means "not set".
 */
export function readTime(prop: Prop | undefined): number | undefined | null {
  if (prop === undefined) return undefined;
  if (typeof prop.value === 'string') {
    const portal = parsePortalTime(prop.value.trim());
    if (portal !== undefined) {
      if (portal >= MIN_EVENT_TIME && portal <= MAX_EVENT_TIME) return portal;
      prop.at.error(`must be a real date between 2000 and 2100; got ${got(prop.value)}.`);
      return null;
    }
  }
  const t = readRfc3339Field(prop.value, prop.at, { required: false, zero: true });
  return t === 'zero' ? undefined : t;
}

function parsePortalTime(text: string): number | undefined {
  const m = PORTAL_TIME.exec(text);
  if (!m) return undefined;
  const [, mo, d, y, h, mi, s, frac = '', ampm] = m;
  const hour12 = Number(h);
  if (hour12 < 1 || hour12 > 12) return Number.NaN;
  const hour = (hour12 % 12) + (ampm === 'PM' ? 12 : 0);
  const ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    hour,
    Number(mi),
    Number(s),
    Number(frac.slice(0, 3).padEnd(3, '0')),
  );
  const back = new Date(ms);
  // Date.UTC rolls 2/30 over into March: an impossible date is not a date.
  if (
    back.getUTCMonth() !== Number(mo) - 1 ||
    back.getUTCDate() !== Number(d) ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return Number.NaN;
  return ms;
}

/** The raw text of a time, for ids (a resend keeps the same text). */
export function timeText(prop: Prop | undefined): string {
  return typeof prop?.value === 'string' ? prop.value : '';
}
