import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { rawTextOf } from '../ingest/sources/raw-text.js';
import { RAW_LABELS_MEMBER, splitRawLabels } from './event-log-labels.js';

/**
 * The JSON an event is stored as in the log. When the source kept the text its `raw` was
 * parsed from (see ingest/sources/raw-text.ts), that text is written in place of a second
 * serialisation of the value: it parses back to the same value, and a shipper's document is
 * most of an event's bytes. `raw` then comes last among the keys, which no reader depends on:
 * every reader parses the stored JSON. Labels that this raw holds verbatim are then written as
 * indexes (`lx`, before `raw`; store/event-log-labels.ts), which the log's reader puts back:
 * this JSON is the log's, not a canonical event for anyone else.
 */
export function eventJson(event: CanonicalEvent): string {
  const text = rawTextOf(event.raw);
  if (text === undefined) return JSON.stringify(event);
  // Labels that raw holds verbatim are stored by reference (store/event-log-labels.ts).
  const split = splitRawLabels(event.labels, event.raw);
  if (split === undefined)
    return withMembers(jsonWithout(event, 'raw', undefined), `"raw":${text}`);
  const mutable = event as unknown as Record<string, unknown>;
  const labels = mutable.labels;
  mutable.labels = split.kept;
  try {
    return withMembers(
      jsonWithout(event, 'raw', undefined),
      `"${RAW_LABELS_MEMBER}":[${split.indexes.join(',')}],"raw":${text}`,
    );
  } finally {
    mutable.labels = labels;
  }
}

/**
 * The event's JSON without one or two of its members, without copying the event to leave them
 * out (a rest-spread copy of every event was a tenth of storing a `_bulk` event): the members
 * are set to undefined, which JSON.stringify skips, for the one synchronous call, and put back
 * at once. Events are plain data objects of the request that made them (never frozen), and
 * nothing else runs in between, so no reader sees the gap.
 */
function jsonWithout(
  event: CanonicalEvent,
  first: 'raw' | 'text',
  second: 'raw' | undefined,
): string {
  const mutable = event as unknown as Record<string, unknown>;
  const firstValue = mutable[first];
  // Only members that hold a value are blanked: an absent one is not added (keys stay as they were).
  const blankSecond = second !== undefined && mutable[second] !== undefined;
  const secondValue = blankSecond ? mutable[second] : undefined;
  if (firstValue !== undefined) mutable[first] = undefined;
  if (blankSecond) mutable[second] = undefined;
  try {
    return JSON.stringify(event);
  } finally {
    if (firstValue !== undefined) mutable[first] = firstValue;
    if (blankSecond) mutable[second] = secondValue;
  }
}

/** `{…}` with `members` (`"key":json`) added last; `{}` takes them without a comma. */
function withMembers(objectJson: string, members: string): string {
  return objectJson.length === 2 ? `{${members}}` : `${objectJson.slice(0, -1)},${members}}`;
}

/** Set on an event read back after retention removed its text (README "Retention"). */
export const TEXT_EXPIRED_LABEL = 'cordon.text_expired';

/**
 * An event as the log stores it: prompt and response text, with the raw item that carries the
 * same text, go apart (`text`, "" when the event has none), so retention can remove them from
 * an event that stays. Events without text are stored whole, as `eventJson` writes them.
 */
export function storedEventJson(event: CanonicalEvent): {
  readonly event: string;
  readonly text: string;
} {
  if (event.text === undefined || Object.keys(event.text).length === 0)
    return { event: eventJson(event), text: '' };
  const { text, raw } = event;
  const rawText = raw === undefined ? undefined : (rawTextOf(raw) ?? JSON.stringify(raw));
  return {
    event: jsonWithout(event, 'text', 'raw'),
    text: `{"text":${JSON.stringify(text)}${rawText === undefined ? '' : `,"raw":${rawText}`}}`,
  };
}

/** Puts an event's kept-apart text back, or marks it removed when retention took it. */
export function withStoredText(
  event: CanonicalEvent,
  text: string | null | undefined,
): CanonicalEvent {
  if (text === null || text === undefined) {
    event.labels = { ...event.labels, [TEXT_EXPIRED_LABEL]: 'true' };
    return event;
  }
  const parts = JSON.parse(text) as Pick<CanonicalEvent, 'text' | 'raw'>;
  if (parts.text !== undefined) event.text = parts.text;
  if (parts.raw !== undefined) event.raw = parts.raw;
  return event;
}
