/**
 * Inference payloads carry tensors, images as base64 and long batches: kept whole, one request
 * could make a stored event megabytes large. `raw` keeps the payload's shape and everything
 * small; what is large is replaced by a marker that says what was there (length, shape, bytes).
 */

/** Payloads whose JSON is at most this long are kept untouched. */
export const RAW_KEEP_BYTES = 4096;
/** Inside a larger payload, arrays and strings longer than this (as JSON) are summarised. */
const PART_KEEP_BYTES = 512;

export interface TruncatedMarker {
  readonly cordon_truncated: 'array' | 'string';
  /** Elements of the array or characters of the string. */
  readonly length: number;
  /** Dimensions of a rectangular nested array (a tensor), outermost first. */
  readonly shape?: number[];
  /** Length of the JSON the marker replaces. */
  readonly bytes: number;
}

/** The value itself if small, else a copy with its large arrays and strings summarised. */
export function capRaw(value: unknown, limit = RAW_KEEP_BYTES): unknown {
  const size = jsonLength(value);
  if (size <= limit) return value;
  return capPart(value);
}

function capPart(value: unknown): unknown {
  if (typeof value === 'string') {
    const bytes = jsonLength(value);
    return bytes > PART_KEEP_BYTES
      ? ({ cordon_truncated: 'string', length: value.length, bytes } satisfies TruncatedMarker)
      : value;
  }
  if (Array.isArray(value)) {
    const bytes = jsonLength(value);
    if (bytes <= PART_KEEP_BYTES) return value;
    const shape = arrayShape(value);
    // Arrays of objects (V2 tensors, batches of records) keep their elements, each capped.
    if (shape === undefined && value.length <= 16 && value.every(isPlainObject))
      return value.map(capPart);
    return {
      cordon_truncated: 'array',
      length: value.length,
      ...(shape === undefined ? {} : { shape }),
      bytes,
    } satisfies TruncatedMarker;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      Object.defineProperty(out, key, {
        value: capPart(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

/** Shape of a nested array whose rows all have the same length (a dense tensor), else undefined. */
export function arrayShape(value: readonly unknown[]): number[] | undefined {
  const shape = [value.length];
  let level: readonly unknown[] = value;
  for (let depth = 0; depth < 32; depth += 1) {
    const first = level[0];
    if (!Array.isArray(first)) {
      return level.some((v) => Array.isArray(v) || isPlainObject(v)) ? undefined : shape;
    }
    const width = first.length;
    if (!level.every((row) => Array.isArray(row) && row.length === width)) return undefined;
    shape.push(width);
    level = level.flat<readonly unknown[]>();
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}
