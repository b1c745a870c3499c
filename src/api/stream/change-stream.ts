import type { ServerResponse } from 'node:http';
import {
  coalesce,
  type Change,
  type ChangeFeed,
  type ChangeKind,
} from '../../store/change-feed.js';
import type { ChangeWatcher } from '../../store/change-watcher.js';
import { sseComment, sseMessage } from './sse.js';

/** Feed entries read per round trip. */
const PAGE = 500;
/** A client this far behind in reading what was sent is cut off (it reconnects and resumes). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Current shapes of changed objects, by id (objects gone since are left out). */
export type ShapeLoader = (
  kind: ChangeKind,
  ids: readonly string[],
) => Promise<ReadonlyMap<string, unknown>>;

export interface ChangeStreamOptions {
  readonly response: ServerResponse;
  readonly feed: ChangeFeed;
  readonly watcher: ChangeWatcher;
  readonly load: ShapeLoader;
  /** Send what changed after this cursor. */
  readonly cursor: string;
  readonly heartbeatMs: number;
  readonly logger: { warn(obj: object, msg: string): void };
  /** Called once when the stream ends, whoever ended it. */
  readonly onEnd: () => void;
}

/**
 * One open GET /v1/stream: sends, in feed order, the current shape of each incident, approval
 * and run that changed after its cursor, each message's `id:` the feed cursor to resume after.
 * Woken by the process's ChangeWatcher; heartbeats keep idle connections open.
 */
export class ChangeStream {
  #cursor: string;
  #pumping = false;
  #again = false;
  #ended = false;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(private readonly o: ChangeStreamOptions) {
    this.#cursor = o.cursor;
    this.#heartbeat = setInterval(() => this.#write(sseComment('ping')), o.heartbeatMs);
    this.#unsubscribe = o.watcher.subscribe(() => void this.pump());
    // The peer went away: its socket may linger half-open, which would hold a server close.
    const socket = o.response.socket;
    o.response.on('close', () => {
      this.end();
      socket?.destroy();
    });
  }

  get cursor(): string {
    return this.#cursor;
  }

  /** Sends everything after the cursor; concurrent calls fold into one more pass. */
  async pump(): Promise<void> {
    if (this.#ended) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          const changes = await this.o.feed.after(this.#cursor, PAGE);
          if (changes.length === 0 || this.#ended) break;
          await this.#send(coalesce(changes));
          this.#cursor = (changes[changes.length - 1] as Change).cursor;
          if (changes.length < PAGE) break;
        }
      } while (this.#again && !this.#ended);
    } catch (err) {
      // Redis away: the next wake-up (the watcher retries) tries again from the same cursor.
      this.o.logger.warn({ err }, 'change stream could not read the feed');
    } finally {
      this.#pumping = false;
    }
  }

  /** Ends the stream and drops its connection at once (shutdown: nothing may hold it open). */
  terminate(): void {
    const socket = this.o.response.socket;
    this.end();
    socket?.destroy();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    if (!this.o.response.writableEnded) this.o.response.end();
    this.o.onEnd();
  }

  async #send(batch: readonly Change[]): Promise<void> {
    const byKind = new Map<ChangeKind, string[]>();
    for (const c of batch) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.id]);
    const shapes = new Map<ChangeKind, ReadonlyMap<string, unknown>>();
    await Promise.all(
      [...byKind].map(async ([kind, ids]) => shapes.set(kind, await this.o.load(kind, ids))),
    );
    let out = '';
    for (const c of batch) {
      const shape = shapes.get(c.kind)?.get(c.id);
      if (shape !== undefined) out += sseMessage({ id: c.cursor, event: c.kind, data: shape });
    }
    if (out) this.#write(out);
  }

  #write(text: string): void {
    const res = this.o.response;
    if (this.#ended || res.writableEnded) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.o.logger.warn(
        { bufferedBytes: res.writableLength },
        'change stream client does not keep up; closing it (it resumes from its last id)',
      );
      this.end();
    }
  }
}
