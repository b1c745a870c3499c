import { Worker } from 'node:worker_threads';
import type { RuleStats } from './engine/rule-stats.js';
import type { Replay } from './replay.js';
import { RoutedCursor } from './routing/routed-batch.js';
import type { ChunkResult, WorkerInit } from './replay-worker.js';

/**
 * Replays with worker threads: the main thread cuts the input into chunks of whole lines and
 * hands them out; workers parse, validate and route them (the stateless, costly part); the
 * main thread applies each chunk's routes to the one engine, strictly in input order, so the
 * result is exactly that of a single-threaded replay.
 */
export class ReplayPool {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, ChunkResult>();
  readonly #waiting = new Map<number, (r: ChunkResult) => void>();
  #sent = 0;
  #applied = 0;
  #next = 0;
  /** The first bad lines, as "file:line: reason". */
  readonly bad: string[] = [];
  badCount = 0;
  derivedSkipped = 0;
  /** Which file each chunk comes from, so bad lines are named by file and line. */
  readonly #labels = new Map<number, string>();
  #label = '';
  #line = 1;
  #failure: Error | undefined;

  #replay: Replay | undefined;
  readonly #maxInFlight: number;

  /**
   * Starts the threads at once, before the rules are known (`begin` sends them), so loading
   * their modules overlaps the main thread's loading of the content.
   */
  constructor(workers: number, maxInFlight = workers * 3) {
    this.#maxInFlight = maxInFlight;
    const url = new URL('./replay-worker.js', import.meta.url);
    this.#workers = Array.from({ length: workers }, () => {
      const w = new Worker(url);
      w.on('message', (m: ChunkResult | { stats: [string, RuleStats][] }) => {
        if ('seq' in m) this.received(m);
      });
      w.on('error', (err) => {
        this.#failure = err;
        for (const resolve of this.#waiting.values()) resolve(undefined as unknown as ChunkResult);
      });
      return w;
    });
  }

  /** Hands the workers the rules and settings, and names the replay chunks are applied to. */
  begin(init: WorkerInit, replay: Replay): void {
    this.#replay = replay;
    for (const w of this.#workers) w.postMessage({ init });
  }

  private get replay(): Replay {
    if (!this.#replay) throw new Error('ReplayPool: begin() first');
    return this.#replay;
  }

  /** Sends the first `length` bytes (whole lines) of a buffer; waits while too many are in flight. */
  async send(buffer: ArrayBuffer, length: number, label: string): Promise<number> {
    while (this.#sent - this.#applied >= this.#maxInFlight) await this.applyNext();
    const seq = this.#sent;
    this.#sent += 1;
    this.#labels.set(seq, label);
    const worker = this.#workers[seq % this.#workers.length] as Worker;
    worker.postMessage({ seq, buffer, length }, [buffer]);
    return seq;
  }

  /** Applies everything sent, then gathers the workers' figures and stops them. */
  async finish(): Promise<void> {
    while (this.#applied < this.#sent) await this.applyNext();
    for (const w of this.#workers) {
      const stats = await new Promise<[string, RuleStats][]>((resolve) => {
        const on = (m: { stats?: [string, RuleStats][] }): void => {
          if (m.stats) {
            w.off('message', on);
            resolve(m.stats);
          }
        };
        w.on('message', on);
        w.postMessage('stats');
      });
      this.replay.mergeStats(new Map(stats));
      await w.terminate();
    }
  }

  async close(): Promise<void> {
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
    if (result) this.#pending.delete(seq);
    else result = await new Promise<ChunkResult>((resolve) => this.#waiting.set(seq, resolve));
    if (this.#failure) throw this.#failure;
    this.apply(result);
    this.#applied += 1;
  }

  private apply(r: ChunkResult): void {
    const replay = this.replay;
    for (const e = new RoutedCursor(r); e.next();) replay.pushCursor(e);
    this.derivedSkipped += r.derivedSkipped;
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
