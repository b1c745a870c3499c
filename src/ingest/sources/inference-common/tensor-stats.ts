/**
 * Count, min, max and mean of one numeric binary tensor (Open Inference V2 extension), read
 * in place from its little-endian bytes. Bounded: a payload's tensors share a budget of
 * MAX_STAT_ELEMENTS elements (a tensor past it gets no statistics), so a large image batch
 * costs a bounded loop, not a copy. NaN and infinities are left out of min, max and mean
 * (`finite` says how many were used); a tensor without a finite value has none of the three.
 */
export interface TensorStats {
  readonly count: number;
  readonly finite: number;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
}

/** Elements read for statistics per payload, all tensors together. */
export const MAX_STAT_ELEMENTS = 1_048_576;

type Reader = (bytes: Buffer, offset: number) => number;

const READERS: Readonly<Record<string, readonly [number, Reader]>> = {
  BOOL: [1, (b, o) => (b[o] === 0 ? 0 : 1)],
  UINT8: [1, (b, o) => b.readUInt8(o)],
  INT8: [1, (b, o) => b.readInt8(o)],
  UINT16: [2, (b, o) => b.readUInt16LE(o)],
  INT16: [2, (b, o) => b.readInt16LE(o)],
  FP16: [2, (b, o) => halfToNumber(b.readUInt16LE(o))],
  // bfloat16 is the top half of a float32.
  BF16: [2, (b, o) => float32Of(b.readUInt16LE(o) << 16)],
  UINT32: [4, (b, o) => b.readUInt32LE(o)],
  INT32: [4, (b, o) => b.readInt32LE(o)],
  FP32: [4, (b, o) => b.readFloatLE(o)],
  // 64-bit integers past 2^53 lose precision as numbers: fine for min/max/mean.
  UINT64: [8, (b, o) => Number(b.readBigUInt64LE(o))],
  INT64: [8, (b, o) => Number(b.readBigInt64LE(o))],
  FP64: [8, (b, o) => b.readDoubleLE(o)],
};

/** Whether statistics are taken for tensors of this datatype (numbers; not BYTES). */
export function hasStats(datatype: string): boolean {
  return Object.hasOwn(READERS, datatype);
}

/** Statistics of `elements` values of `datatype` from `bytes` (exactly elements × width long). */
export function tensorStats(bytes: Buffer, datatype: string, elements: number): TensorStats {
  const entry = READERS[datatype];
  if (entry === undefined) return { count: elements, finite: 0 };
  const [width, read] = entry;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  for (let i = 0, o = 0; i < elements; i += 1, o += width) {
    const v = read(bytes, o);
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite += 1;
  }
  if (finite === 0) return { count: elements, finite };
  const mean = sum / finite;
  return {
    count: elements,
    finite,
    min,
    max,
    // A sum of large values may overflow to Infinity: no mean rather than a wrong one.
    ...(Number.isFinite(mean) ? { mean } : {}),
  };
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function float32Of(bits: number): number {
  U32[0] = bits >>> 0;
  return F32[0] ?? Number.NaN;
}

/** IEEE 754 half precision to a number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Statistics of a tensor sent as JSON (`data` of an Open Inference V2 tensor: flat, or nested
 * row-major arrays), the same figures as the binary reading, within `budget` elements (the
 * payload's remaining share of MAX_STAT_ELEMENTS). BOOL counts true as 1. Undefined when the
 * datatype has no statistics or the data is past the budget, which is then left as it was;
 * otherwise the budget is charged with the elements read.
 */
export function jsonTensorStats(
  data: unknown,
  datatype: string,
  budget: { remaining: number },
): TensorStats | undefined {
  if (!hasStats(datatype)) return undefined;
  const bool = datatype === 'BOOL';
  let count = 0;
  let finite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  // An explicit stack of (array, next index): nesting comes from the sender and must not grow
  // the call stack, and a long array is walked in place, not copied.
  const arrays: unknown[][] = [[data]];
  const next: number[] = [0];
  while (arrays.length > 0) {
    const top = arrays.length - 1;
    const array = arrays[top] as unknown[];
    const i = next[top] as number;
    if (i >= array.length) {
      arrays.pop();
      next.pop();
      continue;
    }
    next[top] = i + 1;
    const item = array[i];
    if (Array.isArray(item)) {
      arrays.push(item);
      next.push(0);
      continue;
    }
    count += 1;
    if (count > budget.remaining) return undefined;
    const v = typeof item === 'number' ? item : bool && typeof item === 'boolean' ? +item : NaN;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite += 1;
  }
  budget.remaining -= count;
  if (finite === 0) return { count, finite };
  const mean = sum / finite;
  return { count, finite, min, max, ...(Number.isFinite(mean) ? { mean } : {}) };
}
