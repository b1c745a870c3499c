/**
 * A small seeded generator (mulberry32, as bench/ai-workload.mjs uses), so a demo run with the
 * same seed tells the same story.
 */
export class Random {
  #seed: number;

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  next(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}
