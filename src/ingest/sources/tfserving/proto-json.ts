import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * proto3 JSON readers. Parsers accept a field under its lowerCamelCase JSON name or its
 * original snake_case proto name, and int64 as a string (the canonical rendering) or a
 * number, so we do too.
 */

/** The field under its JSON name or its proto name, with the key it was found under. */
export function field(
  object: JsonObject,
  jsonName: string,
): { readonly value: unknown; readonly key: string } {
  if (Object.hasOwn(object, jsonName)) return { value: object[jsonName], key: jsonName };
  const protoName = jsonName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (Object.hasOwn(object, protoName)) return { value: object[protoName], key: protoName };
  return { value: undefined, key: jsonName };
}

/** A message field: an object, or absent (`null` is proto3 JSON for "not set"). */
export function message(
  object: JsonObject,
  jsonName: string,
  at: Location,
): JsonObject | undefined | null {
  const { value, key } = field(object, jsonName);
  if (value === undefined || value === null) return undefined;
  if (isJsonObject(value)) return value;
  at.child(key).error(`must be a ${jsonName} message (a JSON object); got ${got(value)}.`);
  return null;
}

/** int64 (or an `Int64Value` wrapper, also as `{"value": …}`) as its decimal text. */
export function int64Text(value: unknown): string | undefined {
  const inner = isJsonObject(value) ? getOwn(value, 'value') : value;
  if (typeof inner === 'string' && /^-?\d{1,19}$/.test(inner)) return inner;
  if (typeof inner === 'number' && Number.isSafeInteger(inner)) return String(inner);
  return undefined;
}
