import type { NormalisedEvent } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import { parseRfc3339 } from '../../normalizers/time.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';

/**
 * An RFC 3339 time string (Okta `published`, Entra `createdDateTime`, CloudTrail
 * `eventTime`). Absent/null → undefined; a bad one is a located error, with `hint` naming
 * what this sender normally sends.
 */
export function readRfc3339Value(value: unknown, at: Location, hint: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    const seconds =
      typeof value === 'number' && value > 0 && value < 1e11 ? ' It looks like epoch seconds.' : '';
    at.error(
      `must be an RFC 3339 timestamp string such as "2024-06-10T16:04:58.441Z"; got ${got(value)}.${seconds} ${hint}`,
    );
    return undefined;
  }
  const parsed = parseRfc3339(value);
  if (parsed.ok) return parsed.ms;
  at.error(`${parsed.reason} ${hint}`);
  return undefined;
}

/**
 * Gives the event its time: the sender's (clamped if far in the future) or, when the item
 * carried none, the receipt time flagged with TIME_MISSING_LABEL and a warning.
 */
export function finishEvent(
  event: Omit<NormalisedEvent, 'time'>,
  time: number | undefined,
  ctx: NormaliseContext,
  timeAt: Location,
): NormalisedEvent {
  if (time === undefined) {
    timeAt.warn('is missing; the receipt time was used (label cordon.time_missing).');
    return withReceiptTime(event, ctx.now);
  }
  return applyTimeClamp({ ...event, time }, ctx.now, timeAt);
}
