import { Worker } from 'node:worker_threads';

import { builtModuleUrl } from '../../shared/built-module-url.js';
import type { LogBatch, LogReader } from './log-reader.js';
import type { ReaderCommand, ReaderReply, ReaderThreadInit } from './reader-thread-init.js';

/**
 * Reads, parses and routes the log on a worker thread (reader-worker.ts), a few batches ahead,
 * so the correlator's thread only applies: on a machine with two cores the costly stateless
 * half and the stateful half run side by side. Batches arrive strictly in log order.
 */
export class ThreadedLogReader implements LogReader {
  #worker: Worker | undefined;
  #epoch = 0;
  readonly #ready: LogBatch[] = [];
  #failure: Error | undefined;
  #waiter: (() => void) | undefined;
  #closing = false;

  constructor(private readonly init: ReaderThreadInit) {}

  prepare(): void {
    if (!this.#closing && !this.#worker) this.spawn();
  }

  seek(position: string): void {
    this.#epoch += 1;
    this.#ready.length = 0;
    this.#failure = undefined;
    this.send({ type: 'seek', epoch: this.#epoch, position });
  }

  async next(): Promise<LogBatch> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const batch = this.#ready.shift();
      if (batch) {
        this.send({ type: 'credit', epoch: this.#epoch });
        return batch;
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failure = new Error('the correlator is stopping; its log reader is closed');
    this.notify();
    if (worker) await worker.terminate();
  }

  private send(command: ReaderCommand): void {
    if (this.#closing) return;
    (this.#worker ?? this.spawn()).postMessage(command);
  }

  private spawn(): Worker {
    const worker = new Worker(builtModuleUrl(new URL('./reader-worker.js', import.meta.url)), {
      workerData: this.init,
      // Parsing makes much short-lived garbage: a young generation as big as the main
      // thread's (`--max-semi-space-size=64`) keeps scavenges rare.
      resourceLimits: { maxYoungGenerationSizeMb: 192 },
    });
    worker.on('message', (reply: ReaderReply) => {
      if (reply.epoch !== this.#epoch) return; // read for a position since abandoned
      if (reply.type === 'batch') this.#ready.push(reply.batch);
      else this.#failure = Object.assign(new Error(reply.message), { name: reply.name });
      this.notify();
    });
    const lost = (err: Error): void => {
      if (this.#worker !== worker || this.#closing) return;
      // A new thread starts at the next seek, which follows the restore this failure causes.
      this.#worker = undefined;
      this.#failure = err;
      this.notify();
    };
    worker.on('error', lost);
    worker.on('exit', (code) =>
      lost(new Error(`the correlator's reader thread exited (code ${code})`)),
    );
    this.#worker = worker;
    return worker;
  }

  private notify(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
