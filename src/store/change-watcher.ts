import type { RedisClient } from './redis.js';
import type { Logger } from '../shared/logger.js';
import type { Keys } from './keys.js';

/** How long one XREAD blocks (ms): also the longest a stop waits for the reader to notice. */
const BLOCK_MS = 5_000;

/**
 * Wakes this process's change-feed readers when the feed grows, whichever process wrote to it:
 * one blocking XREAD per process (on a connection of its own, opened while anyone listens),
 * instead of one per reader. Listeners are only told "something new"; each reads what it has
 * not sent yet from its own cursor, so a listener that joins late or falls behind loses nothing.
 */
export class ChangeWatcher {
  readonly #listeners = new Set<() => void>();
  #connection: RedisClient | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly connect: () => RedisClient,
    private readonly keys: Keys,
    private readonly logger: Logger,
  ) {}

  /** Calls `listener` after each growth of the feed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    if (this.#closed) throw new Error('ChangeWatcher is closed.');
    this.#listeners.add(listener);
    this.#loop ??= this.#run();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#connection?.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let cursor = '$';
    while (!this.#closed) {
      try {
        if (!this.#connection) {
          this.#connection = this.connect();
          this.#connection.on('error', () => undefined);
        }
        const reply = await this.#connection.xread(
          'COUNT',
          1,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.keys.changes,
          cursor,
        );
        const entries = reply?.[0]?.[1];
        const last = entries?.[entries.length - 1];
        if (!last) continue;
        // COUNT 1 and the newest id: the next read waits for entries after what exists now.
        cursor =
          (await this.#connection.xrevrange(this.keys.changes, '+', '-', 'COUNT', 1))[0]?.[0] ??
          last[0];
        for (const listener of [...this.#listeners]) listener();
      } catch (err) {
        if (this.#closed) break;
        this.logger.warn({ err }, 'change feed watch failed; retrying in 1 s');
        // What happened meanwhile is found by each reader from its own cursor.
        cursor = '$';
        await new Promise((r) => setTimeout(r, 1_000).unref());
        for (const listener of [...this.#listeners]) listener();
      }
    }
    this.#connection?.disconnect();
    this.#connection = undefined;
  }
}
