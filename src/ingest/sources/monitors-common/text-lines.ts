import type { Location } from '../../normalizers/findings.js';
import { readUtf8Text } from '../../normalizers/utf8-text.js';

/** One non-blank physical line of a text body; `index` is zero-based and names its batch item. */
export interface TextLine {
  readonly index: number;
  readonly text: string;
}

/** Decodes a log chunk strictly (readUtf8Text), reporting at the body level. */
export function decodeUtf8Text(body: Buffer, at: Location): string | undefined {
  return readUtf8Text(body, at, 'send the log lines UTF-8 encoded.');
}

/**
 * Splits a chunk into lines (LF or CRLF). Blank lines are skipped but keep their number, so an
 * error's `/<index>` and its `line N:` prefix point at the line a sender sees in an editor.
 */
export function splitLines(text: string): TextLine[] {
  const out: TextLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') out.push({ index, text: line });
  });
  return out;
}

/** The location of one line: its own batch item, reasons prefixed `line N: `. */
export function lineAt(root: Location, line: TextLine): Location {
  return root.batchItem(line.index, `line ${line.index + 1}: `);
}
