import { NDJSON_CONTENT_TYPES } from './generic.js';

/** The request says NDJSON (`application/x-ndjson`, `application/jsonl`, `…/json-lines`). */
export function isNdjsonContentType(contentType: string): boolean {
  return (NDJSON_CONTENT_TYPES as readonly string[]).includes(contentType);
}
