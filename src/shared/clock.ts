/**
 * Time enters Cordon only through a Clock, so tests control it. Pure code takes `now`
 * (epoch ms) as an argument instead; Redis scripts receive it in ARGV.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = {
  // Date.now() on purpose (not performance.now()): values are stored as epoch ms.
  now: () => Date.now(),
};

/** A clock that only moves when told to, and never backwards. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  set(epochMs: number): void {
    if (epochMs < this.#now) {
      throw new Error(`ManualClock cannot go back in time from ${this.#now} to ${epochMs}.`);
    }
    this.#now = epochMs;
  }

  advance(ms: number): void {
    this.set(this.#now + ms);
  }
}
