/**
 * Event refs (`source/id`) taken in within a window of processing time, for a replay to skip
 * repeats as ingest would. A replay remembers every event of the window (often the whole
 * file: millions), so this is built for that: refs in intake order in flat arrays, found
 * through an open-addressing table of their positions keyed by a 32-bit hash, instead of a
 * Map of strings whose every lookup chases several pointers. Expired refs leave the front of
 * the queue; their table slots are reclaimed when the table is rebuilt, which happens when
 * it is 70 % full (linear probing stays short at that load: a probe reads slot pairs eight to
 * a cache line), so each operation costs O(1) amortised. A ref may be given as a span of a
 * longer text (a routed batch's joined refs): the text is kept once for all its refs, so the
 * window holds a few strings rather than one per event for the collector to trace.
 */
import { refHash } from './routing/routed-batch.js';

export class RecentRefs {
  /**
   * Refs (as spans of texts), times and hashes in intake order; global position p is at index
   * p − #base. Ref k is `#texts[#textOf[k]].slice(#starts[k], #ends[k])`. Typed columns that
   * double when full: pushing onto plain arrays of a million numbers cost more than the
   * look-ups, and a typed column is one block the collector never traces.
   */
  #texts: string[] = [];
  #textOf: Int32Array;
  #starts: Int32Array;
  #ends: Int32Array;
  #times: Float64Array;
  #hashes: Int32Array;
  /** Refs in the columns (indices 0 … #count − 1). */
  #count = 0;
  #base = 0;
  /** Global position of the oldest ref still remembered. */
  #head = 0;
  /**
   * Pairs of (global position + 1, hash); a position of 0 is an empty slot. The hash sits
   * beside its position, so a probe rejects other refs on the cache line it has already read
   * instead of chasing each into the columns (at a million refs, every chase is a cache miss).
   */
  #table: Int32Array;
  #occupied = 0;
  /** What seenBatch's first pass read, kept so the reads are not optimised away. */
  #touched = 0;

  /**
   * `expected`: about how many refs the window will hold (a replay knows its input's size), so
   * the table is made big enough at once instead of being rebuilt as it fills; a low guess only
   * costs rebuilds. `smallest`: the table's and the columns' least sizes (tests make them tiny,
   * so that a few refs rebuild the table and grow the columns many times over).
   */
  constructor(
    private readonly windowMs: number,
    expected = 0,
    smallest: { readonly slots: number; readonly columns: number } = {
      slots: 1 << 12,
      columns: 1 << 10,
    },
  ) {
    let size = 2;
    while (size < smallest.slots) size *= 2;
    const hint = Math.min(Math.max(0, expected), MAX_EXPECTED);
    while (size < hint * 1.5) size *= 2;
    this.#table = freshTable(size);
    // Columns start at most 1M refs long (24 MB) and double from there.
    const capacity = Math.max(1, smallest.columns, Math.min(hint, 1 << 20));
    this.#textOf = new Int32Array(capacity);
    this.#starts = new Int32Array(capacity);
    this.#ends = new Int32Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#hashes = new Int32Array(capacity);
  }

  /** Remembered refs (for tests and figures). */
  get size(): number {
    return this.#base + this.#count - this.#head;
  }

  /**
   * True when `ref` was taken in within the window before `now` (a repeat, not remembered
   * again); otherwise remembers it at `now` and returns false.
   */
  seen(ref: string, now: number, hash = refHash(ref)): boolean {
    return this.seenSpan(ref, 0, ref.length, now, hash);
  }

  /** seen() for the ref `text.slice(start, end)`, without making that string. */
  seenSpan(text: string, start: number, end: number, now: number, hash: number): boolean {
    this.forgetBefore(now - this.windowMs);
    const table = this.#table;
    const mask = (table.length >> 1) - 1;
    const h = hash | 0;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = table[i << 1] as number;
      if (slot === 0) break;
      if (table[(i << 1) + 1] !== h) continue;
      const p = slot - 1;
      if (p < this.#head) continue;
      const k = p - this.#base;
      if (now - (this.#times[k] as number) <= this.windowMs && this.sameRef(k, text, start, end))
        return true;
    }
    this.remember(text, start, end, now, h);
    return false;
  }

  /**
   * `seenSpan` for each ref of a batch in order, ref k being `text.slice(ends[k - 1] ?? 0,
   * ends[k])` with hash `hashes[k]`, taken in at `times[k]`: a flag per ref, 1 for a repeat.
   * The same answers as calling `seenSpan` ref by ref, but the table slots of the whole batch
   * are read first, in a loop whose loads do not wait on one another: at a million refs each
   * slot is a cache miss, and a processor fetches many such independent loads at once, where
   * a look-up between two events' other work waits for its miss alone.
   */
  seenBatch(
    text: string,
    ends: Uint32Array,
    hashes: Uint32Array,
    times: Float64Array,
    count: number,
  ): Uint8Array {
    const repeats = new Uint8Array(count);
    const table = this.#table;
    const mask = (table.length >> 1) - 1;
    let touched = 0;
    for (let k = 0; k < count; k += 1)
      touched |= table[((hashes[k] as number) & mask) << 1] as number;
    this.#touched = touched;
    let start = 0;
    for (let k = 0; k < count; k += 1) {
      const end = ends[k] as number;
      if (this.seenSpan(text, start, end, times[k] as number, hashes[k] as number)) repeats[k] = 1;
      start = end;
    }
    return repeats;
  }

  private sameRef(k: number, text: string, start: number, end: number): boolean {
    const kept = this.#texts[this.#textOf[k] as number] as string;
    const from = this.#starts[k] as number;
    if ((this.#ends[k] as number) - from !== end - start) return false;
    for (let i = 0; i < end - start; i += 1)
      if (kept.charCodeAt(from + i) !== text.charCodeAt(start + i)) return false;
    return true;
  }

  private remember(text: string, start: number, end: number, now: number, hash: number): void {
    if ((this.#occupied + 1) * 10 > (this.#table.length >> 1) * 7) this.rebuild();
    if (this.#count === this.#times.length) this.grow();
    const k = this.#count;
    const position = this.#base + k;
    const last = this.#texts.length - 1;
    if (last < 0 || this.#texts[last] !== text) this.#texts.push(text);
    this.#textOf[k] = this.#texts.length - 1;
    this.#starts[k] = start;
    this.#ends[k] = end;
    this.#times[k] = now;
    this.#hashes[k] = hash;
    this.#count = k + 1;
    this.place(position, hash);
  }

  private place(position: number, hash: number): void {
    const table = this.#table;
    const mask = (table.length >> 1) - 1;
    let i = hash & mask;
    while (table[i << 1] !== 0) i = (i + 1) & mask;
    table[i << 1] = position + 1;
    table[(i << 1) + 1] = hash;
    this.#occupied += 1;
  }

  /** Doubles the columns' room. */
  private grow(): void {
    const capacity = this.#times.length * 2;
    const widen = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.#textOf = widen(this.#textOf, (n) => new Int32Array(n));
    this.#starts = widen(this.#starts, (n) => new Int32Array(n));
    this.#ends = widen(this.#ends, (n) => new Int32Array(n));
    this.#times = widen(this.#times, (n) => new Float64Array(n));
    this.#hashes = widen(this.#hashes, (n) => new Int32Array(n));
  }

  /** Forgets refs taken in before `horizon`, oldest first (intake order). */
  private forgetBefore(horizon: number): void {
    const end = this.#base + this.#count;
    while (this.#head < end && (this.#times[this.#head - this.#base] as number) < horizon)
      this.#head += 1;
  }

  /** A table for the live refs only, sized so it is at most 40 % full. */
  private rebuild(): void {
    const drop = this.#head - this.#base;
    if (drop > 0) {
      // Texts no live ref points into go; the others are numbered afresh.
      const firstText = drop < this.#count ? (this.#textOf[drop] as number) : this.#texts.length;
      this.#texts = this.#texts.slice(firstText);
      this.#starts.copyWithin(0, drop, this.#count);
      this.#ends.copyWithin(0, drop, this.#count);
      this.#times.copyWithin(0, drop, this.#count);
      this.#hashes.copyWithin(0, drop, this.#count);
      this.#textOf.copyWithin(0, drop, this.#count);
      this.#count -= drop;
      for (let k = 0; k < this.#count; k += 1)
        this.#textOf[k] = (this.#textOf[k] as number) - firstText;
    }
    // Positions restart at the new front, so they stay below the table's size (Int32 slots).
    this.#base = 0;
    this.#head = 0;
    const live = this.#count;
    let size = this.#table.length >> 1;
    while ((live + 1) * 5 > size * 2) size *= 2;
    this.#table = freshTable(size);
    this.#occupied = 0;
    for (let k = 0; k < live; k += 1) this.place(k, this.#hashes[k] as number);
  }
}

/**
 * A table of `slots` empty slots, its memory written once now. Probes read slots at random
 * before any is written; a page first read maps the kernel's shared zero page, and the write
 * that follows must copy it and flush that mapping from every core running the replay's
 * threads (an interprocessor interrupt per page): a tenth of the applying thread's time on
 * a million refs. Pages first written are simply given.
 */
function freshTable(slots: number): Int32Array {
  return new Int32Array(slots * 2).fill(0);
}

/** The most refs a size hint makes room for at once (the table grows past it as needed). */
const MAX_EXPECTED = 1 << 22;
