import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { rawTextOf } from '../ingest/sources/raw-text.js';

/**
 * The JSON an event is stored as in the log. When the source kept the text its `raw` was
 * parsed from (see ingest/sources/raw-text.ts), that text is written in place of a second
 * serialisation of the value: it parses back to the same value, and a shipper's document is
 * most of an event's bytes. `raw` then comes last among the keys, which no reader depends on:
 * every reader parses the stored JSON.
 */
export function eventJson(event: CanonicalEvent): string {
  const text = rawTextOf(event.raw);
  if (text === undefined) return JSON.stringify(event);
  const { raw: _raw, ...rest } = event;
  const head = JSON.stringify(rest);
  // `rest` always holds id, time, kind …: its JSON is an object with members, ending in `}`.
  return `${head.slice(0, -1)},"raw":${text}}`;
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
  const { text, raw, ...rest } = event;
  const rawText = raw === undefined ? undefined : (rawTextOf(raw) ?? JSON.stringify(raw));
  return {
    event: JSON.stringify(rest),
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
