/**
 * How many routing threads a replay should hand chunks to, judged from the thread that applies
 * them. On a machine with no core to spare, a routing thread beyond what keeps the applying
 * thread fed only takes time from it: on two cores the whole shipped pack replayed 3–18 %
 * slower with two routing threads than with one (three pairs of runs). A light rule set is
 * bound by routing and gains from every thread: the 5-in-60 s rule ran 3–8 % faster with two.
 * The applying thread tells them apart by how long it waits for chunks: with one routing
 * thread, under a tenth of its time for the pack (most of it while threads start) and about
 * three quarters for the 5-in-60 s rule; with two, a third for that rule.
 *
 * So: a thread fewer while the applying thread hardly waits (it is the bound), a thread more
 * while it waits a quarter of its time or more, and never fewer again once a thread was added
 * (that thread was needed; no flapping between the two). A 'more' with every thread in use
 * already adds nothing, so it does not count as one added: only `grew()` does.
 */
export type ThreadChange = 'more' | 'fewer' | 'same';

/** What a replay pool asks how many threads to use (ThreadDemand; tests script their own). */
export interface ThreadAdvice {
  /** One chunk applied, after waiting `waitMs` for it and applying it in `applyMs`. */
  applied(waitMs: number, applyMs: number): ThreadChange;
  /** The pool added a thread on a 'more'. */
  grew(): void;
}

/** Waiting below this share of applying time: the applying thread is the bound. */
const BOUND = 0.05;
/** Waiting at or above this share: it is starved. */
const STARVED = 0.25;

export class ThreadDemand implements ThreadAdvice {
  #applied = 0;
  #inWindow = 0;
  #waitMs = 0;
  #applyMs = 0;
  #grew = false;

  /**
   * `warmupChunks`: chunks not judged (threads are still loading their modules);
   * `windowChunks`: chunks per judgement.
   */
  constructor(
    private readonly warmupChunks = 4,
    private readonly windowChunks = 8,
  ) {}

  /**
   * One chunk applied: how long the applying thread waited for it (0 when it was ready) and
   * how long applying it took. Says whether to hand chunks to a thread more or fewer.
   */
  applied(waitMs: number, applyMs: number): ThreadChange {
    this.#applied += 1;
    if (this.#applied <= this.warmupChunks) return 'same';
    this.#inWindow += 1;
    this.#waitMs += waitMs;
    this.#applyMs += applyMs;
    if (this.#inWindow < this.windowChunks) return 'same';
    const share = this.#waitMs / Math.max(this.#applyMs, 1e-9);
    this.#inWindow = 0;
    this.#waitMs = 0;
    this.#applyMs = 0;
    if (share >= STARVED) return 'more';
    return share < BOUND && !this.#grew ? 'fewer' : 'same';
  }

  grew(): void {
    this.#grew = true;
  }
}
