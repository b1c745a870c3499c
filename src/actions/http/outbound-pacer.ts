import type { Rate } from '../rate.js';

/**
 * The outbound rate limit of one connector instance, within this process (GCRA): at most
 * `count` requests per `windowMs`, a burst of `count` allowed after an idle window. `reserve`
 * books the next slot and says how long to wait before sending; time comes from the caller.
 */
export class OutboundPacer {
  #tat = 0;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;

  constructor(rate: Rate) {
    this.#intervalMs = rate.windowMs / Math.max(1, rate.count);
    this.#toleranceMs = rate.windowMs - this.#intervalMs;
  }

  reserve(now: number): number {
    const tat = Math.max(this.#tat, now);
    const wait = Math.max(0, tat - this.#toleranceMs - now);
    this.#tat = tat + this.#intervalMs;
    return wait;
  }
}
