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
  /**
   * How deeply the object nests objects and arrays, counted as `findTooDeep` counts (brackets
   * outside strings), so a framed object needs no second scan for the depth limit.
   */
  readonly depth?: number;
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
    const closed = objectEnd(text, i);
    if (closed === undefined) {
      segments.push({ text: text.slice(i), problem: 'unterminated' });
      break;
    }
    segments.push({ text: text.slice(i, closed.end), depth: closed.depth });
    i = skipSpace(text, closed.end);
  }
  return segments;
}

/**
 * Offset just past the `}` closing the object opened at `start` and the deepest nesting inside
 * it, or undefined if it never closes.
 */
function objectEnd(text: string, start: number): { end: number; depth: number } | undefined {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = start; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i += 1; i < n; i += 1) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i += 1;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
      if (depth === 0) return { end: i + 1, depth: deepest };
    }
  }
  return undefined;
}

/** Past JavaScript white space (`\s`), testing only non-ASCII characters with the regex. */
function skipSpace(text: string, from: number): number {
  let i = from;
  for (; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    if (c < 0x80 || !/\s/.test(text[i] ?? '')) break;
  }
  return i;
}
