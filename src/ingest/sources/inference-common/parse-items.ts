import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { parseJsonBody, parseNdjsonBody } from '../../normalizers/parse-json-body.js';

/** One record of a body: where it sits (errors under `at` refuse it alone) and its value. */
export interface BodyItem {
  readonly value: unknown;
  readonly at: Location;
}

export interface ParseItemsOptions {
  /** What the endpoint expects, for the empty-body reason. */
  readonly expected: string;
  readonly maxDepth?: number | undefined;
  /** The request said NDJSON (`application/x-ndjson`, `application/jsonl`). */
  readonly ndjson: boolean;
}

/**
 * A body of records in any of the three shapes log shippers write: one JSON object, a JSON
 * array of them, or NDJSON (one per line). A body sent as JSON that is really NDJSON (a common
 * mislabel) is read as NDJSON. Items of an array or of NDJSON lines are batch items; a single
 * object is the body itself. Returns undefined when the body as a whole is unreadable.
 */
export function parseItems(
  body: Buffer,
  findings: Findings,
  options: ParseItemsOptions,
): BodyItem[] | undefined {
  const root = findings.root();
  const json = { expected: options.expected, maxDepth: options.maxDepth };
  if (!options.ndjson) {
    // Tried on scratch findings first: a mislabelled NDJSON body must not report JSON errors.
    const scratch = new Findings();
    const parsed = parseJsonBody(body, scratch.root(), json);
    if (parsed.ok) return fromValue(parsed.value, root);
    const lines = parseNdjsonBody(body, new Findings().root(), json);
    if (lines.ok && lines.value.length > 1)
      return lines.value.map(({ lineIndex, value }) => ({
        value,
        at: root.batchItem(lineIndex, `line ${lineIndex + 1}: `),
      }));
    parseJsonBody(body, root, json);
    return undefined;
  }
  const lines = parseNdjsonBody(body, root, json);
  if (!lines.ok) return undefined;
  return lines.value.map(({ lineIndex, value }) => ({
    value,
    at: root.batchItem(lineIndex, `line ${lineIndex + 1}: `),
  }));
}

function fromValue(value: unknown, root: Location): BodyItem[] {
  if (!Array.isArray(value)) return [{ value, at: root }];
  if (value.length === 0) {
    root.error('is an empty array; send at least one record.');
    return [];
  }
  return value.map((item: unknown, index) => ({ value: item, at: root.batchItem(index) }));
}
