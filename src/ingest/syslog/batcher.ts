/**
 * Collects messages per peer and hands them over in batches (up to `size` messages, or
 * whatever arrived within `delayMs` of the first), so a burst costs one ingest call per
 * batch instead of one per message, and a lone message waits at most `delayMs`.
 */
export type Deliver = (messages: Buffer[], peer: string) => Promise<void>;

interface Queue {
  messages: Buffer[];
  timer: NodeJS.Timeout | undefined;
  /** Deliveries of this peer run one after another, so its messages stay in order. */
  chain: Promise<void>;
  inFlight: number;
}

export class MessageBatcher {
  readonly #queues = new Map<string, Queue>();
  readonly #all = new Set<Promise<void>>();

  constructor(
    private readonly deliver: Deliver,
    private readonly size: number,
    private readonly delayMs: number,
    private readonly onError: (error: unknown, peer: string, count: number) => void,
  ) {}

  add(peer: string, messages: readonly Buffer[]): void {
    if (messages.length === 0) return;
    const queue = this.#queue(peer);
    queue.messages.push(...messages);
    while (queue.messages.length >= this.size) this.#flush(peer, queue, this.size);
    if (queue.messages.length > 0 && queue.timer === undefined)
      queue.timer = setTimeout(() => this.#flush(peer, queue, queue.messages.length), this.delayMs);
  }

  /** Batches of this peer handed over and not yet delivered (for backpressure). */
  inFlight(peer: string): number {
    return this.#queues.get(peer)?.inFlight ?? 0;
  }

  /** Resolves when everything of `peer` handed over so far is delivered. */
  settled(peer: string): Promise<void> {
    return this.#queues.get(peer)?.chain ?? Promise.resolve();
  }

  /** Hands over everything still waiting and resolves when every delivery has finished. */
  async drain(): Promise<void> {
    for (const [peer, queue] of this.#queues)
      if (queue.messages.length > 0) this.#flush(peer, queue, queue.messages.length);
    while (this.#all.size > 0) await Promise.all([...this.#all]);
  }

  #queue(peer: string): Queue {
    let queue = this.#queues.get(peer);
    if (queue === undefined) {
      queue = { messages: [], timer: undefined, chain: Promise.resolve(), inFlight: 0 };
      this.#queues.set(peer, queue);
    }
    return queue;
  }

  #flush(peer: string, queue: Queue, count: number): void {
    if (queue.timer !== undefined) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    const batch = queue.messages.splice(0, count);
    if (batch.length === 0) return;
    queue.inFlight += 1;
    const run = queue.chain.then(async () => {
      try {
        await this.deliver(batch, peer);
      } catch (error) {
        this.onError(error, peer, batch.length);
      } finally {
        queue.inFlight -= 1;
        if (queue.inFlight === 0 && queue.messages.length === 0 && queue.timer === undefined)
          this.#queues.delete(peer);
      }
    });
    queue.chain = run;
    this.#all.add(run);
    void run.finally(() => this.#all.delete(run));
    if (queue.messages.length > 0 && queue.timer === undefined)
      queue.timer = setTimeout(() => this.#flush(peer, queue, queue.messages.length), this.delayMs);
  }
}
