/**
 * The replay's memory of recent event refs agrees with the plain definition (a ref taken in
 * within the window before is a repeat) on any sequence, including times that go backwards,
 * refs that come back after expiring, and tables rebuilt many times over (the sequences run to
 * a few thousand steps, and half the runs start from a table of 8 slots and columns of 4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentRefs } from '../../../src/correlate/recent-refs.js';
import { refHash } from '../../../src/correlate/routing/routed-batch.js';

/**
 * The definition: a map of ref → time, expired in intake order before each look-up (so a ref
 * forgotten once the clock has passed it stays forgotten if the clock then steps back).
 */
function reference(windowMs: number): (ref: string, now: number) => boolean {
  const seen = new Map<string, number>();
  return (ref, now) => {
    for (const [r, t] of seen) {
      if (now - t <= windowMs) break;
      seen.delete(r);
    }
    const at = seen.get(ref);
    if (at !== undefined && now - at <= windowMs) return true;
    seen.delete(ref);
    seen.set(ref, now);
    return false;
  };
}

/** The least sizes a RecentRefs starts from: tiny (many rebuilds and column growths) or as deployed. */
const SIZES = fc.constantFrom({ slots: 8, columns: 4 }, undefined);

/** Steps of (ref number, clock step), up to 2,000 long: fast-check's default size would stop at ten. */
function steps(maxRef: number): fc.Arbitrary<[number, number][]> {
  return fc.array(fc.tuple(fc.integer({ min: 0, max: maxRef }), fc.integer({ min: -5, max: 20 })), {
    maxLength: 2_000,
    size: 'max',
  });
}

describe('RecentRefs', () => {
  it('finds the same repeats as a map of ref → time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        // A size hint, right or wrong, changes when the table is rebuilt, never the answers.
        fc.integer({ min: 0, max: 5_000 }),
        SIZES,
        steps(40),
        (windowMs, expectedRefs, sizes, steps) => {
          const refs = new RecentRefs(windowMs, expectedRefs, sizes);
          const expected = reference(windowMs);
          let now = 0;
          for (const [id, dt] of steps) {
            now += dt;
            const ref = `gw/e${id}`;
            expect(refs.seen(ref, now)).toBe(expected(ref, now));
          }
        },
      ),
      {
        numRuns: 150,
        // The clock steps back after a repeat moved the window past an older ref.
        examples: [
          [
            16,
            0,
            undefined,
            [
              [7, 0],
              [4, 1],
              [4, 16],
              [7, -1],
            ],
          ],
        ],
      },
    );
  });

  it('finds the same repeats when refs come as spans of joined batch texts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 40 }),
        // A poor hash makes refs of different lengths and texts share table slots and hashes,
        // so the span comparison itself decides.
        fc.boolean(),
        SIZES,
        steps(120),
        (windowMs, batchSize, poorHash, sizes, steps) => {
          const refs = new RecentRefs(windowMs, 0, sizes);
          const expected = reference(windowMs);
          let now = 0;
          for (let at = 0; at < steps.length; at += batchSize) {
            const batch = steps.slice(at, at + batchSize);
            const names = batch.map(([id]) => `gw/e${id}`);
            const text = names.join('');
            let start = 0;
            batch.forEach(([, dt], k) => {
              now += dt;
              const ref = names[k] as string;
              const hash = poorHash ? ref.length % 3 : refHash(ref);
              const end = start + ref.length;
              expect(refs.seenSpan(text, start, end, now, hash)).toBe(expected(ref, now));
              start = end;
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds the same repeats a batch at a time (seenBatch) as ref by ref', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        SIZES,
        steps(120),
        (windowMs, expectedRefs, batchSize, poorHash, sizes, steps) => {
          const refs = new RecentRefs(windowMs, expectedRefs, sizes);
          const expected = reference(windowMs);
          let now = 0;
          for (let at = 0; at < steps.length; at += batchSize) {
            const batch = steps.slice(at, at + batchSize);
            const names = batch.map(([id]) => `gw/e${id}`);
            const ends = new Uint32Array(batch.length);
            const hashes = new Uint32Array(batch.length);
            const times = new Float64Array(batch.length);
            let end = 0;
            const answers = batch.map(([, dt], k) => {
              const ref = names[k] as string;
              now += dt;
              end += ref.length;
              ends[k] = end;
              hashes[k] = poorHash ? ref.length % 3 : refHash(ref);
              times[k] = now;
              return expected(ref, now) ? 1 : 0;
            });
            const got = refs.seenBatch(names.join(''), ends, hashes, times, batch.length);
            expect([...got]).toEqual(answers);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('remembers a million refs and forgets them as the window passes', () => {
    const refs = new RecentRefs(1_000);
    // One assertion over the loop: a million expect() calls take longer than the table.
    let repeats = 0;
    for (let i = 0; i < 1_000_000; i += 1) if (refs.seen(`gw/${i}`, 0)) repeats += 1;
    expect(repeats).toBe(0);
    expect(refs.size).toBe(1_000_000);
    expect(refs.seen('gw/999999', 1_000)).toBe(true);
    expect(refs.seen('gw/5', 1_001)).toBe(false); // expired: taken in afresh
    expect(refs.size).toBe(1);
  });
});
