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
