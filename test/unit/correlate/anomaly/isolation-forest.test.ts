import { describe, expect, it } from 'vitest';
import {
  averagePathLength,
  isolationScore,
  pathLength,
  scoreOf,
} from '../../../../src/correlate/types/anomaly/isolation-forest.js';
import { mulberry32 } from '../../../../src/correlate/types/anomaly/prng.js';

describe('isolation forest (Liu et al. 2008)', () => {
  it('c(n) is 2·H(n−1) − 2(n−1)/n with exact harmonic numbers', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBeCloseTo(1, 12);
    // 2·(1 + 1/2) − 4/3
    expect(averagePathLength(3)).toBeCloseTo(5 / 3, 12);
    // 2·(1 + 1/2 + 1/3) − 6/4
    expect(averagePathLength(4)).toBeCloseTo(11 / 3 - 1.5, 12);
    // Large n approaches the paper's 2(ln(n−1) + γ) − 2(n−1)/n.
    const n = 256;
    expect(averagePathLength(n)).toBeCloseTo(
      2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n,
      2,
    );
  });

  it('s = 2^(−E(h)/c(ψ)): 0.5 at the average path, 1 at zero, → 0 deep', () => {
    expect(scoreOf(averagePathLength(16), 16)).toBeCloseTo(0.5, 12);
    expect(scoreOf(0, 16)).toBe(1);
    expect(scoreOf(40, 16)).toBeLessThan(0.01);
  });

  it('two points isolate each other at depth 1: s = 2^(−1/c(2)) = 0.5', () => {
    const r = isolationScore([[0], [5]], 1, 10, mulberry32(7));
    expect(r.meanPath).toBe(1);
    expect(r.score).toBeCloseTo(0.5, 12);
  });

  it('matches hand-computed expectations on {0, 1, 10}', () => {
    // ψ = 3, height limit 2. For 10: a split in (1, 10) (probability 0.9) isolates it at depth
    // 1, else (0, 1) leaves {1, 10} to split at depth 2: E(h) = 0.9·1 + 0.1·2 = 1.1.
    // For 0: 0.1·1 + 0.9·2 = 1.9. For 1: split in (0,1) leaves {1,10} (0.1) or in (1,10) leaves
    // {0,1} (0.9); either way depth 2: E(h) = 2.
    const points = [[0], [1], [10]];
    const trees = 20_000;
    const out = isolationScore(points, 2, trees, mulberry32(1));
    expect(out.meanPath).toBeCloseTo(1.1, 1);
    expect(out.score).toBeCloseTo(2 ** (-1.1 / (5 / 3)), 2);
    expect(isolationScore(points, 0, trees, mulberry32(2)).meanPath).toBeCloseTo(1.9, 1);
    expect(isolationScore(points, 1, trees, mulberry32(3)).meanPath).toBeCloseTo(2, 6);
  });

  it('points equal to the target are left at a leaf: depth + c(size)', () => {
    // Every point equals the target: no feature can split, h = 0 + c(4).
    const same = [
      [3, 3],
      [3, 3],
      [3, 3],
      [3, 3],
    ];
    expect(pathLength(same, 3, 2, mulberry32(1))).toBeCloseTo(averagePathLength(4), 12);
  });

  it('an obvious outlier scores higher than every inlier', () => {
    const random = mulberry32(42);
    const inliers = Array.from({ length: 31 }, () => [10 + random(), 5 + random(), random()]);
    const outlier = [25, 5.5, 0.5];
    // Each point scored among the inliers (the others), itself last.
    const scoreOfPoint = (p: number[]): number => {
      const points = [...inliers.filter((q) => q !== p), p];
      return isolationScore(points, points.length - 1, 100, mulberry32(9)).score;
    };
    const outScore = scoreOfPoint(outlier);
    expect(outScore).toBeGreaterThan(0.6);
    for (const p of inliers) expect(scoreOfPoint(p)).toBeLessThan(outScore);
  });

  it('range cuts (RRCF) pick a feature by its spread: far out on one of many is cut at once', () => {
    // Two points; feature 0 spreads 99, feature 1 spreads 1. A range cut picks feature 0 with
    // probability 0.99; either cut isolates both at depth 1.
    expect(
      pathLength(
        [
          [0, 0],
          [99, 1],
        ],
        1,
        1,
        mulberry32(1),
        undefined,
        'range',
      ),
    ).toBe(1);
    // Inliers in a unit cube in 8 features, one point 50 out along feature 3: a range cut
    // almost always isolates it at the root; a uniform cut only when it picks feature 3.
    const random = mulberry32(11);
    const points = Array.from({ length: 31 }, () => Array.from({ length: 8 }, () => random()));
    points.push([0.5, 0.5, 0.5, 50, 0.5, 0.5, 0.5, 0.5]);
    const range = isolationScore(points, 31, 400, mulberry32(3), 'range');
    const uniform = isolationScore(points, 31, 400, mulberry32(3), 'uniform');
    // P(root cut isolates it) = 49.5 / (49.5 + ~7·0.95) ≈ 0.88: E(h) ≈ 0.88 + 0.12·(1 + …).
    expect(range.meanPath).toBeLessThan(1.6);
    expect(uniform.meanPath).toBeGreaterThan(range.meanPath + 1);
    expect(range.score).toBeGreaterThan(0.85);
  });

  it('is a pure function of the points and the seed', () => {
    const points = Array.from({ length: 20 }, (_, i) => [i % 7, (i * 3) % 5]);
    const a = isolationScore(points, 19, 50, mulberry32(5));
    const b = isolationScore(points, 19, 50, mulberry32(5));
    expect(a).toEqual(b);
  });
});
