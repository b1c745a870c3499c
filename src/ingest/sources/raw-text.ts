/**
 * The text a sender's item was parsed from, kept beside the parsed value so the event log can
 * store `raw` as that text instead of serialising the value again. Re-serialising a shipper's
 * document was the largest single cost of storing an HEC or `_bulk` event; the sender's JSON
 * text parses back to the very same value (it is what JSON.parse read), so nothing a reader of
 * the log sees changes.
 *
 * Only a value that is still the one parsed from the text may be registered: anything that
 * copies or rewrites it (the keep policy's redaction makes a new object) simply has no text,
 * and is serialised as before. A WeakMap, so the text lives exactly as long as the value.
 */
const TEXTS = new WeakMap<object, string>();

/** Records that `value` is what JSON.parse made of `text` (a single JSON value, nothing else). */
export function rememberRawText(value: object, text: string): void {
  TEXTS.set(value, text);
}

/** The text `value` was parsed from, if a source recorded it. */
export function rawTextOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? TEXTS.get(value) : undefined;
}
