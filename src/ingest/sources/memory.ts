import type { SourceMemory } from './source-kind.js';

/** Most entries one in-process memory holds; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * In-process SourceMemory for `cordon parse`, tests and single-process use. Time comes from
 * `now()` so tests can move it; eviction is by insertion order and by age.
 */
export class LocalSourceMemory implements SourceMemory {
  readonly #entries = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  swap(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const before = this.#live(key);
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: this.now() + ttlMs });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return Promise.resolve(before);
  }

  take(key: string): Promise<string | undefined> {
    const before = this.#live(key);
    this.#entries.delete(key);
    return Promise.resolve(before);
  }

  #live(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
