/**
 * Event refs (`source/id`) taken in within a window of processing time, for a replay to skip
 * repeats as ingest would. A replay remembers every event of the window (often the whole
 * file: millions), so this is built for that: refs in intake order in flat arrays, found
 * through an open-addressing table of their positions keyed by a 32-bit hash, instead of a
 * Map of strings whose every lookup chases several pointers. Expired refs leave the front of
 * the queue; their table slots are reclaimed when the table is rebuilt, which happens when
 * it is half full, so each operation costs O(1) amortised. A ref may be given as a span of a
 * longer text (a routed batch's joined refs): the text is kept once for all its refs, so the
 * window holds a few strings rather than one per event for the collector to trace.
 */
import { refHash } from './routing/routed-batch.js';

export class RecentRefs {
  /**
   * Refs (as spans of texts), times and hashes in intake order; global position p is at index
   * p − #base. Ref k is `#texts[#textOf[k]].slice(#starts[k], #ends[k])`.
   */
  #texts: string[] = [];
  #textOf: number[] = [];
  #starts: number[] = [];
  #ends: number[] = [];
  #times: number[] = [];
  #hashes: number[] = [];
  #base = 0;
  /** Global position of the oldest ref still remembered. */
  #head = 0;
  /** Slots hold a global position + 1; 0 is empty. */
  #table: Int32Array;
  #occupied = 0;

  /**
   * `expected`: about how many refs the window will hold (a replay knows its input's size), so
   * the table is made big enough at once instead of being rebuilt as it fills; a low guess only
   * costs rebuilds.
   */
  constructor(
    private readonly windowMs: number,
    expected = 0,
  ) {
    let size = 1 << 12;
    const want = Math.min(Math.max(0, expected), MAX_EXPECTED) * 2;
    while (size < want) size *= 2;
    this.#table = new Int32Array(size);
  }

  /** Remembered refs (for tests and figures). */
  get size(): number {
    return this.#base + this.#times.length - this.#head;
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
    const mask = this.#table.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.#table[i] as number;
      if (slot === 0) break;
      const p = slot - 1;
      if (p < this.#head) continue;
      const k = p - this.#base;
      if (
        this.#hashes[k] === hash &&
        now - (this.#times[k] as number) <= this.windowMs &&
        this.sameRef(k, text, start, end)
      )
        return true;
    }
    this.remember(text, start, end, now, hash);
    return false;
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
    if ((this.#occupied + 1) * 2 > this.#table.length) this.rebuild();
    const position = this.#base + this.#times.length;
    const last = this.#texts.length - 1;
    if (last < 0 || this.#texts[last] !== text) this.#texts.push(text);
    this.#textOf.push(this.#texts.length - 1);
    this.#starts.push(start);
    this.#ends.push(end);
    this.#times.push(now);
    this.#hashes.push(hash);
    this.place(position, hash);
  }

  private place(position: number, hash: number): void {
    const mask = this.#table.length - 1;
    let i = hash & mask;
    while (this.#table[i] !== 0) i = (i + 1) & mask;
    this.#table[i] = position + 1;
    this.#occupied += 1;
  }

  /** Forgets refs taken in before `horizon`, oldest first (intake order). */
  private forgetBefore(horizon: number): void {
    const end = this.#base + this.#times.length;
    while (this.#head < end && (this.#times[this.#head - this.#base] as number) < horizon)
      this.#head += 1;
  }

  /** A table for the live refs only, sized so it is at most a quarter full. */
  private rebuild(): void {
    const drop = this.#head - this.#base;
    if (drop > 0) {
      this.#starts = this.#starts.slice(drop);
      this.#ends = this.#ends.slice(drop);
      this.#times = this.#times.slice(drop);
      this.#hashes = this.#hashes.slice(drop);
      // Texts no live ref points into go; the others are numbered afresh.
      const firstText = this.#textOf[drop] ?? this.#texts.length;
      this.#texts = this.#texts.slice(firstText);
      this.#textOf = this.#textOf.slice(drop).map((t) => t - firstText);
    }
    // Positions restart at the new front, so they stay below the table's size (Int32 slots).
    this.#base = 0;
    this.#head = 0;
    const live = this.#times.length;
    let size = this.#table.length;
    while ((live + 1) * 4 > size) size *= 2;
    this.#table = new Int32Array(size);
    this.#occupied = 0;
    for (let k = 0; k < live; k += 1) this.place(this.#base + k, this.#hashes[k] as number);
  }
}

/** The most refs a size hint makes room for at once (the table grows past it as needed). */
const MAX_EXPECTED = 1 << 22;
