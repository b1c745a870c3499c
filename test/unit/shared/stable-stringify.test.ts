import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/correlate/types/anomaly/prng.js';
import { sha256Hex, stableStringify } from '../../../src/shared/hash.js';

/** The definition stableStringify's bytes must keep: JSON of a copy with keys sorted. */
function reference(value: unknown): string {
  return JSON.stringify(sortedCopy(value));
}

function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortedCopy(v);
    }
    return out;
  }
  return value;
}

const KEYS = ['a', 'b', 'Z', 'é', '', '__proto__', '10', '2', '01', 'x y', 'k"q', '\u2028', '😀'];
const STRINGS = ['', 'plain', 'quote " and \\ slash', 'line\nbreak', '\u0000', 'é😀', '\ud800'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const kind = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return pick([0, -0, 1.5, -7, 1e21, 2 ** 53, NaN, Infinity, -Infinity]);
    case 3:
      return pick(STRINGS);
    case 4:
      return pick([undefined, () => 1, Symbol('s')]);
    case 5:
      return pick([new Date(0), new Map([[1, 2]]), Buffer.from('ab')]);
    case 6: {
      const list: unknown[] = [];
      const n = Math.floor(next() * 5);
      for (let i = 0; i < n; i += 1) list.push(randomValue(next, depth + 1));
      if (next() < 0.1) return [1, , 3]; // a hole: null in both
      return list;
    }
    default: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(next() * 6);
      for (let i = 0; i < n; i += 1) {
        const key = pick(KEYS);
        if (key === '__proto__')
          Object.defineProperty(out, key, {
            value: randomValue(next, depth + 1),
            enumerable: true,
            configurable: true,
            writable: true,
          });
        else out[key] = randomValue(next, depth + 1);
      }
      return out;
    }
  }
}

describe('stableStringify', () => {
  it('writes the bytes of JSON over a key-sorted copy, for any value', () => {
    for (let seed = 1; seed <= 3_000; seed += 1) {
      const value = randomValue(mulberry32(seed), 0);
      expect(stableStringify(value), `seed ${seed}`).toBe(reference(value));
    }
  });

  it('sorts keys at every level and leaves out what JSON has no form of', () => {
    const value = { b: [{ z: 1, a: undefined, f: () => 0 }, undefined], a: { d: null, c: 'x' } };
    expect(stableStringify(value)).toBe('{"a":{"c":"x","d":null},"b":[{"z":1},null]}');
  });

  it('puts integer-like keys first, in numeric order, as a sorted copy would', () => {
    expect(stableStringify({ b: 1, '10': 2, a: 3, '2': 4 })).toBe('{"2":4,"10":2,"a":3,"b":1}');
  });

  it('keeps a key named __proto__ as data', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    expect(stableStringify(value)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('answers like JSON.stringify for a value that is not an object', () => {
    expect(stableStringify('a"b')).toBe('"a\\"b"');
    expect(stableStringify(NaN)).toBe('null');
    expect(stableStringify(undefined)).toBeUndefined();
    expect(() => stableStringify({ n: 1n })).toThrow(TypeError);
  });
});

describe('sha256Hex', () => {
  it('is the hex sha256 of a string (as UTF-8) or of bytes', () => {
    for (const input of ['', 'abc', 'é😀', Buffer.from([0, 255, 7])]) {
      expect(sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
    }
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
