import { CordonError } from '../shared/errors.js';
import { masterOf, refreshSlots, type RedisClient } from './redis.js';
import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { storedEventJson, withStoredText } from './event-json.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';
import type { ScriptArg } from './redis-scripts.js';

/** Most entries one trim step removes: keeps each Redis call short. */
const TRIM_STEP = 10_000;

export interface AppendOutcome {
  readonly id: string;
  readonly source: string;
  /** Stream entry id: the event's position in the durable log. */
  readonly seq: string;
  readonly duplicate: boolean;
}

/**
 * An accepted event as the log takes it: its source and id (the dedupe member), its stored
 * JSON and its kept-apart text JSON ("" when none), as `storedEventJson` writes them. Ingest
 * worker threads make these, so the main thread appends text, not objects.
 */
export interface StoredEvent {
  readonly source: string;
  readonly id: string;
  readonly event: string;
  readonly text: string;
}

/** An accepted event's stored form (the JSON made while the event object is at hand). */
export function toStoredEvent(event: CanonicalEvent): StoredEvent {
  const stored = storedEventJson(event);
  return { source: event.source, id: event.id, event: stored.event, text: stored.text };
}

/**
 * Stored events of one source as one UTF-8 block: for each event its member
 * ("<source>/<id>"), stored JSON and text JSON ("" when none), back to back. An ingest worker
 * thread sends this (one transferred buffer) instead of strings, which would be copied across
 * and encoded again on the main thread.
 */
export interface PackedEvents {
  readonly source: string;
  readonly ids: readonly string[];
  readonly bytes: Uint8Array;
  /** End offset in `bytes` of each part: three per event (member, event, text). */
  readonly ends: Uint32Array;
  readonly withText: boolean;
}

function isPacked(events: readonly StoredEvent[] | PackedEvents): events is PackedEvents {
  return !Array.isArray(events);
}

/** Packs one source's stored events (see PackedEvents); `bytes` has a buffer of its own. */
export function packStoredEvents(source: string, events: readonly StoredEvent[]): PackedEvents {
  const ids = new Array<string>(events.length);
  const parts = new Array<string>(events.length * 3);
  let total = 0;
  let withText = false;
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i] as StoredEvent;
    ids[i] = e.id;
    parts[3 * i] = EventLog.memberOf(e.source, e.id);
    parts[3 * i + 1] = e.event;
    parts[3 * i + 2] = e.text;
    if (e.text !== '') withText = true;
  }
  for (const part of parts) total += Buffer.byteLength(part);
  // Not from Node's shared pool: the buffer is transferred to another thread whole.
  const bytes = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i += 1) {
    at += bytes.write(parts[i] as string, at, 'utf8');
    ends[i] = at;
  }
  return { source, ids, bytes, ends, withText };
}

export interface LoggedEvent {
  readonly seq: string;
  readonly event: CanonicalEvent;
}

/**
 * The durable event log: a Redis stream that every accepted event is appended to before the
 * API answers 2xx. Correlators read it from their own checkpointed offsets (see
 * correlate/correlator.ts); trimming never passes the oldest of them.
 */
export class EventLog {
  readonly #scripts: ScriptRunner;
  /** Text periods this process has registered in `eventTextPeriods` (one SADD each, ever). */
  readonly #periodsKnown = new Set<number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /**
     * Replica acknowledgement (CORDON_INGEST_ACK_REPLICAS): appends run on `connection` (its
     * own, since WAIT holds it) on the master of the log, then WAIT for `replicas`.
     */
    private readonly ack?: {
      readonly replicas: number;
      readonly timeoutMs: number;
      readonly connection: RedisClient;
    },
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  static memberOf(source: string, id: string): string {
    return `${source}/${id}`;
  }

  /**
   * Appends a batch atomically (duplicates skipped). `textPeriodMs`: the batch's source keeps
   * its prompt/response text for its own period (`keep.text_ms`), so the texts go to that
   * period's order list; undefined: the list of CORDON_RETENTION_TEXT_MS.
   */
  async append(
    events: readonly CanonicalEvent[],
    now: number,
    dedupeWindowMs: number,
    textPeriodMs?: number,
  ): Promise<AppendOutcome[]> {
    return this.appendStored(events.map(toStoredEvent), now, dedupeWindowMs, textPeriodMs);
  }

  /**
   * `append` for events already in their stored form: StoredEvent objects, or a PackedEvents
   * block (an ingest worker thread's, whose bytes go to Redis as they are).
   */
  async appendStored(
    events: readonly StoredEvent[] | PackedEvents,
    now: number,
    dedupeWindowMs: number,
    textPeriodMs?: number,
  ): Promise<AppendOutcome[]> {
    const packed = isPacked(events);
    const count = packed ? events.ids.length : events.length;
    if (count === 0) return [];
    const args: ScriptArg[] = [Math.floor(now), dedupeWindowMs, count];
    let withText = false;
    if (packed) {
      withText = events.withText;
      const { bytes, ends } = events;
      let start = 0;
      for (let i = 0; i < ends.length; i += 1) {
        const end = ends[i] as number;
        // Views of the block, no copy: the Redis client writes Buffers as they are.
        args.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start));
        start = end;
      }
    } else {
      for (const e of events) {
        if (e.text !== '') withText = true;
        args.push(EventLog.memberOf(e.source, e.id), e.event, e.text);
      }
    }
    let textOrder = this.keys.eventTextOrder;
    if (textPeriodMs !== undefined && withText) {
      textOrder = this.keys.eventTextOrderFor(textPeriodMs);
      // Registered before any text goes to the list, so the sweep never misses a list.
      if (!this.#periodsKnown.has(textPeriodMs)) {
        await this.redis.sadd(this.keys.eventTextPeriods, String(textPeriodMs));
        this.#periodsKnown.add(textPeriodMs);
      }
    }
    const seqs = (await this.#appendScript(
      [
        this.keys.eventSeenOrder,
        this.keys.eventWhere,
        this.keys.eventLog,
        this.keys.eventSeenLegacy,
        this.keys.eventText,
        textOrder,
      ],
      args,
    )) as string[];
    const out = new Array<AppendOutcome>(count);
    for (let i = 0; i < count; i += 1) {
      const seq = seqs[i] ?? '';
      const duplicate = seq.startsWith('dup:');
      const id = packed ? (events.ids[i] as string) : (events[i] as StoredEvent).id;
      const source = packed ? events.source : (events[i] as StoredEvent).source;
      out[i] = { id, source, seq: duplicate ? seq.slice(4) : seq, duplicate };
    }
    return out;
  }

  /**
   * The append script, then (ack mode) WAIT on the same connection to the same master: WAIT
   * counts the replicas that have this client's writes, so both go to one node connection
   * (a cluster's routing would send the keyless WAIT to any node).
   */
  async #appendScript(keys: string[], args: ScriptArg[]): Promise<unknown> {
    if (!this.ack || this.ack.replicas === 0) return this.#scripts.run('appendEvents', keys, args);
    const node = await masterOf(this.ack.connection, this.keys.eventLog);
    let result: unknown;
    let acked: number;
    try {
      result = await new ScriptRunner(node).run('appendEvents', keys, args);
      acked = Number(await node.wait(this.ack.replicas, this.ack.timeoutMs));
    } catch (err) {
      // The node failed or lost the slot (failover): the next append asks the cluster again.
      void refreshSlots(this.ack.connection);
      throw err;
    }
    if (acked < this.ack.replicas)
      throw new CordonError(
        'CORDON_ERR_INGEST_NOT_REPLICATED',
        `Only ${acked} of ${this.ack.replicas} Redis replica(s) acknowledged the events within ${this.ack.timeoutMs} ms (CORDON_INGEST_ACK_REPLICAS, CORDON_INGEST_ACK_TIMEOUT_MS); they may not survive a failover. Retry: the log deduplicates by event id.`,
        {
          details: {
            replicas: this.ack.replicas,
            acknowledged: acked,
            timeoutMs: this.ack.timeoutMs,
          },
        },
      );
    return result;
  }

  async get(source: string, id: string): Promise<LoggedEvent | undefined> {
    const seq = await this.redis.hget(this.keys.eventWhere, EventLog.memberOf(source, id));
    if (!seq) return undefined;
    const [entry] = await this.toLogged(await this.redis.xrange(this.keys.eventLog, seq, seq));
    return entry;
  }

  /**
   * Events by "<source>/<id>" (EventLog.memberOf), in order, undefined where the log no longer
   * holds one (retention) or its id is no longer remembered: two pipelined round trips.
   */
  async getMany(members: readonly string[]): Promise<(LoggedEvent | undefined)[]> {
    if (members.length === 0) return [];
    const seqs = await this.redis.hmget(this.keys.eventWhere, ...members);
    const pipeline = this.redis.pipeline();
    for (const seq of seqs) if (seq) pipeline.xrange(this.keys.eventLog, seq, seq);
    const replies = (await pipeline.exec()) ?? [];
    const entries: [string, string[]][] = [];
    for (const [err, rows] of replies) {
      if (err) throw err;
      entries.push(...(rows as [string, string[]][]));
    }
    const bySeq = new Map((await this.toLogged(entries)).map((l) => [l.seq, l]));
    return seqs.map((seq) => (seq ? bySeq.get(seq) : undefined));
  }

  /** The entry at `seq`, if the log still holds it. */
  async at(seq: string): Promise<LoggedEvent | undefined> {
    const [entry] = await this.toLogged(await this.redis.xrange(this.keys.eventLog, seq, seq));
    return entry;
  }

  /**
   * Entries after `after` (a stream id; '0-0' for the start), waiting up to `blockMs` on
   * `blockingRedis` (a dedicated connection) when there are none yet.
   */
  async readAfter(
    blockingRedis: RedisClient,
    after: string,
    count: number,
    blockMs: number,
  ): Promise<LoggedEvent[]> {
    const reply = (await blockingRedis.call(
      'XREAD',
      'COUNT',
      count,
      ...(blockMs > 0 ? ['BLOCK', blockMs] : []),
      'STREAMS',
      this.keys.eventLog,
      after,
    )) as [string, [string, string[]][]][] | null;
    return this.toLogged(reply?.[0]?.[1] ?? []);
  }

  /** Entries ever added and entries held now (XINFO STREAM), for lag. */
  async counters(): Promise<{ added: number; length: number }> {
    try {
      const info = toRecord((await this.redis.xinfo('STREAM', this.keys.eventLog)) as unknown[]);
      const length = Number(info.length ?? 0);
      return { added: Number(info['entries-added'] ?? length), length };
    } catch (err) {
      if (err instanceof Error && err.message.includes('no such key'))
        return { added: 0, length: 0 };
      throw err;
    }
  }

  /** Time (ms) of the first entry after `after`, if there is one. */
  async firstTimeAfter(after: string): Promise<number | undefined> {
    const [entry] = await this.redis.xrange(this.keys.eventLog, `(${after}`, '+', 'COUNT', 1);
    return entry ? Number(entry[0].split('-')[0]) : undefined;
  }

  /**
   * Trims entries older than the retention window and, past `maxEntries`, the oldest ones, but
   * never one at or after `keepFrom` (the oldest entry some correlator has not yet checkpointed
   * past). Works in steps of at most TRIM_STEP entries and repeats until caught up, so it keeps
   * up with any ingest rate (one approximate XTRIM stops at 10,000 entries). Returns the number
   * of entries removed.
   */
  async trim(
    now: number,
    retentionMs: number,
    keepFrom: string,
    maxEntries = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const floor = nextStreamId(keepFrom);
    let removed = await this.trimBefore(minStreamId(`${Math.max(0, now - retentionMs)}-0`, floor));
    for (;;) {
      const excess = (await this.length()) - maxEntries;
      if (excess <= 0) break;
      const nth = (await this.#scripts.run(
        'nthEventId',
        [this.keys.eventLog],
        [Math.min(excess, TRIM_STEP)],
      )) as string | null;
      if (!nth) break;
      const n = await this.trimBefore(minStreamId(nextStreamId(nth), floor));
      removed += n;
      // Held by a correlator's checkpoint: what is left has not been correlated yet.
      if (n === 0) break;
    }
    return removed;
  }

  /** Removes every entry before `bound`, in bounded steps. */
  private async trimBefore(bound: string): Promise<number> {
    let removed = 0;
    for (;;) {
      // `~` frees whole stream nodes, at most TRIM_STEP entries per call.
      const n = Number(
        await this.redis.call('XTRIM', this.keys.eventLog, 'MINID', '~', bound, 'LIMIT', TRIM_STEP),
      );
      removed += n;
      if (n === 0) break;
    }
    // What is left before the bound shares one node with later entries: a few, removed exactly.
    return removed + Number(await this.redis.call('XTRIM', this.keys.eventLog, 'MINID', bound));
  }

  /**
   * Forgets up to `limit` event ids accepted before `horizon` (the dedupe window's start), and
   * any stamped more than a window ahead of `now` (a clock stepped back); returns how many.
   * Appends forget as they go; this finishes the job when ingest is quiet.
   */
  async forget(horizon: number, limit: number, now: number): Promise<number> {
    return Number(
      await this.#scripts.run(
        'forgetSeen',
        [this.keys.eventSeenOrder, this.keys.eventWhere, this.keys.eventSeenLegacy],
        [horizon, limit, now + (now - horizon)],
      ),
    );
  }

  /**
   * Newest-first scan for GET /v1/events: entries before `before` (a stream id; the newest when
   * absent) that `match`, up to `limit` of them, reading at most `budget` entries so one request
   * stays short. `next` is where to continue (absent when the log's start was reached).
   */
  async scanBackward(
    before: string | undefined,
    match: (event: CanonicalEvent) => boolean,
    limit: number,
    budget: number,
  ): Promise<{ events: LoggedEvent[]; next?: string; scanned: number }> {
    const events: LoggedEvent[] = [];
    let end = before === undefined ? '+' : `(${before}`;
    let scanned = 0;
    while (scanned < budget) {
      const page = Math.min(1_000, budget - scanned);
      const entries = (await this.redis.xrevrange(this.keys.eventLog, end, '-', 'COUNT', page)) as [
        string,
        string[],
      ][];
      for (const [index, logged] of (await this.toLogged(entries)).entries()) {
        if (match(logged.event)) {
          events.push(logged);
          if (events.length === limit)
            return { events, next: logged.seq, scanned: scanned + index + 1 };
        }
      }
      scanned += entries.length;
      const last = entries[entries.length - 1];
      if (entries.length < page || !last) return { events, scanned };
      end = `(${last[0]}`;
    }
    const lastSeen = end.slice(1);
    return { events, next: lastSeen, scanned };
  }

  /**
   * Removes the text (and raw) of up to `limit` events accepted before `horizon` (-1: none by
   * age) but before `keepFrom` (the oldest entry some correlator has yet to checkpoint past;
   * '0-0': none known), and of events the log no longer holds; the events stay. Returns how
   * many. `periodMs`: the texts of sources with that `keep.text_ms` (undefined: the others).
   */
  async forgetText(
    horizon: number,
    limit: number,
    keepFrom = '0-0',
    periodMs?: number,
  ): Promise<number> {
    const order =
      periodMs === undefined ? this.keys.eventTextOrder : this.keys.eventTextOrderFor(periodMs);
    return Number(
      await this.#scripts.run(
        'forgetText',
        [this.keys.eventText, order, this.keys.eventLog],
        [horizon, limit, keepFrom],
      ),
    );
  }

  /** The text periods of sources that set `keep.text_ms`, ever (each has its own list). */
  async textPeriods(): Promise<number[]> {
    const members = await this.redis.smembers(this.keys.eventTextPeriods);
    return members.map(Number).filter((n) => Number.isSafeInteger(n) && n >= 0);
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.eventLog);
  }

  /** Parses entries, putting back the text kept apart (one HMGET for those that have it). */
  private async toLogged(entries: readonly [string, string[]][]): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    const withText: LoggedEvent[] = [];
    for (const [seq, fields] of entries) {
      const payload = fieldValue(fields, 'e');
      if (!payload) continue;
      const logged = { seq, event: JSON.parse(payload) as CanonicalEvent };
      out.push(logged);
      if (fieldValue(fields, 't') !== undefined) withText.push(logged);
    }
    if (withText.length > 0) {
      const texts = await this.redis.hmget(this.keys.eventText, ...withText.map((l) => l.seq));
      withText.forEach((logged, i) => withStoredText(logged.event, texts[i]));
    }
    return out;
  }
}

function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function toRecord(flat: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function parseId(id: string): [bigint, bigint] {
  const [ms, seq] = id.split('-');
  return [BigInt(ms ?? '0'), BigInt(seq ?? '0')];
}

/** Orders stream ids ("<ms>-<seq>"): negative when a is before b. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

function minStreamId(a: string, b: string): string {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  return am < bm || (am === bm && as <= bs) ? a : b;
}

function nextStreamId(id: string): string {
  const [ms, seq] = parseId(id);
  return `${ms}-${seq + 1n}`;
}
