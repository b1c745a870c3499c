import type { Location } from '../../normalizers/findings.js';
import { sha256Hex } from '../../../shared/hash.js';
import { parseIp } from '../../normalizers/ip.js';
import { isNoAddress } from '../../normalizers/no-address.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';

/**
 * Typed reads of one field of a payload object. Each returns undefined when the field is
 * absent or null (senders write null for "not set") and `INVALID` after reporting a wrong
 * value at `at.child(key)`, so callers can tell "leave it out" from "refuse the item".
 */
export const INVALID = Symbol('invalid');
export type Read<T> = T | undefined | typeof INVALID;

function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** A string; `""` counts as absent (LiteLLM writes "" for unset ids and aliases). */
export function readText(object: JsonObject, key: string, at: Location): Read<string> {
  const value = getOwn(object, key);
  if (absent(value) || value === '') return undefined;
  if (typeof value === 'string') return value;
  const hint =
    typeof value === 'number' || typeof value === 'boolean'
      ? ` Send it as a string ("${String(value)}").`
      : '';
  at.child(key).error(`must be a string; got ${got(value)}.${hint}`);
  return INVALID;
}

/** A count (tokens): a whole number ≥ 0. Quoted numbers are refused with the fix. */
export function readCount(object: JsonObject, key: string, at: Location): Read<number> {
  const value = getOwn(object, key);
  if (absent(value)) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  at.child(key).error(`must be a whole number ≥ 0; got ${got(value)}.${numberHint(value)}`);
  return INVALID;
}

/** An amount (cost in USD, seconds): a finite number ≥ 0. */
export function readAmount(
  object: JsonObject,
  key: string,
  at: Location,
  what: string,
): Read<number> {
  const value = getOwn(object, key);
  if (absent(value)) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  at.child(key).error(`must be ${what} (a number ≥ 0); got ${got(value)}.${numberHint(value)}`);
  return INVALID;
}

function numberHint(value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return ` Send ${value.trim()} without quotes.`;
  if (typeof value === 'number' && value < 0) return ' Negative values are not possible here.';
  if (typeof value === 'number' && !Number.isInteger(value)) return ' Send a whole number.';
  return '';
}

/** A nested object; a JSON object serialised into a string is refused with that diagnosis. */
export function readObject(object: JsonObject, key: string, at: Location): Read<JsonObject> {
  const value = getOwn(object, key);
  if (absent(value)) return undefined;
  if (isJsonObject(value)) return value;
  at.child(key).error(`must be a JSON object; got ${got(value)}.${stringifiedHint(value)}`);
  return INVALID;
}

export function stringifiedHint(value: unknown): string {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return '';
  return ' It holds JSON serialised into a string (double-encoded); send the object itself, not a string.';
}

/** A boolean, or the strings "true"/"false" (any case) that SQL exports write. */
export function readFlag(object: JsonObject, key: string, at: Location): Read<boolean> {
  const value = getOwn(object, key);
  if (absent(value) || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  at.child(key).error(`must be true or false; got ${got(value)}.`);
  return INVALID;
}

/**
 * A client IP. A wrong JSON type refuses the item (the payload is not the sender's shape); a
 * string that is no address only drops the field with a warning, since gateways copy it from
 * headers such as X-Forwarded-For and the call itself still happened.
 */
export function readIp(object: JsonObject, key: string, at: Location): Read<string> {
  const text = readText(object, key, at);
  if (text === undefined || text === INVALID) return text;
  // X-Forwarded-For lists hops client-first.
  const first = text.split(',')[0] ?? '';
  if (isNoAddress(first)) return undefined;
  const parsed = parseIp(first);
  if (parsed.ok) return parsed.ip;
  at.child(key).warn(`${parsed.reason} The IP was left out of the event.`);
  return undefined;
}

/** Sets `key` in `target` when the value is a real one. */
export function put<T>(
  target: Record<string, T>,
  key: string,
  value: T | undefined | typeof INVALID,
): void {
  if (value !== undefined && value !== INVALID) target[key] = value;
}

/**
 * An API key identity for `entity.api_key`, which must never hold a secret. LiteLLM logs the
 * SHA-256 hex of virtual keys; a value that still looks like a raw key (`sk-…`) is replaced by
 * that same hash, so it matches the hashed form other events carry, and the sender is warned.
 */
export function readKeyHash(object: JsonObject, key: string, at: Location): Read<string> {
  const text = readText(object, key, at);
  if (text === undefined || text === INVALID || !/^sk-/i.test(text)) return text;
  at.child(key).warn(
    'looks like a raw API key, not its hash; Cordon stored its SHA-256 instead. Turn on key hashing (or redaction) in the sender.',
  );
  return sha256Hex(text);
}

/**
 * Refuses an object that has none of the keys every payload of the format carries: it is some
 * other sender's JSON (a misrouted webhook), and turning it into an empty event would hide that.
 */
export function requireAnyOf(
  object: JsonObject,
  keys: readonly string[],
  at: Location,
  what: string,
): boolean {
  if (keys.some((key) => getOwn(object, key) !== undefined)) return true;
  at.error(
    `does not look like ${what}: it has none of ${keys.map((k) => `"${k}"`).join(', ')}. Check that this sender posts to the right source.`,
  );
  return false;
}
