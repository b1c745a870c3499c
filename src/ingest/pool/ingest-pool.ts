import { Worker } from 'node:worker_threads';
import { builtModuleUrl } from '../../shared/built-module-url.js';
import { CordonError } from '../../shared/errors.js';
import type { EntityField } from '../canonical-event.js';
import type { KeepPolicy } from '../keep-policy.js';
import { getSourceKind } from '../sources/registry.js';
import type { PreparedBatch } from '../stored-batch.js';
import type { PoolJob, PoolReply, PoolSource, PoolWorkerInit } from './pool-protocol.js';

export interface IngestPoolOptions {
  /** Worker threads (at least 1). */
  readonly workers: number;
  /** Bodies waiting for a thread beyond those being read; one more is refused (busy). */
  readonly maxQueued: number;
  /** Bodies a thread holds at once: the next is ready when one is sent back. */
  readonly perWorker?: number;
  readonly init: PoolWorkerInit;
  /** The worker module (tests give one that can crash); default ingest-worker.js. */
  readonly workerUrl?: URL;
  /** Told when a thread died (and was replaced), with how many bodies it held. */
  readonly onWorkerLost?: (err: Error, lostJobs: number) => void;
}

type JobInput = Omit<PoolJob, 'id' | 'body'> & { readonly body: Buffer };

interface Pending {
  readonly job: PoolJob;
  readonly resolve: (result: PreparedBatch) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly held: Map<number, Pending>;
}

/**
 * Ingest worker threads for big bodies of stateless source kinds. A body is copied to a
 * thread, which parses and normalises it, applies the keep policy and makes each event's
 * stored JSON; only that text comes back (structured-cloning event objects back cost about as
 * much as reading them), and the main thread deduplicates and appends it as before, so the
 * 2xx still follows the durable append.
 *
 * Bounded: at most `perWorker` bodies per thread and `maxQueued` waiting; one more is refused
 * at once with CORDON_ERR_INGEST_BUSY (503, the sender retries). A thread that dies is
 * replaced; the bodies it held are answered CORDON_ERR_INGEST_WORKER_FAILED (503), never
 * dropped silently: nothing of them was appended.
 */
export class IngestPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #perWorker: number;
  readonly #url: URL;
  #nextId = 0;
  #closed = false;

  constructor(private readonly o: IngestPoolOptions) {
    this.#perWorker = Math.max(1, o.perWorker ?? 2);
    this.#url = o.workerUrl ?? builtModuleUrl(new URL('./ingest-worker.js', import.meta.url));
    for (let i = 0; i < Math.max(1, o.workers); i += 1) {
      const slot: Slot = { worker: undefined as unknown as Worker, held: new Map() };
      slot.worker = this.#spawn(slot);
      this.#slots.push(slot);
    }
  }

  get workers(): number {
    return this.#slots.length;
  }

  /** Bodies being read plus waiting (for metrics and tests). */
  get pending(): number {
    let held = 0;
    for (const slot of this.#slots) held += slot.held.size;
    return held + this.#queue.length;
  }

  /** Reads a body on a thread; rejects busy when the queue is full. */
  prepare(input: JobInput): Promise<PreparedBatch> {
    if (this.#closed)
      return Promise.reject(
        new CordonError(
          'CORDON_ERR_INGEST_BUSY',
          'Cordon is stopping; retry against another instance.',
          {
            details: { retryAfterS: 1 },
          },
        ),
      );
    const slot = this.#freeSlot();
    if (slot === undefined && this.#queue.length >= this.o.maxQueued) {
      return Promise.reject(
        new CordonError(
          'CORDON_ERR_INGEST_BUSY',
          `Ingest is busy: ${this.pending} bodies are being read or waiting (bound: ${this.o.workers} worker threads × ${this.#perWorker} + CORDON_INGEST_WORKER_QUEUE=${this.o.maxQueued}); nothing from source "${input.source}" was accepted. Retry shortly.`,
          { details: { source: input.source, retryAfterS: 1 } },
        ),
      );
    }
    this.#nextId += 1;
    // A copy of its own, transferred: the request keeps its body for the answer and dead letters.
    const body = new Uint8Array(input.body);
    const job: PoolJob = { ...input, id: this.#nextId, body };
    return new Promise<PreparedBatch>((resolve, reject) => {
      const pending: Pending = { job, resolve, reject };
      if (slot === undefined) this.#queue.push(pending);
      else this.#send(slot, pending);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const stopping = new Error('Cordon is stopping');
    for (const p of this.#queue.splice(0)) p.reject(busy(p.job.source, stopping));
    await Promise.all(
      this.#slots.map(async (slot) => {
        await slot.worker.terminate();
        for (const p of slot.held.values()) p.reject(busy(p.job.source, stopping));
        slot.held.clear();
      }),
    );
  }

  #freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots)
      if (
        slot.held.size < this.#perWorker &&
        (best === undefined || slot.held.size < best.held.size)
      )
        best = slot;
    return best;
  }

  #send(slot: Slot, pending: Pending): void {
    slot.held.set(pending.job.id, pending);
    // A thread holding bodies keeps the process alive (their answers are owed); an idle one not.
    if (slot.held.size === 1) slot.worker.ref();
    slot.worker.postMessage(pending.job, [pending.job.body.buffer as ArrayBuffer]);
  }

  #spawn(slot: Slot): Worker {
    const worker = new Worker(this.#url, {
      workerData: this.o.init,
      // Reading makes much short-lived garbage: a young generation as big as the main
      // thread's (`--max-semi-space-size=64`) keeps scavenges rare.
      resourceLimits: { maxYoungGenerationSizeMb: 192 },
    });
    worker.on('message', (reply: PoolReply) => {
      const pending = slot.held.get(reply.id);
      if (pending === undefined) return;
      slot.held.delete(reply.id);
      if (slot.held.size === 0) worker.unref();
      if ('result' in reply) pending.resolve(reply.result);
      else
        pending.reject(
          Object.assign(new Error(reply.failure.message), { name: reply.failure.name }),
        );
      this.#drain(slot);
    });
    let lost = false;
    const onLost = (err: Error): void => {
      if (lost || slot.worker !== worker) return;
      lost = true;
      const held = [...slot.held.values()];
      slot.held.clear();
      if (!this.#closed) slot.worker = this.#spawn(slot);
      this.o.onWorkerLost?.(err, held.length);
      for (const p of held)
        p.reject(
          new CordonError(
            'CORDON_ERR_INGEST_WORKER_FAILED',
            `The ingest worker thread reading this body stopped (${err.message}); nothing from source "${p.job.source}" was accepted. Retry; the thread was replaced.`,
            { details: { source: p.job.source, retryAfterS: 1 } },
          ),
        );
      if (!this.#closed) this.#drain(slot);
    };
    worker.on('error', onLost);
    worker.on('exit', (code) => {
      if (!this.#closed) onLost(new Error(`exit code ${code}`));
    });
    worker.unref();
    return worker;
  }

  #drain(slot: Slot): void {
    while (slot.held.size < this.#perWorker) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      this.#send(slot, next);
    }
  }
}

function busy(source: string, err: Error): CordonError {
  return new CordonError(
    'CORDON_ERR_INGEST_BUSY',
    `${err.message}; nothing from source "${source}" was accepted. Retry shortly.`,
    { details: { source, retryAfterS: 1 } },
  );
}

/**
 * The pool for a set of sources, with the sources it may read (those whose kind offloads and
 * whose options allow it); undefined when `workers` is 0 or no source qualifies.
 */
export function poolForSources(
  sources: Iterable<{
    name: string;
    type: string;
    options?: unknown;
    keep?: KeepPolicy;
    partitionBy?: EntityField;
  }>,
  settings: {
    workers: number;
    maxQueued: number;
    maxDepth: number | undefined;
    /** The worker module (see IngestPoolOptions.workerUrl). */
    workerUrl?: URL | undefined;
  },
  onWorkerLost?: IngestPoolOptions['onWorkerLost'],
): IngestPool | undefined {
  if (settings.workers <= 0) return undefined;
  const offloaded: PoolSource[] = [];
  for (const s of sources) {
    const kind = getSourceKind(s.type);
    if (kind?.offload === undefined || kind.enrich !== undefined) continue;
    if (!(kind.offload.eligible?.(s.options) ?? true)) continue;
    offloaded.push({
      name: s.name,
      type: s.type,
      options: s.options,
      keep: s.keep,
      ...(s.partitionBy === undefined ? {} : { partitionBy: s.partitionBy }),
    });
  }
  if (offloaded.length === 0) return undefined;
  return new IngestPool({
    workers: settings.workers,
    maxQueued: settings.maxQueued,
    init: { sources: offloaded, maxDepth: settings.maxDepth },
    ...(settings.workerUrl === undefined ? {} : { workerUrl: settings.workerUrl }),
    ...(onWorkerLost === undefined ? {} : { onWorkerLost }),
  });
}
