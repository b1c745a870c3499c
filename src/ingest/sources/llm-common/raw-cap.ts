import type { JsonObject } from '../../normalizers/json-values.js';

/** Past this size (JSON characters) the bulky fields of a raw item are replaced by a note. */
export const RAW_LIMIT = 64 * 1024;

/**
 * The raw item, kept as sent unless it is huge: then the named fields (prompts, completions,
 * tracebacks; their text is on the event, capped) become `"[omitted: N characters]"`, so one
 * long conversation does not make every stored event megabytes large.
 */
export function capRaw(item: JsonObject, bulky: readonly string[]): JsonObject {
  if (JSON.stringify(item).length <= RAW_LIMIT) return item;
  const out: JsonObject = { ...item };
  for (const key of bulky) {
    if (!Object.hasOwn(out, key)) continue;
    const value = out[key];
    const size = typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
    if (size > 1024) out[key] = `[omitted: ${size} characters]`;
  }
  return out;
}

/** Short text for a label (error messages, comments): labels are indexed, not archives. */
export function labelText(text: string, limit = 1024): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
}
