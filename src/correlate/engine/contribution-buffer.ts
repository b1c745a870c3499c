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

/**
 * A list of contributions for a checkpoint, as columns: times as deltas from the first, refs,
 * and only the columns that say something (inputs other than 0, values, late ones by index).
 * Flat arrays cost a fraction of one small array per contribution to build, stringify and
 * parse, and take about half the bytes.
 */
export interface EncodedColumns {
  readonly t0: number;
  readonly dt: number[];
  readonly r: string[];
  readonly i?: number[];
  readonly v?: (number | string | null)[];
  /** Indices of the contributions that arrived late. */
  readonly l?: number[];
}

export function encodeContributions(list: readonly Contribution[]): EncodedColumns {
  const n = list.length;
  const dt = new Array<number>(n);
  const r = new Array<string>(n);
  let inputs: number[] | undefined;
  let values: (number | string | null)[] | undefined;
  let late: number[] | undefined;
  const t0 = n > 0 ? (list[0] as Contribution).t : 0;
  let prev = t0;
  for (let k = 0; k < n; k += 1) {
    const c = list[k] as Contribution;
    dt[k] = c.t - prev;
    prev = c.t;
    r[k] = c.ref;
    if (c.input !== 0) (inputs ??= new Array<number>(n).fill(0))[k] = c.input;
    if (c.value !== undefined)
      (values ??= new Array<number | string | null>(n).fill(null))[k] = c.value;
    if (c.late) (late ??= []).push(k);
  }
  return {
    t0,
    dt,
    r,
    ...(inputs ? { i: inputs } : {}),
    ...(values ? { v: values } : {}),
    ...(late ? { l: late } : {}),
  };
}

/** Reads `encodeContributions` output, or the per-contribution arrays older checkpoints hold. */
export function decodeContributions(
  data: EncodedColumns | readonly EncodedContribution[],
): Contribution[] {
  if (Array.isArray(data)) return (data as readonly EncodedContribution[]).map(decodeContribution);
  const e = data as EncodedColumns;
  const late = new Set(e.l ?? []);
  const out = new Array<Contribution>(e.dt.length);
  let t = e.t0;
  for (let k = 0; k < e.dt.length; k += 1) {
    t += e.dt[k] as number;
    out[k] = {
      t,
      ref: e.r[k] as string,
      input: e.i?.[k] ?? 0,
      value: e.v?.[k] ?? undefined,
      late: late.has(k),
    };
  }
  return out;
}

/** Compact encoding of one contribution: `[t, ref, input, value, late]`. */
export type EncodedContribution = [number, string, number, number | string | null, 0 | 1];

export function encodeContribution(c: Contribution): EncodedContribution {
  return [c.t, c.ref, c.input, c.value ?? null, c.late ? 1 : 0];
}

export function decodeContribution(e: EncodedContribution): Contribution {
  return { t: e[0], ref: e[1], input: e[2], value: e[3] ?? undefined, late: e[4] === 1 };
}
