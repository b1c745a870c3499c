import type { NormalisedEvent } from '../canonical-event.js';
import type { Location } from './findings.js';
import { RESERVED_LABEL_PREFIX } from './canonical-maps.js';
import { clampFutureTime, FUTURE_SKEW_MS } from './time.js';

/** Records where a clamped time came from, so the original stays visible to analysts. */
export const TIME_CLAMPED_LABEL = `${RESERVED_LABEL_PREFIX}time_clamped_from`;

/**
 * Whether applyTimeClamp would change an event of this time: callers that read events by the
 * thousand ask first, so the Location it reports at is only made when it is needed.
 */
export function needsClamp(time: number, now: number): boolean {
  return time > now + FUTURE_SKEW_MS;
}

/**
 * Applies the future-skew clamp to a finished event (after its id is fixed, so resends
 * still dedupe) and warns about it: a sender's clock running ahead is worth fixing.
 */
export function applyTimeClamp(event: NormalisedEvent, now: number, at: Location): NormalisedEvent {
  const clamp = clampFutureTime(event.time, now);
  if (clamp.clampedFrom === undefined) return event;
  at.warn(
    `${clamp.clampedFrom} is more than ${FUTURE_SKEW_MS / 60_000} minutes after receipt ` +
      `(${new Date(now).toISOString()}); the event time was clamped to the receipt time. Check the sender's clock.`,
  );
  return {
    ...event,
    time: clamp.time,
    labels: { ...event.labels, [TIME_CLAMPED_LABEL]: clamp.clampedFrom },
  };
}

/**
 * Set (to `true`) on an event whose payload carried no usable time: its `time` is the receipt
 * time, which rules should not trust for ordering.
 */
export const TIME_MISSING_LABEL = `${RESERVED_LABEL_PREFIX}time_missing`;

/** Stamps the receipt time on an event without a usable time, and says so in a label. */
export function withReceiptTime<T extends { labels: Record<string, string> }>(
  event: T,
  now: number,
): T & { time: number } {
  return { ...event, time: now, labels: { ...event.labels, [TIME_MISSING_LABEL]: 'true' } };
}
