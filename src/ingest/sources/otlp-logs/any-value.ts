import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, setOwn } from '../../normalizers/json-values.js';

/** Reads a field by its OTLP/JSON name (lowerCamelCase) or its proto name (snake_case). */
export function field(object: Record<string, unknown>, camel: string): unknown {
  const value = getOwn(object, camel);
  if (value !== undefined) return value;
  return getOwn(
    object,
    camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  );
}

const VALUE_KEYS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'bytesValue',
  'arrayValue',
  'kvlistValue',
] as const;

/**
 * An OTLP AnyValue (`{"stringValue": "a"}`, `{"intValue": "42"}`, arrays, key-value lists) as
 * plain JSON. int64 arrives as a string (protobuf JSON), so it stays a string when beyond
 * 2^53; an empty AnyValue is null. Problems are reported at `at`; undefined = bad.
 */
export function readAnyValue(value: unknown, at: Location, depth = 0): unknown {
  if (!isJsonObject(value)) {
    at.error(`must be an OTLP AnyValue such as {"stringValue": "…"}; got ${got(value)}.`);
    return undefined;
  }
  const keys = Object.keys(value).filter((key) =>
    VALUE_KEYS.some((k) => k === key || snake(k) === key),
  );
  if (keys.length === 0) return null;
  const [key = ''] = keys;
  const v = value[key];
  const here = at.child(key);
  switch (key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())) {
    case 'stringValue':
      if (typeof v === 'string') return v;
      break;
    case 'boolValue':
      if (typeof v === 'boolean') return v;
      break;
    case 'intValue':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      }
      break;
    case 'doubleValue':
      if (typeof v === 'number') return v;
      // Protobuf JSON writes non-finite doubles as strings; they cannot be measures.
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
      break;
    case 'bytesValue':
      if (typeof v === 'string') return v;
      break;
    case 'arrayValue': {
      const values = isJsonObject(v) ? field(v, 'values') : undefined;
      if (isJsonObject(v) && (values === undefined || Array.isArray(values))) {
        const list: readonly unknown[] = values ?? [];
        return list.map((item, i) => readAnyValue(item, here.child('values').child(i), depth + 1));
      }
      break;
    }
    case 'kvlistValue': {
      const values = isJsonObject(v) ? field(v, 'values') : undefined;
      if (isJsonObject(v) && (values === undefined || Array.isArray(values)))
        return readKeyValues(values ?? [], here.child('values'));
      break;
    }
  }
  here.error(`is not a valid ${key}; got ${got(v)}.`);
  return undefined;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `[{"key": "k", "value": AnyValue}]` (attributes, kvlist bodies) as an object. */
export function readKeyValues(list: unknown, at: Location): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    at.error(`must be a list of {"key": …, "value": …}; got ${got(list)}.`);
    return out;
  }
  const entries: readonly unknown[] = list;
  entries.forEach((entry, index) => {
    const here = at.child(index);
    if (!isJsonObject(entry) || typeof entry.key !== 'string' || entry.key === '') {
      here.error(`must be {"key": "<non-empty name>", "value": {…}}; got ${got(entry)}.`);
      return;
    }
    const value = entry.value === undefined ? null : readAnyValue(entry.value, here.child('value'));
    if (value !== undefined) setOwn(out, entry.key, value);
  });
  return out;
}

/** Nested values flattened to dotted text labels (`body.user.id`); lists become JSON text. */
export function flattenToLabels(value: unknown, name: string, out: Record<string, string>): void {
  if (value === null || value === undefined) return;
  if (isJsonObject(value)) {
    for (const [key, inner] of Object.entries(value)) flattenToLabels(inner, `${name}.${key}`, out);
    return;
  }
  setOwn(out, name, typeof value === 'string' ? value : JSON.stringify(value));
}
