/**
 * The text a sender's item was parsed from, kept beside the parsed value so the event log can
 * store `raw` as that text instead of serialising the value again. Re-serialising a shipper's
 * document was the largest single cost of storing an HEC or `_bulk` event; the sender's JSON
 * text parses back to the very same value (it is what JSON.parse read), so nothing a reader of
 * the log sees changes.
 *
 * Only a value that is still the one parsed from the text may be registered: anything that
 * copies or rewrites it (the keep policy's redaction makes a new object) simply has no text,
 * and is serialised as before. The text is a non-enumerable symbol-keyed property of the value:
 * JSON.stringify, Object.keys/entries, spreads and structured clones all leave it out, so a
 * copy never carries it, and it lives exactly as long as the value. (A WeakMap entry per
 * document did the same at ~3 % of a `_bulk` request, besides the collector's ephemeron work.)
 */
const RAW_TEXT: unique symbol = Symbol('cordon.rawText');

interface WithRawText {
  [RAW_TEXT]?: string;
}

/** Records that `value` is what JSON.parse made of `text` (a single JSON value, nothing else). */
export function rememberRawText(value: object, text: string): void {
  Object.defineProperty(value, RAW_TEXT, {
    value: text,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}

/** The text `value` was parsed from, if a source recorded it. */
export function rawTextOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? (value as WithRawText)[RAW_TEXT] : undefined;
}
