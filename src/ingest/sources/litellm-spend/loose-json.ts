import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { INVALID } from '../llm-common/field-readers.js';
import type { Read } from '../llm-common/field-readers.js';

/**
 * SpendLogs JSON columns (`metadata`, `request_tags`, `messages`, `response`) come back as
 * objects from LiteLLM's API but as JSON text from SQL exports (`psql -c "… row_to_json"`,
 * CSV tools). Both are the same data, so a string is parsed here rather than refused.
 * Returns the value (parsed if it was JSON text), undefined when absent/empty.
 */
export function readJsonColumn(object: JsonObject, key: string): unknown {
  const value = getOwn(object, key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^\s*[[{"]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** `metadata`: an object or an object in JSON text; anything else refuses the row. */
export function readMetadataColumn(object: JsonObject, at: Location): Read<JsonObject> {
  const value = readJsonColumn(object, 'metadata');
  if (value === undefined) return undefined;
  if (isJsonObject(value)) return value;
  const raw = getOwn(object, 'metadata');
  const detail =
    typeof raw === 'string' && typeof value === 'string' && /^\s*\{/.test(raw)
      ? ' It looks like JSON text, but it does not parse (cut short?).'
      : '';
  at.child('metadata').error(
    `must be a JSON object (or that object as JSON text); got ${got(raw)}.${detail}`,
  );
  return INVALID;
}

/** `request_tags`: an array of strings (or it as JSON text) → "a,b". */
export function readTagsColumn(object: JsonObject, at: Location): Read<string> {
  const value = readJsonColumn(object, 'request_tags');
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((tag) => typeof tag === 'string'))
    return value.length > 0 ? value.join(',') : undefined;
  at.child('request_tags').error(
    `must be an array of strings (or that array as JSON text); got ${got(getOwn(object, 'request_tags'))}.`,
  );
  return INVALID;
}
