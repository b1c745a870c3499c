/** Helpers for reading untrusted, already-parsed JSON and describing bad values in reasons. */

export type JsonObject = Record<string, unknown>;

/** Reasons quote bad values; long ones are cut so an error response stays readable. */
export const QUOTE_LIMIT = 80;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an own property only: a sender's `{"constructor": ...}`-free object must not yield
 * `Object.prototype.constructor` when we look up a name it did not send.
 */
export function getOwn(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Defines an own property, so a sender's `__proto__` key becomes data, not a prototype. */
export function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export function truncate(text: string, limit = QUOTE_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
}

/** `"abc"`, `4417 (a number)`, `an array ["a","b"]`, `null`: the value as a sender would recognise it. */
export function got(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value === '' ? '"" (an empty string)' : JSON.stringify(truncate(value));
  if (typeof value === 'number') return `${value} (a number)`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  const json = truncate(safeJson(value));
  return Array.isArray(value) ? `an array ${json}` : `an object ${json}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
