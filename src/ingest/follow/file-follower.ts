import { open, readFile, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Where a follower has read to, saved so a restart neither skips nor resends lines. */
export interface FollowState {
  readonly ino: number;
  readonly offset: number;
}

export interface FollowOptions {
  readonly path: string;
  /** Start at the file's start (true) or its end (false) when there is no saved state. */
  readonly fromStart: boolean;
  /** Saved read position (survives restarts); absent = not saved. */
  readonly stateFile?: string;
  /** Most lines per delivery. */
  readonly maxLines: number;
  /** How often the file is checked for growth, rotation or truncation. */
  readonly pollMs: number;
  /** Longest line kept; a longer one is cut (a log line that long is not a log line). */
  readonly maxLineBytes: number;
  /**
   * Delivers complete lines. Resolves once they are durably accepted (or refused for good);
   * rejects to be retried after `retryMs`, with the same lines.
   */
  readonly deliver: (lines: string[]) => Promise<void>;
  readonly retryMs: (err: unknown) => number;
  readonly onError?: (err: unknown) => void;
}

/**
 * Follows a log file like `tail -F`: sends complete lines in batches, keeps going across
 * rotation (a new inode) and truncation (the file shrank), and saves its position only after a
 * batch was delivered — at-least-once, and ingest deduplicates resends by content.
 */
export class FileFollower {
  #state: FollowState | undefined;
  #handle: FileHandle | undefined;
  /** The file was rotated away or missing: the next one opened is new, whatever its inode. */
  #replaced = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly o: FollowOptions) {}

  /** Runs until `stop()`; resolves after the last delivery in flight. */
  async run(): Promise<void> {
    this.#state = await this.#loadState();
    while (!this.#stopped) {
      try {
        const progressed = await this.#step();
        if (!progressed) await this.#sleep(this.o.pollMs);
      } catch (err) {
        this.o.onError?.(err);
        await this.#sleep(this.o.retryMs(err));
      }
    }
    await this.#handle?.close();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wake?.();
  }

  /** One read-and-deliver round; false when there was nothing new. */
  async #step(): Promise<boolean> {
    let onPath;
    try {
      onPath = await stat(this.o.path);
    } catch {
      onPath = undefined; // not there yet, or between rotation and re-creation
    }
    if (this.#handle && this.#state && onPath?.ino !== this.#state.ino) {
      // Rotated (or removed): first read what is left of the old file — lines written since
      // the last round, or by a writer still on it until it reopens — then move on.
      if (await this.#read(this.#handle, this.#state)) return true;
      await this.#handle.close();
      this.#handle = undefined;
      this.#replaced = true;
    }
    if (!this.#handle) {
      if (!onPath) {
        this.#replaced = true; // whatever appears at the path now is new: read it whole
        return false;
      }
      let handle;
      try {
        handle = await open(this.o.path, 'r');
      } catch {
        return false;
      }
      // The position belongs to the file actually opened (the path may have moved on since).
      const opened = await handle.stat();
      const saved = this.#state;
      this.#state = this.#replaced
        ? { ino: opened.ino, offset: 0 } // a new file (rotated in, or created) is read whole
        : saved === undefined
          ? { ino: opened.ino, offset: this.o.fromStart ? 0 : opened.size }
          : saved.ino === opened.ino
            ? saved
            : { ino: opened.ino, offset: 0 }; // rotated while stopped
      this.#handle = handle;
      this.#replaced = false;
    }
    return this.#read(this.#handle, this.#state as FollowState);
  }

  /** Reads and delivers the complete lines after `state` in `handle`; false when none. */
  async #read(handle: FileHandle, state: FollowState): Promise<boolean> {
    const { size } = await handle.stat();
    // Truncated (copytruncate): read again from the start.
    if (size < state.offset) state = this.#state = { ino: state.ino, offset: 0 };
    if (size === state.offset) return false;
    const want = Math.min(size - state.offset, 1 << 20);
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buffer, 0, want, state.offset);
    const chunk = buffer.subarray(0, bytesRead);
    // Lines end at a newline byte; the rest is read again next round, when it is complete (by
    // bytes, so a multi-byte character split by the read is never miscounted).
    const lastNewline = chunk.lastIndexOf(0x0a);
    let consumed = lastNewline + 1;
    if (lastNewline < 0 && bytesRead >= this.o.maxLineBytes) consumed = bytesRead;
    if (consumed === 0) return false;
    const complete = chunk
      .subarray(0, consumed)
      .toString('utf8')
      .split('\n')
      .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
      .filter((l) => l.trim() !== '');
    for (let i = 0; i < complete.length; i += this.o.maxLines) {
      const batch = complete
        .slice(i, i + this.o.maxLines)
        .map((l) => l.slice(0, this.o.maxLineBytes));
      await this.o.deliver(batch);
    }
    this.#state = { ino: state.ino, offset: state.offset + consumed };
    await this.#saveState();
    return true;
  }

  async #loadState(): Promise<FollowState | undefined> {
    if (!this.o.stateFile) return undefined;
    try {
      const saved = JSON.parse(await readFile(this.o.stateFile, 'utf8')) as Partial<FollowState>;
      if (typeof saved.ino === 'number' && typeof saved.offset === 'number')
        return { ino: saved.ino, offset: saved.offset };
    } catch {
      // No state yet (first run) or unreadable: start per fromStart.
    }
    return undefined;
  }

  async #saveState(): Promise<void> {
    if (this.o.stateFile && this.#state)
      await writeFile(this.o.stateFile, JSON.stringify(this.#state));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
