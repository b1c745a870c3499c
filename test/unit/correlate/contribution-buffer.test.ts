import { describe, expect, it } from 'vitest';
import {
  ContributionBuffer,
  compareContributions,
  decodeContributions,
  encodeContributions,
} from '../../../src/correlate/engine/contribution-buffer.js';
import type { Contribution } from '../../../src/correlate/engine/runtime.js';
import { mulberry32 as prng } from '../../../src/correlate/types/anomaly/prng.js';

const T0 = 1_767_225_600_000;

function contribution(random: () => number, n: number): Contribution {
  const kind = random();
  return {
    t: T0 + Math.floor(random() * 50) * 1000,
    ref: `src/e${n}`,
    input: Math.floor(random() * 3),
    // Mostly no value, so the value column appears part-way through a buffer's life.
    value: kind < 0.6 ? undefined : kind < 0.8 ? Math.round(random() * 1e6) / 100 : `v${n % 7}`,
    late: random() < 0.2,
  };
}

/** The buffer's behaviour, written the obvious way: a sorted array of the objects. */
class Reference {
  items: Contribution[] = [];
  insert(c: Contribution): number {
    let i = 0;
    while (i < this.items.length && compareContributions(this.items[i] as Contribution, c) < 0)
      i += 1;
    this.items.splice(i, 0, c);
    return i;
  }
  lowerBound(t: number): number {
    const i = this.items.findIndex((c) => c.t >= t);
    return i < 0 ? this.items.length : i;
  }
  upperBound(t: number): number {
    const i = this.items.findIndex((c) => c.t > t);
    return i < 0 ? this.items.length : i;
  }
}

describe('ContributionBuffer', () => {
  it('keeps (time, ref) order and every field through inserts and removals, as a sorted array would', () => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const random = prng(seed);
      const buf = new ContributionBuffer();
      const ref = new Reference();
      for (let n = 0; n < 400; n += 1) {
        const op = random();
        if (op < 0.7) {
          const c = contribution(random, n);
          expect(buf.insert(c), `seed ${seed}`).toBe(ref.insert(c));
        } else if (op < 0.85) {
          const k = Math.floor(random() * 4);
          buf.dropFront(k);
          ref.items.splice(0, k);
        } else if (op < 0.9 && ref.items.length > 0) {
          const from = Math.floor(random() * ref.items.length);
          const to = from + Math.floor(random() * 3);
          buf.removeRange(from, to);
          ref.items.splice(from, Math.max(0, to - from));
        } else if (op < 0.95 && ref.items.length > 0) {
          const gone = (ref.items[Math.floor(random() * ref.items.length)] as Contribution).ref;
          expect(buf.removeRef(gone), `seed ${seed}`).toEqual(
            ref.items.filter((c) => c.ref === gone),
          );
          ref.items = ref.items.filter((c) => c.ref !== gone);
        } else {
          const t = T0 + Math.floor(random() * 50) * 1000;
          expect(buf.lowerBound(t), `seed ${seed}`).toBe(ref.lowerBound(t));
          expect(buf.upperBound(t), `seed ${seed}`).toBe(ref.upperBound(t));
        }
        expect(buf.length, `seed ${seed}`).toBe(ref.items.length);
      }
      expect(buf.toArray(), `seed ${seed}`).toEqual(ref.items);
      // A checkpoint read off the columns is the one the objects would give, and reads back.
      expect(buf.encode(), `seed ${seed}`).toEqual(encodeContributions(ref.items));
      expect(decodeContributions(buf.encode()), `seed ${seed}`).toEqual(ref.items);
      expect(buf.first()).toEqual(ref.items[0]);
      expect(buf.last()).toEqual(ref.items[ref.items.length - 1]);
      for (let i = 0; i < buf.length; i += 1)
        expect(buf.timeAt(i)).toBe((ref.items[i] as Contribution).t);
    }
  });

  it('reclaims the front in bulk and stays correct across it', () => {
    const buf = new ContributionBuffer();
    for (let n = 0; n < 5000; n += 1)
      buf.insert({ t: T0 + n, ref: `r${n}`, input: n % 2, value: n, late: n % 3 === 0 });
    buf.dropFront(3000); // past the bulk-reclaim threshold
    expect(buf.length).toBe(2000);
    expect(buf.at(0)).toEqual({ t: T0 + 3000, ref: 'r3000', input: 0, value: 3000, late: true });
    expect(buf.lowerBound(T0 + 4000)).toBe(1000);
    expect(buf.slice(1998)).toEqual([
      { t: T0 + 4998, ref: 'r4998', input: 0, value: 4998, late: true },
      { t: T0 + 4999, ref: 'r4999', input: 1, value: 4999, late: false },
    ]);
  });

  it('starts afresh once emptied from the front, values and all', () => {
    const buf = new ContributionBuffer([
      { t: T0, ref: 'a', input: 0, value: 'x', late: false },
      { t: T0 + 1, ref: 'b', input: 1, value: undefined, late: true },
    ]);
    buf.dropFront(2);
    expect(buf.length).toBe(0);
    expect(buf.first()).toBeUndefined();
    buf.insert({ t: T0 + 5, ref: 'c', input: 0, value: undefined, late: false });
    expect(buf.toArray()).toEqual([
      { t: T0 + 5, ref: 'c', input: 0, value: undefined, late: false },
    ]);
  });

  it('puts an event counted for two inputs before its twin, or after it when asked', () => {
    const first = { t: T0, ref: 'e', input: 0, value: undefined, late: false };
    const twin = { ...first, input: 1 };
    const later = { t: T0 + 1, ref: 'f', input: 0, value: undefined, late: false };
    const before = new ContributionBuffer([first, later]);
    expect(before.insert(twin)).toBe(0);
    expect(before.toArray().map((c) => c.input)).toEqual([1, 0, 0]);
    const after = new ContributionBuffer([first, later]);
    expect(after.insert(twin, true)).toBe(1);
    expect(after.toArray().map((c) => c.input)).toEqual([0, 1, 0]);
    const alone = new ContributionBuffer([first]);
    expect(alone.insert(twin, true)).toBe(1);
    expect(alone.toArray().map((c) => c.input)).toEqual([0, 1]);
  });

  it('removes every element of a ref (an event counted for two inputs), wherever they sit', () => {
    const buf = new ContributionBuffer([
      { t: T0, ref: 'a', input: 0, value: undefined, late: false },
      { t: T0 + 1, ref: 'e', input: 0, value: 3, late: false },
      { t: T0 + 1, ref: 'e', input: 1, value: 3, late: true },
      { t: T0 + 2, ref: 'f', input: 0, value: undefined, late: false },
    ]);
    expect(buf.removeRef('e').map((c) => c.input)).toEqual([0, 1]);
    expect(buf.toArray().map((c) => c.ref)).toEqual(['a', 'f']);
    expect(buf.removeRef('a')).toHaveLength(1); // the front
    expect(buf.removeRef('nothing')).toEqual([]);
    expect(buf.toArray().map((c) => c.ref)).toEqual(['f']);
  });

  it('hands out copies: changing what it returned changes nothing inside', () => {
    const buf = new ContributionBuffer([{ t: T0, ref: 'a', input: 0, value: 1, late: false }]);
    const got = buf.at(0) as { value: unknown };
    got.value = 99;
    expect(buf.at(0).value).toBe(1);
  });
});
