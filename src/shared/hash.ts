import { hash, timingSafeEqual } from 'node:crypto';

/** One-shot: about a third of the cost of createHash().update().digest() for short inputs. */
export function sha256Hex(input: string | Buffer): string {
  return hash('sha256', input, 'hex');
}

/**
 * JSON with object keys sorted at every level, so equal values always hash equally
 * (content-addressed event ids, approval input hashes, playbook versions, the audit chain).
 * Its bytes are stored and compared (ids, hashes), so they never change: they are exactly
 * `JSON.stringify` of the value copied with its keys sorted (`sortKeys`). Written out directly
 * here, without that copy, for the values that can be (see `writeObject`).
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return write(value);
}

/** `JSON.stringify(sortKeys(value))` for an object or array. */
function write(value: object): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      out += element(value[i]);
    }
    return out + ']';
  }
  return writeObject(value as Record<string, unknown>);
}

function writeObject(value: Record<string, unknown>): string {
  const keys = Object.keys(value).sort();
  for (const key of keys) {
    const first = key.charCodeAt(0);
    // An integer-like key comes first in a copy's key order, whatever the sort said, and an own
    // `toJSON` is called by JSON.stringify: the copy decides those objects' bytes.
    if ((first >= 48 && first <= 57) || key === 'toJSON') return JSON.stringify(sortKeys(value));
  }
  let out = '{';
  for (const key of keys) {
    const v = value[key];
    // JSON.stringify leaves out what has no JSON form in an object.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    if (out.length > 1) out += ',';
    out += quote(key) + ':' + element(v);
  }
  return out + '}';
}

/** A value inside an array or object ("null" for what JSON has no form of, as in an array). */
function element(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v !== null && typeof v === 'object') return write(v);
  return JSON.stringify(v) ?? 'null';
}

/** What JSON.stringify escapes in a string: quote, backslash, controls, lone surrogate halves. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without the call for the common string that needs no escape. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    // Null prototype: a key named __proto__ stays data and is hashed like any other.
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Short, deterministic id from parts: `prefix_<24 hex>`. Ids must not contain ':' (BullMQ). */
export function deterministicId(prefix: string, ...parts: readonly string[]): string {
  return `${prefix}_${sha256Hex(parts.join('\u0000')).slice(0, 24)}`;
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
