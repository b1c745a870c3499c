import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * Located, typed reads from one object of a sender's payload. Identity logs are full of
 * optional fields that vendors send as null when unset, so null and absent both read as
 * undefined; a value of the wrong type is reported at its own path (rejecting the item) and
 * also reads as undefined, so the caller carries on and every problem is found in one pass.
 */
export class Fields {
  constructor(
    readonly object: JsonObject,
    readonly at: Location,
  ) {}

  /** Wraps `value` if it is an object; reports `expected` at `at` otherwise. */
  static of(value: unknown, at: Location, expected: string): Fields | undefined {
    if (isJsonObject(value)) return new Fields(value, at);
    at.error(`must be ${expected}; got ${got(value)}.`);
    return undefined;
  }

  value(key: string): unknown {
    return getOwn(this.object, key);
  }

  has(key: string): boolean {
    const value = this.value(key);
    return value !== undefined && value !== null;
  }

  loc(key: string): Location {
    return this.at.child(key);
  }

  /** A nested object; absent/null → undefined, anything else → located error. */
  obj(key: string, expected = 'an object'): Fields | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (isJsonObject(value)) return new Fields(value, this.loc(key));
    const stringified =
      typeof value === 'string' && /^\s*\{/.test(value)
        ? ' It is a string holding JSON: send the object itself, not JSON.stringify of it.'
        : '';
    this.loc(key).error(`must be ${expected}; got ${got(value)}.${stringified}`);
    return undefined;
  }

  /** A string; absent/null → undefined; numbers and booleans are reported with the fix. */
  str(key: string, what = 'a string'): string | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    const quote =
      typeof value === 'number' || typeof value === 'boolean'
        ? ` Send it as a string ("${String(value)}").`
        : '';
    this.loc(key).error(`must be ${what}; got ${got(value)}.${quote}`);
    return undefined;
  }

  /** A finite number; absent/null → undefined; a numeric string is reported with the fix. */
  num(key: string, what = 'a number'): number | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    const unquote =
      typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? ` Send ${value.trim()} without quotes.`
        : '';
    this.loc(key).error(`must be ${what}; got ${got(value)}.${unquote}`);
    return undefined;
  }

  /** A boolean; absent/null → undefined; "true"/"false" strings are reported with the fix. */
  bool(key: string): boolean | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    const fix = value === 'true' || value === 'false' ? ` Send ${value} without quotes.` : '';
    this.loc(key).error(`must be true or false; got ${got(value)}.${fix}`);
    return undefined;
  }

  /** An array; absent/null → undefined. */
  list(key: string, expected = 'an array'): readonly unknown[] | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value as unknown[];
    this.loc(key).error(`must be ${expected}; got ${got(value)}.`);
    return undefined;
  }
}
