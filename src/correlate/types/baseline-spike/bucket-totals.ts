/**
 * A group's totals per bucket, sorted by bucket: usually a handful, appended in time order, so
 * two small arrays cost far less than a Map per group (there is one per group and rule).
 */
export class BucketTotals {
  constructor(
    readonly keys: number[] = [],
    readonly values: number[] = [],
  ) {}

  get size(): number {
    return this.keys.length;
  }

  add(k: number, amount: number): void {
    const n = this.keys.length;
    if (n > 0 && this.keys[n - 1] === k) {
      this.values[n - 1] = (this.values[n - 1] as number) + amount;
      return;
    }
    if (n === 0 || (this.keys[n - 1] as number) < k) {
      this.keys.push(k);
      this.values.push(amount);
      return;
    }
    const i = this.lowerBound(k);
    if (this.keys[i] === k) this.values[i] = (this.values[i] as number) + amount;
    else {
      this.keys.splice(i, 0, k);
      this.values.splice(i, 0, amount);
    }
  }

  /** Sum and sum of squares of the totals in buckets [lo, hi). */
  moments(lo: number, hi: number): { s: number; s2: number } {
    let s = 0;
    let s2 = 0;
    for (
      let i = this.lowerBound(lo);
      i < this.keys.length && (this.keys[i] as number) < hi;
      i += 1
    ) {
      const v = this.values[i] as number;
      s += v;
      s2 += v * v;
    }
    return { s, s2 };
  }

  /** Forgets buckets before `k`. */
  dropBefore(k: number): void {
    const i = this.lowerBound(k);
    if (i > 0) {
      this.keys.splice(0, i);
      this.values.splice(0, i);
    }
  }

  entries(): [number, number][] {
    return this.keys.map((k, i) => [k, this.values[i] as number]);
  }

  private lowerBound(k: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as number) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
