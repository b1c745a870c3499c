/**
 * HEC's batch framing (ingest-formats §1.2): JSON objects written back to back, optionally
 * separated by whitespace — not an array, not NDJSON (an object may span lines). A scanner,
 * not a regex on `}{`, because braces inside strings are data.
 */
export interface Segment {
  /** The text of one object (or of the stray characters where an object should start). */
  readonly text: string;
  /** What went wrong while framing it, if anything; the JSON itself is checked later. */
  readonly problem?: 'stray' | 'unterminated';
}

export function splitStackedObjects(text: string): Segment[] {
  const segments: Segment[] = [];
  const n = text.length;
  let i = skipSpace(text, 0);
  while (i < n) {
    if (text.charCodeAt(i) !== 0x7b) {
      // Stray text (a comma, a bare word): one segment up to the next top-level `{`.
      const next = text.indexOf('{', i);
      const end = next < 0 ? n : next;
      segments.push({ text: text.slice(i, end), problem: 'stray' });
      i = end;
      continue;
    }
    const end = objectEnd(text, i);
    if (end === undefined) {
      segments.push({ text: text.slice(i), problem: 'unterminated' });
      break;
    }
    segments.push({ text: text.slice(i, end) });
    i = skipSpace(text, end);
  }
  return segments;
}

/** Offset just past the `}` closing the object opened at `start`, or undefined if it never closes. */
function objectEnd(text: string, start: number): number | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = start; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i += 1; i < n; i += 1) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i += 1;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth += 1;
    else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  return i;
}
