/**
 * How deeply a body may nest objects and arrays. JSON.parse copes with any depth, but the
 * recursive code after it does not (JSON.stringify overflows the stack at about 5,000
 * levels), and no event format needs more than a few levels: past the limit a body is bad
 * input, rejected with its position like a syntax error.
 */
export const DEFAULT_MAX_DEPTH = 64;
/** The highest limit an operator may set: well clear of any stack overflow. */
export const MAX_DEPTH_LIMIT = 1_000;

/**
 * The offset (UTF-16 units) of the first `{` or `[` that opens level `maxDepth + 1`, or
 * undefined when the text stays within the limit. Expects text that JSON.parse accepted, so
 * strings are well formed and brackets inside them can be skipped without further checks.
 * A loop over the text, not a walk of the parsed value, so it cannot overflow either.
 */
export function findTooDeep(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: an escaped quote never ends it.
      for (i += 1; i < n; i += 1) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i += 1;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return undefined;
}
