import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal values always hash equally
 * (content-addressed event ids, approval input hashes, playbook versions).
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
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
