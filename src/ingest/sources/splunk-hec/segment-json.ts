import type { Location } from '../../normalizers/findings.js';
import { DEFAULT_MAX_DEPTH } from '../../normalizers/json-depth.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { Parsed } from '../../normalizers/parse-json-body.js';
import type { Segment } from './stacked-json.js';

/**
 * One framed object's value, as `parseJsonBody` would give it for the object's own bytes. The
 * text is already decoded and the framer has already measured its depth, so a well-formed
 * object within the depth limit is one JSON.parse; anything else goes through parseJsonBody,
 * which reports where and what is wrong.
 */
export function parseSegment(
  segment: Segment,
  at: Location,
  maxDepth: number | undefined,
): Parsed<unknown> {
  if (segment.depth !== undefined && segment.depth <= (maxDepth ?? DEFAULT_MAX_DEPTH)) {
    try {
      return { ok: true, value: JSON.parse(segment.text) as unknown };
    } catch {
      // Reported below, with its line and column.
    }
  }
  return parseJsonBody(Buffer.from(segment.text), at, {
    maxDepth,
    expected: 'an HEC event object',
  });
}
