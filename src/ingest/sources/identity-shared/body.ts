import type { Location } from '../../normalizers/findings.js';
import { isNdjsonContentType } from '../../normalizers/ndjson-type.js';
import { parseJsonBody, parseNdjsonBody } from '../../normalizers/parse-json-body.js';
import type { NdjsonLine } from '../../normalizers/parse-json-body.js';
import type { SourceRequest } from '../source-kind.js';

export type Body =
  | { readonly form: 'json'; readonly value: unknown }
  | { readonly form: 'ndjson'; readonly lines: readonly NdjsonLine[] };

/** Parses a JSON body (or NDJSON when the content type says so); body errors go to `root`. */
export function parseBody(
  request: SourceRequest,
  root: Location,
  expected: string,
  maxDepth: number | undefined,
): Body | undefined {
  if (isNdjsonContentType(request.contentType)) {
    const parsed = parseNdjsonBody(request.body, root, { expected, maxDepth });
    return parsed.ok ? { form: 'ndjson', lines: parsed.value } : undefined;
  }
  const parsed = parseJsonBody(request.body, root, {
    expected,
    maxDepth,
    trailingContentHint:
      'Several JSON documents in one body? Send a JSON array, or NDJSON with Content-Type application/x-ndjson.',
  });
  return parsed.ok ? { form: 'json', value: parsed.value } : undefined;
}
