/** Feature kinds of the anomaly type, each against values worked out by hand. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featureKind } from '../../../../src/correlate/types/anomaly/features/index.js';
import type { FeatureKind } from '../../../../src/correlate/types/anomaly/features/feature-kind.js';

const HOUR = 3_600_000;

function windowOf(kind: FeatureKind, values: readonly string[]): unknown {
  let acc = kind.start();
  for (const v of values) acc = kind.add(acc, () => v);
  return acc;
}

describe('input_diversity', () => {
  const kind = featureKind('input_diversity') as FeatureKind;

  it('is distinct inputs over requests with an input, exact below 256', () => {
    expect(kind.value(windowOf(kind, []), 0, undefined)).toBe(0);
    expect(kind.value(windowOf(kind, ['', '', '']), 0, undefined)).toBe(0);
    expect(kind.value(windowOf(kind, ['a', 'a', 'a', 'b']), 0, undefined)).toBe(0.5);
    // Events without an input hash do not count either way.
    expect(kind.value(windowOf(kind, ['a', '', 'b', '']), 0, undefined)).toBe(1);
  });

  it('estimates past 256 distinct inputs within a few percent, in any order', () => {
    const inputs = Array.from({ length: 20_000 }, (_, i) => `h${i % 5_000}`);
    const value = kind.value(windowOf(kind, inputs), 0, undefined);
    // 5,000 distinct of 20,000: 0.25; k = 256 gives a relative error of about 1/sqrt(254).
    expect(value).toBeGreaterThan(0.25 * 0.8);
    expect(value).toBeLessThan(0.25 * 1.2);
    fc.assert(
      fc.property(fc.shuffledSubarray(inputs, { minLength: inputs.length }), (shuffled) => {
        expect(kind.value(windowOf(kind, shuffled), 0, undefined)).toBe(value);
      }),
      { numRuns: 5 },
    );
  });
});

describe('unusual_hour', () => {
  const kind = featureKind('unusual_hour') as FeatureKind;
  const DAY = 24 * HOUR;
  const at = (hour: number, day = 0): number => Date.UTC(2026, 0, 5) + day * DAY + hour * HOUR;

  /** A group's 5-minute windows at these hours, every day for `days` days. */
  function habit(hours: readonly number[], days = 14): unknown {
    let memory: unknown;
    for (let d = 0; d < days; d += 1)
      for (const h of hours)
        for (let m = 0; m < 12; m += 1)
          memory = kind.learn?.(kind.start(), memory, at(h, d) + m * 300_000);
    return memory;
  }

  it('is the distance around the clock to the nearest usual hour', () => {
    const nightOwl = habit([23]);
    expect(kind.value(kind.start(), at(23, 20), nightOwl)).toBe(0);
    // 23:00 and 01:00 are two hours apart, not 22.
    expect(kind.value(kind.start(), at(1, 20), nightOwl)).toBe(2);
    expect(kind.value(kind.start(), at(11, 20), nightOwl)).toBe(12);
    const office = habit([8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(kind.value(kind.start(), at(13, 20), office)).toBe(0);
    expect(kind.value(kind.start(), at(3, 20), office)).toBe(5);
    expect(kind.value(kind.start(), at(20, 20), office)).toBe(3);
  });

  it('is 0 with nothing learned and for a group active around the clock', () => {
    expect(kind.value(kind.start(), at(3), undefined)).toBe(0);
    const always = habit(
      Array.from({ length: 24 }, (_, h) => h),
      3,
    );
    for (let h = 0; h < 24; h += 1) expect(kind.value(kind.start(), at(h, 5), always)).toBe(0);
  });

  it('learns a new shift within weeks as old days decay', () => {
    let memory = habit([9], 14) as [number, number[]];
    for (let d = 14; d < 60; d += 1)
      for (let m = 0; m < 12; m += 1)
        memory = kind.learn?.(kind.start(), memory, at(21, d) + m * 300_000) as [number, number[]];
    expect(kind.value(kind.start(), at(21, 61), memory)).toBe(0);
    // After 46 days at 21:00, 09:00 holds under 2 % of the weight.
    expect(kind.value(kind.start(), at(9, 61), memory)).toBe(12);
  });
});
