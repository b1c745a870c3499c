import { Worker } from 'node:worker_threads';
import type { RuleStats } from './engine/rule-stats.js';
import type { Replay } from './replay.js';
import {
  routeBytes,
  startRouter,
  type ChunkResult,
  type Router,
  type WorkerInit,
} from './replay-routing.js';
import type { CompiledRuleSet } from './rule/types.js';
import { builtModuleUrl } from '../shared/built-module-url.js';
import { ThreadDemand, type ThreadAdvice } from './thread-demand.js';

/**
 * Replays with worker threads: the main thread cuts the input into chunks of whole lines and
 * hands them out; workers parse, validate and route them (the stateless, costly part); the
 * main thread applies each chunk's routes to the one engine, strictly in input order, so the
 * result is exactly that of a single-threaded replay. How many of its threads get chunks
 * follows what the applying thread needs (see ThreadDemand). With `routeHere` and the rules
 * (`begin`), the main thread routes the chunks itself until a thread has its rules built: a
 * thread takes a few hundred milliseconds to start, which a small input would otherwise only
 * wait out (20,000 events: 1.1 s with two threads against 0.6 s with none); with no threads
 * at all, it routes every chunk.
 */
export class ReplayPool {
  readonly #workers: Worker[] = [];
  /** Chunks sent to each thread and not yet back (a chunk goes to the least busy). */
  readonly #outstanding: number[] = [];
  /** Chunks each thread was given. */
  readonly #handed: number[] = [];
  readonly #pending = new Map<number, ChunkResult>();
  readonly #waiting = new Map<number, (r: ChunkResult) => void>();
  #sent = 0;
  #applied = 0;
  #next = 0;
  /** The first bad lines, as "file:line: reason". */
  readonly bad: string[] = [];
  badCount = 0;
  derivedSkipped = 0;
  /** Lines the threads counted without parsing them: no detection could match them. */
  unparsed = 0;
  /** Which file each chunk comes from, so bad lines are named by file and line. */
  readonly #labels = new Map<number, string>();
  #label = '';
  #line = 1;
  #failure: Error | undefined;

  #replay: Replay | undefined;
  /** Threads chunks are handed to (the first this many); the others wait, loaded. */
  #active: number;
  /** The fewest threads chunks are handed to. */
  readonly #least: number;
  readonly #maxInFlight: number | undefined;
  readonly #demand: ThreadAdvice;
  /** This thread routes chunks while no thread in use is ready (given the rules in begin). */
  readonly #routeHere: boolean;
  #finishing = false;
  #closing = false;
  /** Per thread: it has built its rules (it said so), and it has not failed. */
  readonly #isReady: boolean[] = [];
  /** Per thread: it failed before it was handed a chunk, and is left out (threadFailed). */
  readonly #dropped: boolean[] = [];
  /** Routes chunks on the main thread until a thread is ready (see begin). */
  #local: Router | undefined;
  /** Chunks the main thread routed (not counted in `handed`, nor by the thread demand). */
  readonly #routedHere = new Set<number>();
  #routedHereCount = 0;

  /**
   * Starts `workers` threads at once, before the rules are known (`begin` sends them), so
   * loading their modules overlaps the main thread's loading of the content. Chunks go to all
   * of them, or to as few as `least` while the applying thread is the bound (see
   * ThreadDemand, or `demand` in its place). `maxInFlight`: chunks sent and not yet applied
   * (default three per thread in use). `routeHere`: this thread routes the chunks sent while
   * no thread in use has its rules, with the rules given to `begin`; with no threads
   * (`workers` 0) it routes every chunk so.
   */
  constructor(
    workers: number,
    options: {
      readonly least?: number;
      readonly maxInFlight?: number;
      readonly demand?: ThreadAdvice;
      readonly routeHere?: boolean;
    } = {},
  ) {
    if (!Number.isInteger(workers) || workers < 0)
      throw new RangeError(
        `ReplayPool: workers must be a whole number of 0 or more; got ${workers}.`,
      );
    this.#demand = options.demand ?? new ThreadDemand();
    this.#active = workers;
    this.#least = Math.max(Math.min(1, workers), Math.min(this.#active, options.least ?? workers));
    this.#maxInFlight = options.maxInFlight;
    this.#routeHere = options.routeHere === true || workers === 0;
    for (let i = 0; i < workers; i += 1) this.spawn();
  }

  /** Threads chunks are handed to now. */
  get threads(): number {
    return this.#active;
  }

  /** Chunks each thread was given so far. */
  get handed(): readonly number[] {
    return this.#handed;
  }

  /** Threads that have built their rules and take chunks. */
  get ready(): number {
    return this.#isReady.filter((r, i) => r && !this.#dropped[i]).length;
  }

  /** Chunks the main thread routed itself while no thread was ready. */
  get routedHere(): number {
    return this.#routedHereCount;
  }

  private spawn(): void {
    const w = new Worker(builtModuleUrl(new URL('./replay-worker.js', import.meta.url)));
    const index = this.#workers.length;
    w.on('message', (m: ChunkResult | { stats: [string, RuleStats][] } | { ready: true }) => {
      if ('seq' in m) {
        this.#outstanding[index] = (this.#outstanding[index] as number) - 1;
        this.received(m);
      } else if ('ready' in m) this.#isReady[index] = true;
    });
    w.on('error', (err) => this.threadFailed(index, err));
    w.on('exit', (code) => {
      if (!this.#closing)
        this.threadFailed(index, new Error(`a replay thread stopped (exit code ${code})`));
    });
    this.#workers.push(w);
    this.#outstanding.push(0);
    this.#handed.push(0);
    this.#isReady.push(false);
    this.#dropped.push(false);
  }

  /**
   * A thread failed. When this thread can route (`#local`) and the failed one was never handed
   * a chunk (it goes only to threads that are ready), nothing is lost, and it is only left
   * out: whether it failed before or after this thread routed everything must not decide
   * whether the replay fails. Otherwise the replay fails (a chunk, or the figures the thread
   * counted, would be lost).
   */
  private threadFailed(index: number, err: Error): void {
    if (this.#local && (this.#handed[index] as number) === 0) {
      this.#dropped[index] = true;
      return;
    }
    this.fail(err);
  }

  /** A thread failed: whatever waits on a chunk (or on figures) is woken to throw it. */
  private fail(err: Error): void {
    this.#failure ??= err;
    for (const resolve of this.#waiting.values()) resolve(undefined as unknown as ChunkResult);
    this.#waiting.clear();
  }

  /**
   * Hands the workers the rules and settings. The replay chunks are applied to is named by
   * applyTo(), which may come later: the threads build their rules while this one sets up.
   * `rules`: the rules `init.sources` build, already built on this thread; with them and
   * `routeHere`, this thread routes the chunks sent while no thread in use is ready, and chunks
   * go only to threads that are.
   */
  begin(init: WorkerInit, replay?: Replay, rules?: CompiledRuleSet): void {
    if (replay) this.#replay = replay;
    for (const w of this.#workers) w.postMessage({ init });
    if (rules && this.#routeHere) this.#local = startRouter(rules, init);
    else if (this.#workers.length === 0)
      throw new Error('ReplayPool: with no threads, begin() needs the rules to route with.');
  }

  /** Names the replay chunks are applied to (before the first is sent). */
  applyTo(replay: Replay): void {
    this.#replay = replay;
  }

  private get replay(): Replay {
    if (!this.#replay) throw new Error('ReplayPool: begin() first');
    return this.#replay;
  }

  /** Sends the first `length` bytes (whole lines) of a buffer; waits while too many are in flight. */
  async send(buffer: ArrayBuffer, length: number, label: string): Promise<number> {
    while (this.#sent - this.#applied >= (this.#maxInFlight ?? Math.max(1, 3 * this.#active)))
      await this.applyNext();
    const seq = this.#sent;
    this.#sent += 1;
    this.#labels.set(seq, label);
    const to = this.threadFor();
    if (to === undefined) {
      this.#routedHere.add(seq);
      this.#routedHereCount += 1;
      this.received(routeBytes(this.#local as Router, Buffer.from(buffer, 0, length), seq));
      return seq;
    }
    this.#outstanding[to] = (this.#outstanding[to] as number) + 1;
    this.#handed[to] = (this.#handed[to] as number) + 1;
    (this.#workers[to] as Worker).postMessage({ seq, buffer, length }, [buffer]);
    return seq;
  }

  /**
   * The thread in use with the fewest chunks outstanding. When this thread can route
   * (`#local`), only a thread that has its rules counts, and undefined (route here) when none
   * has; otherwise any, a chunk waiting in a thread that is still starting.
   */
  private threadFor(): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < Math.max(1, this.#active) && i < this.#workers.length; i += 1) {
      if (this.#dropped[i] || (this.#local && !this.#isReady[i])) continue;
      if (
        best === undefined ||
        (this.#outstanding[i] as number) < (this.#outstanding[best] as number)
      )
        best = i;
    }
    if (best === undefined && !this.#local)
      throw new Error('ReplayPool: with no threads, begin() needs the rules to route with.');
    return best;
  }

  /** Applies everything sent, then gathers the workers' figures and stops them. */
  async finish(): Promise<void> {
    // The tail is always waited for: it says nothing about the threads wanted.
    this.#finishing = true;
    while (this.#applied < this.#sent) await this.applyNext();
    if (this.#local) this.replay.mergeStats(this.#local.engine.stats());
    // A thread handed no chunk counted nothing: it is not waited for (it may not have
    // started yet, when this thread routed a small input alone).
    for (const w of this.#workers.filter(
      (_, i) => (this.#handed[i] as number) > 0 && !this.#dropped[i],
    )) {
      const stats = await new Promise<[string, RuleStats][]>((resolve, reject) => {
        if (this.#failure) {
          reject(this.#failure);
          return;
        }
        const settle = (): void => {
          w.off('message', on);
          w.off('error', stopped);
          w.off('exit', stopped);
        };
        const on = (m: { stats?: [string, RuleStats][] }): void => {
          if (!m.stats) return;
          settle();
          resolve(m.stats);
        };
        const stopped = (): void => {
          settle();
          reject(this.#failure ?? new Error('a replay thread stopped before its figures'));
        };
        w.on('message', on);
        w.on('error', stopped);
        w.on('exit', stopped);
        w.postMessage('stats');
      });
      this.replay.mergeStats(new Map(stats));
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  private received(result: ChunkResult): void {
    const waiter = this.#waiting.get(result.seq);
    if (waiter) {
      this.#waiting.delete(result.seq);
      waiter(result);
    } else {
      this.#pending.set(result.seq, result);
    }
  }

  private async applyNext(): Promise<void> {
    const seq = this.#next;
    this.#next += 1;
    let result = this.#pending.get(seq);
    let waitMs = 0;
    if (result) this.#pending.delete(seq);
    else {
      // A thread that already failed would never answer: wait only while none has.
      if (this.#failure) throw this.#failure;
      const asked = performance.now();
      result = await new Promise<ChunkResult>((resolve) => this.#waiting.set(seq, resolve));
      waitMs = performance.now() - asked;
    }
    if (this.#failure) throw this.#failure;
    const started = performance.now();
    this.apply(result);
    const applyMs = performance.now() - started;
    this.#applied += 1;
    // A chunk routed here says nothing about the threads wanted (none was ready).
    if (this.#routedHere.delete(seq) || this.#finishing) return;
    const change = this.#demand.applied(waitMs, applyMs);
    if (change === 'more' && this.#active < this.#workers.length) {
      this.#active += 1;
      this.#demand.grew();
    } else if (change === 'fewer' && this.#active > this.#least) this.#active -= 1;
  }

  private apply(r: ChunkResult): void {
    const replay = this.replay;
    replay.pushBatch(r);
    this.derivedSkipped += r.derivedSkipped;
    this.unparsed += r.unparsed;
    const label = this.#labels.get(r.seq) ?? '?';
    this.#labels.delete(r.seq);
    if (label !== this.#label) {
      this.#label = label;
      this.#line = 1;
    }
    for (const [line, reason] of r.bad) {
      this.badCount += 1;
      if (this.bad.length < 20) this.bad.push(`${label}:${this.#line + line - 1}: ${reason}`);
    }
    this.#line += r.lines;
  }
}
