import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * Field readers for report values. `null` counts as missing everywhere: it is what the
 * NaN/Infinity pre-pass leaves, and what Evidently writes for a metric it could not compute.
 */
export function readNumber(
  object: JsonObject,
  key: string,
  at: Location,
  check: { readonly share?: boolean; readonly count?: boolean } = {},
): number | undefined {
  const value = getOwn(object, key);
  if (value === undefined || value === null) return undefined;
  return checkNumber(value, at.child(key), check);
}

export function checkNumber(
  value: unknown,
  at: Location,
  check: { readonly share?: boolean; readonly count?: boolean } = {},
): number | undefined {
  if (typeof value !== 'number') {
    const unquote =
      typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? ` Send ${value} without quotes.`
        : '';
    at.error(`must be a number; got ${got(value)}.${unquote}`);
    return undefined;
  }
  if (check.share === true && (value < 0 || value > 1)) {
    at.error(`must be a share between 0 and 1; got ${value}. A percentage must be divided by 100.`);
    return undefined;
  }
  if (check.count === true && (value < 0 || !Number.isInteger(value))) {
    at.error(`must be a whole number of at least 0; got ${value}.`);
    return undefined;
  }
  return value;
}

export function readBoolean(object: JsonObject, key: string, at: Location): boolean | undefined {
  const value = getOwn(object, key);
  if (value === undefined || value === null || typeof value === 'boolean')
    return value ?? undefined;
  const hint = value === 'true' || value === 'false' ? ` Send ${value} without quotes.` : '';
  at.child(key).error(`must be true or false; got ${got(value)}.${hint}`);
  return undefined;
}

export function readText(object: JsonObject, key: string, at: Location): string | undefined {
  const value = getOwn(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  at.child(key).error(`must be a string; got ${got(value)}.`);
  return undefined;
}
