import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

/**
 * The change feed: a Redis stream with one entry `{k: kind, id}` per change of an incident,
 * approval or run, appended by the very Lua script that makes the change (so a change and its
 * entry are one atomic step, whichever Cordon process made it). Readers (GET /v1/stream) keep
 * the stream entry id as their cursor and load the object's current shape themselves.
 * Capped at about this many entries (XADD MAXLEN ~): a reader further behind gets a reset.
 */
export const CHANGE_FEED_MAX_LEN = 50_000;

export const CHANGE_KINDS = ['incident', 'approval', 'run'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  /** The stream entry id: resume after it. */
  readonly cursor: string;
  readonly kind: ChangeKind;
  readonly id: string;
}

/** Stream ids are "<ms>-<seq>". */
export const CURSOR_PATTERN = /^\d{1,16}-\d{1,16}$/;

/** Orders two stream ids ("<ms>-<seq>"): negative, zero or positive. */
export function compareCursors(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/**
 * Keeps only the last change of each object, in the order of those last changes: a reader sends
 * an object's current shape once per batch, and a resume from any cursor it sent still sees
 * every object that changed after that cursor.
 */
export function coalesce(changes: readonly Change[]): Change[] {
  const last = new Map<string, Change>();
  for (const c of changes) {
    const key = `${c.kind}\n${c.id}`;
    last.delete(key);
    last.set(key, c);
  }
  return [...last.values()];
}

export class ChangeFeed {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The newest entry's cursor, '0-0' when the feed is empty. */
  async head(): Promise<string> {
    const last = await this.redis.xrevrange(this.keys.changes, '+', '-', 'COUNT', 1);
    return last[0]?.[0] ?? '0-0';
  }

  /** Entries after `cursor` (exclusive), oldest first, at most `count`. */
  async after(cursor: string, count: number): Promise<Change[]> {
    const rows = await this.redis.xrange(this.keys.changes, `(${cursor}`, '+', 'COUNT', count);
    const out: Change[] = [];
    for (const [entryId, fields] of rows) {
      const kind = fieldOf(fields, 'k');
      const id = fieldOf(fields, 'id');
      if (id && (CHANGE_KINDS as readonly string[]).includes(kind ?? ''))
        out.push({ cursor: entryId, kind: kind as ChangeKind, id });
    }
    return out;
  }

  /**
   * Whether a reader at `cursor` can no longer resume without loss: entries after it were
   * trimmed away, or the cursor is ahead of anything this feed wrote (another Redis, a reset
   * store).
   */
  async lostAfter(cursor: string): Promise<boolean> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', this.keys.changes)) as unknown[];
    } catch (err) {
      // No feed yet: only the empty cursor is current.
      if (err instanceof Error && /no such key/i.test(err.message)) return cursor !== '0-0';
      throw err;
    }
    const field = (name: string): unknown => info[info.indexOf(name) + 1];
    const generated = field('last-generated-id');
    const lastGenerated = typeof generated === 'string' ? generated : '0-0';
    if (compareCursors(cursor, lastGenerated) > 0) return true;
    // Trimming leaves no record of which ids it removed (max-deleted-entry-id counts XDEL
    // only): a cursor before the oldest entry held may have missed some once any were removed.
    // Conservative: a reader that missed nothing may be told to reload, never the reverse.
    const first = field('first-entry') as [string, string[]] | null | undefined;
    const added = Number(field('entries-added') ?? Number.NaN);
    const length = Number(field('length') ?? 0);
    const trimmed = Number.isNaN(added) || added > length;
    if (!first) return trimmed && compareCursors(cursor, lastGenerated) < 0;
    return trimmed && compareCursors(cursor, first[0]) < 0;
  }
}

function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
