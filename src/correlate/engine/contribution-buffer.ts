import type { Contribution } from './runtime.js';

/**
 * A group's contributions sorted by event time, ties broken by ref (so the order, and
 * with it every match id, depends on the events alone, never on their arrival order). Appends (the common, in-order
 * case) and removals from the front are O(1) amortised: removed slots are skipped by an offset
 * and reclaimed in bulk, so a long window never pays an O(n) shift per event.
 */
export class ContributionBuffer {
  #items: Contribution[];
  #head = 0;

  constructor(items: Contribution[] = []) {
    this.#items = items;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  at(i: number): Contribution {
    return this.#items[this.#head + i] as Contribution;
  }

  first(): Contribution | undefined {
    return this.#items[this.#head];
  }

  last(): Contribution | undefined {
    return this.length === 0 ? undefined : this.#items[this.#items.length - 1];
  }

  /** Inserts in order; returns the index it landed at. */
  insert(c: Contribution): number {
    const last = this.last();
    if (last === undefined || before(last, c)) {
      this.#items.push(c);
      return this.length - 1;
    }
    // Binary search for the first element after c.
    let lo = this.#head;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#items[mid] as Contribution, c)) lo = mid + 1;
      else hi = mid;
    }
    this.#items.splice(lo, 0, c);
    return lo - this.#head;
  }

  /** Index of the first element with time ≥ t (length when none). */
  lowerBound(t: number, from = 0): number {
    let lo = this.#head + from;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#items[mid] as Contribution).t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  /** Index of the first element with time > t. */
  upperBound(t: number, from = 0): number {
    let lo = this.#head + from;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#items[mid] as Contribution).t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  /** Elements [from, to) as a new array. */
  slice(from = 0, to = this.length): Contribution[] {
    return this.#items.slice(this.#head + from, this.#head + to);
  }

  /** Drops the first n elements. */
  dropFront(n: number): void {
    this.#head += Math.min(n, this.length);
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Removes elements [from, to). */
  removeRange(from: number, to: number): void {
    if (to <= from) return;
    if (from === 0) {
      this.dropFront(to);
      return;
    }
    this.#items.splice(this.#head + from, to - from);
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  toArray(): Contribution[] {
    return this.slice();
  }
}

/** Strict (time, ref) order. */
export function before(a: Contribution, b: Contribution): boolean {
  return a.t < b.t || (a.t === b.t && a.ref < b.ref);
}

/** The same order as a comparator. */
export function compareContributions(a: Contribution, b: Contribution): number {
  return a.t - b.t || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

/** Compact encoding: `[t, ref, input, value, late]`. */
export type EncodedContribution = [number, string, number, number | string | null, 0 | 1];

export function encodeContribution(c: Contribution): EncodedContribution {
  return [c.t, c.ref, c.input, c.value ?? null, c.late ? 1 : 0];
}

export function decodeContribution(e: EncodedContribution): Contribution {
  return { t: e[0], ref: e[1], input: e[2], value: e[3] ?? undefined, late: e[4] === 1 };
}
