import type { Location } from './findings.js';
import { got, isJsonObject, setOwn } from './json-values.js';

/**
 * Reads an object whose values must all be strings (Alertmanager labels and annotations).
 * Reports every non-string value; returns undefined if the object or any value was bad.
 */
export function readStringMap(
  value: unknown,
  at: Location,
  expected: string,
): Record<string, string> | undefined {
  if (value === undefined) {
    at.error(`is required: ${expected}.`);
    return undefined;
  }
  if (!isJsonObject(value)) {
    at.error(
      `must be ${expected}; got ${got(value)}.${Array.isArray(value) ? ' Send an object such as {"alertname": "GPUHot"}, not a list.' : ''}`,
    );
    return undefined;
  }
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') {
      setOwn(out, key, v);
    } else {
      at.child(key).error(
        `must be a string; got ${got(v)}.${typeof v === 'number' || typeof v === 'boolean' ? ` Send "${String(v)}".` : ''}`,
      );
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** A string, or an error naming the fix; `optional` lets absent/null through as undefined. */
export function readString(
  value: unknown,
  at: Location,
  options: {
    readonly optional?: boolean;
    readonly nonEmpty?: boolean;
    readonly what?: string;
  } = {},
): string | undefined | null {
  if ((value === undefined || value === null) && options.optional === true) return undefined;
  if (typeof value === 'string' && (options.nonEmpty !== true || value.trim() !== '')) return value;
  const what = options.what ?? (options.nonEmpty === true ? 'a non-empty string' : 'a string');
  if (value === undefined) at.error(`is required: ${what}.`);
  else {
    const asString =
      typeof value === 'number' || typeof value === 'boolean'
        ? ` Send it as a string ("${String(value)}").`
        : '';
    at.error(`must be ${what}; got ${got(value)}.${asString}`);
  }
  return null;
}
