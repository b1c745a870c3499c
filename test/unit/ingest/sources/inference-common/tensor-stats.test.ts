/** Statistics of binary tensors, read in place, against typed arrays' own reading of the bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  halfToNumber,
  jsonTensorStats,
  tensorStats,
} from '../../../../../src/ingest/sources/inference-common/tensor-stats.js';

const TYPED: Record<string, (buffer: ArrayBuffer) => ArrayLike<number | bigint>> = {
  UINT8: (b) => new Uint8Array(b),
  INT8: (b) => new Int8Array(b),
  UINT16: (b) => new Uint16Array(b),
  INT16: (b) => new Int16Array(b),
  UINT32: (b) => new Uint32Array(b),
  INT32: (b) => new Int32Array(b),
  FP32: (b) => new Float32Array(b),
  FP64: (b) => new Float64Array(b),
  INT64: (b) => new BigInt64Array(b),
  UINT64: (b) => new BigUint64Array(b),
};
const WIDTH: Record<string, number> = {
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  FP64: 8,
  INT64: 8,
  UINT64: 8,
};

describe('tensorStats', () => {
  it('agrees with a typed-array reading of the same little-endian bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(TYPED)),
        fc.integer({ min: 0, max: 40 }),
        fc.uint8Array({ minLength: 320, maxLength: 320 }),
        (datatype, elements, random) => {
          const width = WIDTH[datatype]!;
          const bytes = Buffer.from(random.buffer, 0, elements * width);
          const copy = new Uint8Array(bytes).buffer; // aligned, for the typed array
          const values = Array.from(TYPED[datatype]!(copy), Number).filter(Number.isFinite);
          const stats = tensorStats(bytes, datatype, elements);
          expect(stats.count).toBe(elements);
          expect(stats.finite).toBe(values.length);
          if (values.length === 0) {
            expect(stats.min).toBeUndefined();
            return;
          }
          expect(stats.min).toBe(Math.min(...values));
          expect(stats.max).toBe(Math.max(...values));
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          if (Number.isFinite(mean)) expect(stats.mean).toBe(mean);
          else expect(stats.mean).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads half precision and bfloat16', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000].map(halfToNumber)).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      -0,
    ]);
    expect(halfToNumber(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToNumber(0x7e00)).toBeNaN();
    const half = Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7e]); // 1, -2, NaN
    expect(tensorStats(half, 'FP16', 3)).toEqual({
      count: 3,
      finite: 2,
      min: -2,
      max: 1,
      mean: -0.5,
    });
    const bf = Buffer.alloc(4);
    bf.writeUInt16LE(0x3f80, 0); // 1.0
    bf.writeUInt16LE(0x4040, 2); // 3.0
    expect(tensorStats(bf, 'BF16', 2)).toEqual({ count: 2, finite: 2, min: 1, max: 3, mean: 2 });
    expect(tensorStats(Buffer.from([0, 2, 1]), 'BOOL', 3)).toMatchObject({ min: 0, max: 1 });
  });
});

describe('jsonTensorStats', () => {
  it('agrees with the binary reading of the same values, flat or nested', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: false }), { minLength: 0, maxLength: 64 }),
        fc.integer({ min: 1, max: 4 }),
        (values, rowLength) => {
          const f32 = Float32Array.from(values);
          const numbers = [...f32];
          const nested: number[][] = [];
          for (let i = 0; i < numbers.length; i += rowLength)
            nested.push(numbers.slice(i, i + rowLength));
          const binary = tensorStats(Buffer.from(f32.buffer), 'FP32', f32.length);
          expect(jsonTensorStats(numbers, 'FP32', { remaining: 1e6 })).toEqual(binary);
          expect(jsonTensorStats(nested, 'FP32', { remaining: 1e6 })).toEqual(binary);
        },
      ),
    );
  });

  it('counts booleans, leaves out what is not a finite number, and keeps to the budget', () => {
    expect(jsonTensorStats([true, false, true], 'BOOL', { remaining: 10 })).toEqual({
      count: 3,
      finite: 3,
      min: 0,
      max: 1,
      mean: 2 / 3,
    });
    expect(jsonTensorStats([1, 'x', null, 3], 'INT32', { remaining: 10 })).toEqual({
      count: 4,
      finite: 2,
      min: 1,
      max: 3,
      mean: 2,
    });
    expect(jsonTensorStats(['a'], 'BYTES', { remaining: 10 })).toBeUndefined();
    const budget = { remaining: 5 };
    expect(jsonTensorStats([1, 2, 3], 'INT8', budget)?.count).toBe(3);
    expect(budget.remaining).toBe(2);
    // Past the budget: no statistics, and the budget is left for smaller tensors.
    expect(jsonTensorStats([1, 2, 3], 'INT8', budget)).toBeUndefined();
    expect(budget.remaining).toBe(2);
    // Deep nesting is walked without recursion.
    let deep: unknown = [7];
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(jsonTensorStats(deep, 'INT64', { remaining: 10 })).toEqual({
      count: 1,
      finite: 1,
      min: 7,
      max: 7,
      mean: 7,
    });
  });
});
