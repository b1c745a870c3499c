import type { Random } from './prng.js';

/**
 * Isolation Forest (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008), pure. A point's
 * anomaly score among a sample is s = 2^(−E(h)/c(ψ)), where h is the path length isolating it
 * in a random tree grown on the sample (random feature, random split between that feature's
 * min and max in the node) down to a height limit of ⌈log2 ψ⌉, plus c(size) for the points
 * left at a leaf, and c(n) is the average path length of an unsuccessful binary-search-tree
 * search: 2·H(n−1) − 2(n−1)/n, with H the harmonic number (computed exactly, not by the
 * paper's ln + γ approximation, so c(2) = 1).
 *
 * Cuts: `uniform` is the paper's (a feature chosen uniformly among those with a spread);
 * `range` is Robust Random Cut Forest's (Guha et al., ICML 2016): the feature chosen with
 * probability proportional to its spread in the node, so on features in comparable units (the
 * anomaly type divides each by the group's own deviation) a point far out along one feature is
 * cut off at once however many ordinary features there are.
 *
 * Scoring here is streaming: the point scored is always part of its own sample (the group's
 * recent windows plus this one), so only its path is grown — the other branches of each tree
 * never matter to its score. A point outside the recent range is isolated at the first splits.
 */

const HARMONIC: number[] = [0];
function harmonic(n: number): number {
  for (let i = HARMONIC.length; i <= n; i += 1) HARMONIC.push((HARMONIC[i - 1] as number) + 1 / i);
  return HARMONIC[n] as number;
}

/** c(n): average path length of an unsuccessful search in a BST of n points (c(0) = c(1) = 0). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  return 2 * harmonic(n - 1) - (2 * (n - 1)) / n;
}

/** Anomaly score from the mean path length among ψ points. */
export function scoreOf(meanPath: number, psi: number): number {
  const c = averagePathLength(psi);
  return c === 0 ? 0.5 : 2 ** (-meanPath / c);
}

/**
 * The path length isolating `points[target]` in one random isolation tree over `points`, with
 * height limit `limit`. `scratch` holds point indices (length ≥ points.length).
 */
export function pathLength(
  points: readonly (readonly number[])[],
  target: number,
  limit: number,
  random: Random,
  scratch: Int32Array = new Int32Array(points.length),
  cut: Cut = 'uniform',
): number {
  const x = points[target] as readonly number[];
  const d = x.length;
  let size = points.length;
  for (let i = 0; i < size; i += 1) scratch[i] = i;
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const spread: number[] = [];
  let depth = 0;
  while (size > 1 && depth < limit) {
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = 0; i < size; i += 1) {
      const p = points[scratch[i] as number] as readonly number[];
      for (let q = 0; q < d; q += 1) {
        const v = p[q] as number;
        if (v < (lo[q] as number)) lo[q] = v;
        if (v > (hi[q] as number)) hi[q] = v;
      }
    }
    spread.length = 0;
    let total = 0;
    for (let q = 0; q < d; q += 1) {
      const w = (hi[q] as number) - (lo[q] as number);
      if (w > 0) {
        spread.push(q);
        total += w;
      }
    }
    if (spread.length === 0) break; // every point left equals the target
    let q: number;
    let split: number;
    if (cut === 'uniform') {
      q = spread[Math.floor(random() * spread.length)] as number;
      split = (lo[q] as number) + random() * ((hi[q] as number) - (lo[q] as number));
    } else {
      // One draw over the summed spreads picks the feature and the cut within it.
      let r = random() * total;
      let i = 0;
      q = spread[0] as number;
      for (; i < spread.length; i += 1) {
        q = spread[i] as number;
        const w = (hi[q] as number) - (lo[q] as number);
        if (r < w || i === spread.length - 1) break;
        r -= w;
      }
      split = (lo[q] as number) + Math.min(r, (hi[q] as number) - (lo[q] as number));
    }
    const left = (x[q] as number) < split;
    let kept = 0;
    for (let i = 0; i < size; i += 1) {
      const j = scratch[i] as number;
      if (((points[j] as readonly number[])[q] as number) < split === left) {
        scratch[kept] = j;
        kept += 1;
      }
    }
    size = kept;
    depth += 1;
  }
  return depth + averagePathLength(size);
}

/** Mean path length and score of `points[target]` over `trees` random trees. */
export type Cut = 'uniform' | 'range';

export function isolationScore(
  points: readonly (readonly number[])[],
  target: number,
  trees: number,
  random: Random,
  cut: Cut = 'uniform',
): { readonly score: number; readonly meanPath: number } {
  const psi = points.length;
  const limit = Math.ceil(Math.log2(Math.max(2, psi)));
  const scratch = new Int32Array(psi);
  let total = 0;
  for (let t = 0; t < trees; t += 1)
    total += pathLength(points, target, limit, random, scratch, cut);
  const meanPath = total / trees;
  return { score: scoreOf(meanPath, psi), meanPath };
}
