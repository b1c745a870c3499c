import type { Location } from '../../normalizers/findings.js';
import { NDJSON_CONTENT_TYPES } from '../../normalizers/generic.js';
import { got } from '../../normalizers/json-values.js';
import { parseJsonBody, parseNdjsonBody } from '../../normalizers/parse-json-body.js';

export interface JsonItem {
  readonly value: unknown;
  readonly at: Location;
}

export const JSON_AND_NDJSON = ['application/json', ...NDJSON_CONTENT_TYPES] as const;

/**
 * A body of documents: one JSON object, a JSON array of them (each a batch item), or NDJSON
 * (each line a batch item, reasons prefixed with the line number). Body-level problems are
 * reported at `root` and give no items.
 */
export function readJsonItems(
  body: Buffer,
  contentType: string,
  root: Location,
  options: { readonly expected: string; readonly maxDepth?: number | undefined },
): JsonItem[] {
  if ((NDJSON_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    const parsed = parseNdjsonBody(body, root, options);
    if (!parsed.ok) return [];
    return parsed.value.map(({ lineIndex, value }) => ({
      value,
      at: root.batchItem(lineIndex, `line ${lineIndex + 1}: `),
    }));
  }
  const parsed = parseJsonBody(body, root, {
    ...options,
    trailingContentHint:
      'Several JSON documents in one body? Send a JSON array, or NDJSON with Content-Type application/x-ndjson.',
  });
  if (!parsed.ok) return [];
  const value = parsed.value;
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    if (list.length === 0) root.error(`is an empty array; send ${options.expected}.`);
    return list.map((item, index) => ({ value: item, at: root.batchItem(index) }));
  }
  if (typeof value !== 'object' || value === null) {
    root.error(`must be ${options.expected}; got ${got(value)}.`);
    return [];
  }
  return [{ value, at: root }];
}

/** The `line n: ` prefix of an NDJSON item's reasons, for locations built under it. */
export function linePrefix(contentType: string, at: Location): string {
  const ndjson = (NDJSON_CONTENT_TYPES as readonly string[]).includes(contentType);
  return ndjson && at.itemIndex !== undefined ? `line ${at.itemIndex + 1}: ` : '';
}
