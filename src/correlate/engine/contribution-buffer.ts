import type { Contribution } from './runtime.js';

/**
 * A group's contributions sorted by event time, ties broken by ref (so the order, and
 * with it every match id, depends on the events alone, never on their arrival order). Appends (the common, in-order
 * case) and removals from the front are O(1) amortised: removed slots are skipped by an offset
 * and reclaimed in bulk, so a long window never pays an O(n) shift per event.
 *
 * Kept as columns, not as the Contribution objects added: a window holds every event of its
 * span for as long as the span lasts, so each object (and the boxed number of its time) outlived
 * several young-generation collections and was copied by each; with a hundred thousand groups
 * that copying was most of the collector's work. Times and the small fields sit unboxed in one
 * array of doubles, refs in another; values get a column only once a contribution has one.
 * `at()` and the other readers make a Contribution when asked (short-lived, cheap to collect);
 * `timeAt()` reads a time without one.
 */
export class ContributionBuffer {
  /** Per contribution, two numbers: its time, then input × 2 + (late ? 1 : 0). */
  #tm: number[] = emptyDoubles();
  #refs: string[] = [];
  /** Per contribution, its value; absent while every value is undefined. */
  #values: (number | string | undefined)[] | undefined;
  /** Contributions dropped from the front and not yet reclaimed. */
  #head = 0;

  constructor(items: readonly Contribution[] = []) {
    for (const c of items) this.#push(c);
  }

  get length(): number {
    return this.#refs.length - this.#head;
  }

  at(i: number): Contribution {
    const k = this.#head + i;
    const m = this.#tm[2 * k + 1] as number;
    return {
      t: this.#tm[2 * k] as number,
      ref: this.#refs[k] as string,
      input: m >> 1,
      value: this.#values?.[k],
      late: (m & 1) === 1,
    };
  }

  /** The time of element i. */
  timeAt(i: number): number {
    return this.#tm[2 * (this.#head + i)] as number;
  }

  first(): Contribution | undefined {
    return this.length === 0 ? undefined : this.at(0);
  }

  last(): Contribution | undefined {
    return this.length === 0 ? undefined : this.at(this.length - 1);
  }

  /**
   * Inserts in order; returns the index it landed at. An element equal to c in time and ref
   * (one event counted for two of the rule's inputs) stays after it, or, with `afterTies`,
   * before it.
   */
  insert(c: Contribution, afterTies = false): number {
    const n = this.#refs.length;
    if (this.length === 0 || this.#before(n - 1, c) || (afterTies && !this.#after(n - 1, c))) {
      this.#push(c);
      return this.length - 1;
    }
    // Binary search for the first element after c (or, with afterTies, after c and its ties).
    let lo = this.#head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (afterTies ? !this.#after(mid, c) : this.#before(mid, c)) lo = mid + 1;
      else hi = mid;
    }
    // The value column first: made now, it is as long as the columns before this insert.
    if (this.#values !== undefined || c.value !== undefined)
      this.#valueColumn().splice(lo, 0, c.value);
    this.#tm.splice(2 * lo, 0, c.t, meta(c));
    this.#refs.splice(lo, 0, c.ref);
    return lo - this.#head;
  }

  /** Index of the first element with time ≥ t (length when none). */
  lowerBound(t: number, from = 0): number {
    let lo = this.#head + from;
    let hi = this.#refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#tm[2 * mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  /** Index of the first element with time > t. */
  upperBound(t: number, from = 0): number {
    let lo = this.#head + from;
    let hi = this.#refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#tm[2 * mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  /** Elements [from, to) as a new array. */
  slice(from = 0, to = this.length): Contribution[] {
    const n = Math.max(0, Math.min(to, this.length) - from);
    const out = new Array<Contribution>(n);
    for (let i = 0; i < n; i += 1) out[i] = this.at(from + i);
    return out;
  }

  /** Drops the first n elements. */
  dropFront(n: number): void {
    this.#head += Math.min(n, this.length);
    if (this.#head > 1024 && this.#head * 2 > this.#refs.length) this.#reclaim();
    else if (this.length === 0) this.clear();
  }

  /** Removes elements [from, to). */
  removeRange(from: number, to: number): void {
    if (to <= from) return;
    if (from === 0) {
      this.dropFront(to);
      return;
    }
    const k = this.#head + from;
    this.#tm.splice(2 * k, 2 * (to - from));
    this.#refs.splice(k, to - from);
    this.#values?.splice(k, to - from);
  }

  /** Removes every element with this ref (rare: a withdrawn inner match); returns them. */
  removeRef(ref: string): Contribution[] {
    const removed: Contribution[] = [];
    for (let i = this.length - 1; i >= 0; i -= 1) {
      if (this.#refs[this.#head + i] !== ref) continue;
      removed.unshift(this.at(i));
      this.removeRange(i, i + 1);
    }
    return removed;
  }

  clear(): void {
    this.#tm = emptyDoubles();
    this.#refs = [];
    this.#values = undefined;
    this.#head = 0;
  }

  toArray(): Contribution[] {
    return this.slice();
  }

  /** The contributions' checkpoint form (EncodedColumns), read straight off the columns. */
  encode(): EncodedColumns {
    const h = this.#head;
    const n = this.length;
    const dt = new Array<number>(n);
    const r = this.#refs.slice(h);
    let inputs: number[] | undefined;
    let late: number[] | undefined;
    const t0 = n > 0 ? (this.#tm[2 * h] as number) : 0;
    let prev = t0;
    for (let k = 0; k < n; k += 1) {
      const t = this.#tm[2 * (h + k)] as number;
      const m = this.#tm[2 * (h + k) + 1] as number;
      dt[k] = t - prev;
      prev = t;
      if (m >> 1 !== 0) (inputs ??= new Array<number>(n).fill(0))[k] = m >> 1;
      if ((m & 1) === 1) (late ??= []).push(k);
    }
    let values: (number | string | null)[] | undefined;
    const column = this.#values;
    if (column !== undefined)
      for (let k = 0; k < n; k += 1) {
        const v = column[h + k];
        if (v !== undefined) (values ??= new Array<number | string | null>(n).fill(null))[k] = v;
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

  #push(c: Contribution): void {
    if (this.#values !== undefined || c.value !== undefined) this.#valueColumn().push(c.value);
    this.#tm.push(c.t, meta(c));
    this.#refs.push(c.ref);
  }

  /** The value column, made (undefined for every element so far) when first needed. */
  #valueColumn(): (number | string | undefined)[] {
    this.#values ??= new Array<number | string | undefined>(this.#refs.length).fill(undefined);
    return this.#values;
  }

  /** Whether element k (a physical index) sorts strictly before c. */
  #before(k: number, c: Contribution): boolean {
    const t = this.#tm[2 * k] as number;
    return t < c.t || (t === c.t && (this.#refs[k] as string) < c.ref);
  }

  /** Whether element k (a physical index) sorts strictly after c. */
  #after(k: number, c: Contribution): boolean {
    const t = this.#tm[2 * k] as number;
    return t > c.t || (t === c.t && (this.#refs[k] as string) > c.ref);
  }

  #reclaim(): void {
    const h = this.#head;
    this.#tm = this.#tm.slice(2 * h);
    this.#refs = this.#refs.slice(h);
    this.#values = this.#values?.slice(h);
    this.#head = 0;
  }
}

/**
 * An empty array that already holds unboxed doubles: `[]` starts as small integers and turns
 * into doubles at its first push, and a push site that sees both kinds of array calls out to
 * the generic push instead of appending in place.
 */
function emptyDoubles(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/** A contribution's input and lateness as one small number. */
function meta(c: Contribution): number {
  return c.input * 2 + (c.late ? 1 : 0);
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
  return new ContributionBuffer(list).encode();
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
