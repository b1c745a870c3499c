import { CordonError } from '../shared/errors.js';
import { isCluster, masterOf, type RedisClient } from './redis.js';
import { writeAcknowledged, type ReplicaAck } from './replica-ack.js';
import type { CanonicalEvent, EntityField } from '../ingest/canonical-event.js';
import { partitionOf, partitionRoute } from '../ingest/event-partition.js';
import { storedEventJson, withStoredText } from './event-json.js';
import type { EventLogKeys, Keys } from './keys.js';
import { formatPosition, parseSeq, positionIds, qualifySeq } from './log-position.js';
import { evalAppend, frameParts, framedArguments } from './event-log-command.js';
import type { FramedParts } from './event-log-command.js';
import { restoreRawLabels } from './event-log-labels.js';
import type { CommandPart } from './event-log-command.js';
import { ScriptRunner } from './redis-scripts.js';
import { compareStreamIds, minStreamId, nextStreamId } from './stream-id.js';

export { compareStreamIds };
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
  /** Its partition key's hash (ingest/event-partition.ts): `route % N` is its log partition. */
  readonly route: number;
}

/**
 * An accepted event's stored form (the JSON made while the event object is at hand).
 * `partitionBy`: the entity field its source partitions the log by (default: the primary entity).
 */
export function toStoredEvent(event: CanonicalEvent, partitionBy?: EntityField): StoredEvent {
  const stored = storedEventJson(event);
  return {
    source: event.source,
    id: event.id,
    event: stored.event,
    text: stored.text,
    route: partitionRoute(event, partitionBy),
  };
}

/**
 * Stored events of one source as one block of bytes: for each event its member
 * ("<source>/<id>"), stored JSON and text JSON ("" when none), back to back, each already a
 * RESP bulk string (`$<n>\r\n<UTF-8>\r\n`, event-log-command.ts `frameParts`). An ingest
 * worker thread sends this (one transferred buffer) instead of strings, which would be copied
 * across and encoded again on the main thread; the main thread copies a batch's events into its
 * command in one piece, not argument by argument.
 */
export interface PackedEvents {
  readonly source: string;
  readonly ids: readonly string[];
  readonly bytes: Uint8Array;
  /** End offset in `bytes` of each part's bulk string: three per event (member, event, text). */
  readonly ends: Uint32Array;
  readonly withText: boolean;
  /** Each event's StoredEvent.route. */
  readonly routes: Uint32Array;
}

/** One partition's share of an append: its arguments, or its ranges of a packed block. */
interface Share {
  readonly args: CommandPart[];
  /** Indexes in the batch of the share's events. */
  readonly at: number[];
  /** Start, end pairs of the share's events in a packed block (event-log-command FramedParts). */
  readonly ranges: number[];
  withText: boolean;
}

function isPacked(events: readonly StoredEvent[] | PackedEvents): events is PackedEvents {
  return !Array.isArray(events);
}

/** Bytes of an empty argument as a bulk string (`$0\r\n\r\n`): a text part without text. */
const EMPTY_BULK_BYTES = 6;

/** Packs one source's stored events (see PackedEvents); `bytes` has a buffer of its own. */
export function packStoredEvents(source: string, events: readonly StoredEvent[]): PackedEvents {
  const ids = new Array<string>(events.length);
  const routes = new Uint32Array(events.length);
  const parts = new Array<string>(events.length * 3);
  let withText = false;
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i] as StoredEvent;
    ids[i] = e.id;
    routes[i] = e.route;
    parts[3 * i] = EventLog.memberOf(e.source, e.id);
    parts[3 * i + 1] = e.event;
    parts[3 * i + 2] = e.text;
    if (e.text !== '') withText = true;
  }
  const { bytes, ends } = frameParts(parts);
  return { source, ids, bytes, ends, withText, routes };
}

export interface LoggedEvent {
  readonly seq: string;
  readonly event: CanonicalEvent;
}

/** What one read of every partition handed out (EventLog.readMerged). */
export interface MergedRead {
  readonly entries: LoggedEvent[];
  /** The position after them (see store/log-position.ts). */
  readonly position: string;
  /** Log entries they stand for, counting the partitions' progress marks (see readMerged). */
  readonly consumed: number;
}

type RawEntry = [string, string[]];

/** A partition's progress mark: an entry with no event, written by a reader (see readMerged). */
const TICK_FIELD = 'tick';

/**
 * The durable event log: Redis streams that every accepted event is appended to before the
 * API answers 2xx, split into `partitions` (CORDON_EVENT_LOG_PARTITIONS) so ingest spreads over
 * a cluster's masters; each partition is one hash tag with its own dedupe memory and text
 * (store/keys.ts), and an event's partition is decided by ingest/event-partition.ts.
 * Correlators read every partition from their own checkpointed positions (see
 * correlate/correlator.ts); trimming never passes the oldest of them.
 */
export class EventLog {
  readonly #scripts: ScriptRunner;
  /** "<partition>:<period>" registered in a partition's text periods (one SADD each, ever). */
  readonly #periodsKnown = new Set<string>();
  readonly #keys: EventLogKeys[];

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /**
     * Replica acknowledgement (CORDON_INGEST_ACK_REPLICAS): appends run on `connection` (its
     * own, since WAIT holds it) on the master of the log, then WAIT for `replicas`.
     */
    private readonly ack?: ReplicaAck,
    /** CORDON_EVENT_LOG_PARTITIONS: 1 is the one stream earlier versions wrote. */
    readonly partitions = 1,
  ) {
    this.#scripts = new ScriptRunner(redis);
    this.#keys = Array.from({ length: partitions }, (_, p) => keys.eventPartition(p));
  }

  static memberOf(source: string, id: string): string {
    return `${source}/${id}`;
  }

  /** Partition `p`'s keys. */
  keysOf(partition: number): EventLogKeys {
    return this.#keys[partition] as EventLogKeys;
  }

  /**
   * Appends a batch atomically per partition (duplicates skipped). `textPeriodMs`: the
   * batch's source keeps its prompt/response text for its own period (`keep.text_ms`), so the
   * texts go to that period's order list; undefined: the list of CORDON_RETENTION_TEXT_MS.
   */
  async append(
    events: readonly CanonicalEvent[],
    now: number,
    dedupeWindowMs: number,
    textPeriodMs?: number,
  ): Promise<AppendOutcome[]> {
    return this.appendStored(
      events.map((e) => toStoredEvent(e)),
      now,
      dedupeWindowMs,
      textPeriodMs,
    );
  }

  /**
   * `append` for events already in their stored form: StoredEvent objects, or a PackedEvents
   * block (an ingest worker thread's, whose bytes go to Redis as they are). With several
   * partitions each partition's share is one script call (they run side by side): a batch is
   * atomic per partition, and a failed one is retried whole (the log deduplicates).
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
    const n = this.partitions;
    // Each partition's args (or ranges of the packed block) and withText, in the batch's order.
    const args = new Map<number, Share>();
    const share = (p: number): Share => {
      let s = args.get(p);
      if (!s) {
        s = {
          args: [String(Math.floor(now)), String(dedupeWindowMs), '0'],
          at: [],
          ranges: [],
          withText: false,
        };
        args.set(p, s);
      }
      return s;
    };
    if (packed) {
      const { ends, routes } = events;
      let start = 0;
      for (let i = 0; i < count; i += 1) {
        const s = share(partitionOf(routes[i] ?? 0, n));
        s.at.push(i);
        const end = ends[3 * i + 2] as number;
        if (end - (ends[3 * i + 1] as number) > EMPTY_BULK_BYTES) s.withText = true;
        // An event that follows the share's last one in the block extends its range: with
        // one partition the whole batch is one range, copied into the frame at once.
        const last = s.ranges.length - 1;
        if (last > 0 && s.ranges[last] === start) s.ranges[last] = end;
        else s.ranges.push(start, end);
        start = end;
      }
    } else {
      for (let i = 0; i < count; i += 1) {
        const e = events[i] as StoredEvent;
        const s = share(partitionOf(e.route, n));
        s.at.push(i);
        if (e.text !== '') s.withText = true;
        s.args.push(EventLog.memberOf(e.source, e.id), e.event, e.text);
      }
    }
    const out = new Array<AppendOutcome>(count);
    await Promise.all(
      [...args].map(async ([p, s]) => {
        s.args[2] = String(s.at.length);
        const keys = this.keysOf(p);
        let textOrder = keys.textOrder;
        if (textPeriodMs !== undefined && s.withText) {
          textOrder = keys.textOrderFor(textPeriodMs);
          // Registered before any text goes to the list, so the sweep never misses a list.
          const known = `${p}:${textPeriodMs}`;
          if (!this.#periodsKnown.has(known)) {
            await this.redis.sadd(keys.textPeriods, String(textPeriodMs));
            this.#periodsKnown.add(known);
          }
        }
        const framed = packed
          ? { bytes: events.bytes, ranges: s.ranges, count: 3 * s.at.length }
          : undefined;
        const seqs = (await this.#appendScript(
          keys.log,
          [keys.seenOrder, keys.where, keys.log, keys.seenLegacy, keys.text, textOrder],
          s.args,
          framed,
        )) as string[];
        s.at.forEach((i, k) => {
          const seq = seqs[k] ?? '';
          const duplicate = seq.startsWith('dup:');
          const id = packed ? (events.ids[i] as string) : (events[i] as StoredEvent).id;
          const source = packed ? events.source : (events[i] as StoredEvent).source;
          out[i] = { id, source, seq: qualifySeq(p, duplicate ? seq.slice(4) : seq), duplicate };
        });
      }),
    );
    return out;
  }

  /**
   * The append script (event-log-command.ts: one frame written once), then (ack mode) WAIT on
   * the same connection to the same master: WAIT counts the replicas that have this client's
   * writes, so both go to one node connection (a cluster's routing would send the keyless WAIT
   * to any node).
   */
  async #appendScript(
    log: string,
    keys: string[],
    args: CommandPart[],
    framed: FramedParts | undefined,
  ): Promise<unknown> {
    if (!this.ack || this.ack.replicas === 0)
      return this.#runAppend(this.redis, keys, args, framed);
    const { result, acknowledged: acked } = await writeAcknowledged(this.ack, log, (node) =>
      this.#runAppend(node, keys, args, framed),
    );
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

  /** EVALSHA as one encoded frame; EVAL through ScriptRunner when Redis lost the script. */
  async #runAppend(
    redis: RedisClient,
    keys: string[],
    args: CommandPart[],
    framed: FramedParts | undefined,
  ): Promise<unknown> {
    try {
      return await evalAppend(redis, keys, args, framed);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      const scripts = redis === this.redis ? this.#scripts : new ScriptRunner(redis);
      const all = framed === undefined ? args : [...args, ...framedArguments(framed)];
      return scripts.run('appendEvents', keys, all.map(asScriptArg));
    }
  }

  async get(source: string, id: string): Promise<LoggedEvent | undefined> {
    const [found] = await this.getMany([EventLog.memberOf(source, id)]);
    return found;
  }

  /**
   * Events by "<source>/<id>" (EventLog.memberOf), in order, undefined where the log no longer
   * holds one (retention) or its id is no longer remembered. Each partition's dedupe memory is
   * asked (an id is remembered in its event's partition only), then each holding partition
   * reads its entries: two round trips, each partition's side by side.
   */
  async getMany(members: readonly string[]): Promise<(LoggedEvent | undefined)[]> {
    if (members.length === 0) return [];
    const where = await Promise.all(this.#keys.map((k) => this.redis.hmget(k.where, ...members)));
    const seqs = members.map((_, i) => {
      for (let p = 0; p < this.partitions; p += 1) {
        const id = where[p]?.[i];
        if (id) return { partition: p, id };
      }
      return undefined;
    });
    const found = new Map<string, LoggedEvent>();
    await Promise.all(
      this.#keys.map(async (k, p) => {
        const ids = seqs.filter((s) => s?.partition === p).map((s) => s?.id as string);
        if (ids.length === 0) return;
        const pipeline = this.redis.pipeline();
        for (const id of ids) pipeline.xrange(k.log, id, id);
        const replies = (await pipeline.exec()) ?? [];
        const entries: RawEntry[] = [];
        for (const [err, rows] of replies) {
          if (err) throw err;
          entries.push(...(rows as RawEntry[]));
        }
        for (const l of await this.toLogged(p, entries)) found.set(l.seq, l);
      }),
    );
    return seqs.map((s) => (s ? found.get(qualifySeq(s.partition, s.id)) : undefined));
  }

  /** The entry at `seq` (it names its partition), if the log still holds it. */
  async at(seq: string): Promise<LoggedEvent | undefined> {
    const at = parseSeq(seq);
    if (!at || at.partition >= this.partitions) return undefined;
    const log = this.keysOf(at.partition).log;
    const [entry] = await this.toLogged(at.partition, await this.redis.xrange(log, at.id, at.id));
    return entry;
  }

  /**
   * Partition 0's entries after `after` (a stream id; '0-0' for the start), waiting up to
   * `blockMs` on `blockingRedis` (a dedicated connection) when there are none yet; with one
   * partition, the whole log. Readers of a split log use `readMerged`.
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
      this.keysOf(0).log,
      after,
    )) as [string, RawEntry[]][] | null;
    return this.toLogged(0, reply?.[0]?.[1] ?? []);
  }

  /**
   * Every partition's entries after `position`, merged into one order that is a function of
   * the log alone, so a correlator re-reading from a checkpoint sees exactly what it saw:
   * entries in order of (entry id, partition), and an entry only once every other partition
   * has an entry at or after its id (stream ids only grow, so nothing can come before it
   * later). A partition that lags behind (a backlog) thus holds the others back rather than
   * letting them run ahead, which would make its events late; a partition that is merely
   * quiet would hold everyone back, so the reader appends a progress mark (an entry without
   * an event) to it and the others go on at once. Waits up to `blockMs` when there is nothing.
   */
  async readMerged(
    client: RedisClient,
    position: string,
    count: number,
    blockMs: number,
  ): Promise<MergedRead> {
    const n = this.partitions;
    if (n === 1) {
      const entries = await this.readAfter(client, position, count, blockMs);
      return { entries, position: entries.at(-1)?.seq ?? position, consumed: entries.length };
    }
    const ids = positionIds(position, n);
    let read = await this.readEach(client, ids, count, 0);
    if (blockMs > 0 && read.every((r) => r.length === 0))
      read = await this.readEach(client, ids, count, blockMs);
    const last = read.map((r, p) => r.at(-1)?.[0] ?? (ids[p] as string));
    const all: { p: number; entry: RawEntry }[] = [];
    read.forEach((r, p) => {
      for (const entry of r) all.push({ p, entry });
    });
    all.sort((a, b) => compareStreamIds(a.entry[0], b.entry[0]) || a.p - b.p);
    let safe = 0;
    for (; safe < all.length; safe += 1) {
      const { p, entry } = all[safe] as { p: number; entry: RawEntry };
      if (!last.every((l, q) => q === p || compareStreamIds(entry[0], l) <= 0)) break;
    }
    const taken = all.slice(0, safe);
    if (safe < all.length) {
      // Held back by quiet partitions (those that returned less than asked): mark them.
      const first = (all[safe] as { entry: RawEntry }).entry[0];
      const quiet = last
        .map((l, q) => ({ l, q }))
        .filter(({ l, q }) => compareStreamIds(l, first) < 0 && (read[q]?.length ?? 0) < count);
      await Promise.all(
        quiet.map(({ q }) => this.redis.xadd(this.keysOf(q).log, '*', TICK_FIELD, '1')),
      );
    }
    for (const { p, entry } of taken) ids[p] = entry[0];
    const logged = new Map<string, LoggedEvent>();
    await Promise.all(
      read.map(async (_, p) => {
        const mine = taken.filter((t) => t.p === p).map((t) => t.entry);
        for (const l of await this.toLogged(p, mine)) logged.set(l.seq, l);
      }),
    );
    const entries: LoggedEvent[] = [];
    for (const { p, entry } of taken) {
      const l = logged.get(qualifySeq(p, entry[0]));
      if (l) entries.push(l);
    }
    return { entries, position: formatPosition(ids), consumed: taken.length };
  }

  /**
   * Each partition's entries after its id: one XREAD for all on a single Redis (it blocks
   * until any has one), one per partition on a cluster (their keys are in different slots).
   */
  private async readEach(
    client: RedisClient,
    ids: readonly string[],
    count: number,
    blockMs: number,
  ): Promise<RawEntry[][]> {
    const block = blockMs > 0 ? ['BLOCK', blockMs] : [];
    if (!isCluster(client)) {
      const logs = this.#keys.map((k) => k.log);
      const reply = (await client.call(
        'XREAD',
        'COUNT',
        count,
        ...block,
        'STREAMS',
        ...logs,
        ...ids,
      )) as [string, RawEntry[]][] | null;
      const byKey = new Map(reply ?? []);
      return logs.map((l) => byKey.get(l) ?? []);
    }
    return Promise.all(
      this.#keys.map(async (k, p) => {
        const reply = (await client.call(
          'XREAD',
          'COUNT',
          count,
          ...block,
          'STREAMS',
          k.log,
          ids[p] as string,
        )) as [string, RawEntry[]][] | null;
        return reply?.[0]?.[1] ?? [];
      }),
    );
  }

  /** Entries ever added and entries held now (XINFO STREAM), summed over partitions, for lag. */
  async counters(): Promise<{ added: number; length: number }> {
    const each = await this.partitionCounters();
    return {
      added: each.reduce((a, c) => a + c.added, 0),
      length: each.reduce((a, c) => a + c.length, 0),
    };
  }

  /** `counters` of each partition. */
  async partitionCounters(): Promise<{ added: number; length: number }[]> {
    return Promise.all(
      this.#keys.map(async (k) => {
        try {
          // XINFO names its key after a subcommand, which a cluster client does not route by:
          // it goes to the partition's master itself.
          const node = await masterOf(this.redis, k.log);
          const info = toRecord((await node.xinfo('STREAM', k.log)) as unknown[]);
          const length = Number(info.length ?? 0);
          return { added: Number(info['entries-added'] ?? length), length };
        } catch (err) {
          if (err instanceof Error && err.message.includes('no such key'))
            return { added: 0, length: 0 };
          throw err;
        }
      }),
    );
  }

  /** Time (ms) of the first entry after `position` in any partition, if there is one. */
  async firstTimeAfter(position: string): Promise<number | undefined> {
    const times = (await this.firstTimesAfter(position)).filter(
      (t): t is number => t !== undefined,
    );
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** `firstTimeAfter` of each partition. */
  async firstTimesAfter(position: string): Promise<(number | undefined)[]> {
    const ids = positionIds(position, this.partitions);
    return Promise.all(
      this.#keys.map(async (k, p) => {
        const [entry] = await this.redis.xrange(k.log, `(${ids[p]}`, '+', 'COUNT', 1);
        return entry ? Number(entry[0].split('-')[0]) : undefined;
      }),
    );
  }

  /**
   * Trims entries older than the retention window and, past `maxEntries` (split evenly over
   * the partitions), the oldest ones, but never one at or after `keepFrom` (the position some
   * correlator has not yet checkpointed past). Works in steps of at most TRIM_STEP entries and
   * repeats until caught up, so it keeps up with any ingest rate (one approximate XTRIM stops
   * at 10,000 entries). Returns the number of entries removed.
   */
  async trim(
    now: number,
    retentionMs: number,
    keepFrom: string,
    maxEntries = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const floors = positionIds(keepFrom, this.partitions);
    const each = Math.ceil(maxEntries / this.partitions);
    let removed = 0;
    for (let p = 0; p < this.partitions; p += 1)
      removed += await this.trimPartition(p, now, retentionMs, floors[p] as string, each);
    return removed;
  }

  private async trimPartition(
    p: number,
    now: number,
    retentionMs: number,
    keepFrom: string,
    maxEntries: number,
  ): Promise<number> {
    const log = this.keysOf(p).log;
    const floor = nextStreamId(keepFrom);
    let removed = await this.trimBefore(
      log,
      minStreamId(`${Math.max(0, now - retentionMs)}-0`, floor),
    );
    for (;;) {
      const excess = (await this.redis.xlen(log)) - maxEntries;
      if (excess <= 0) break;
      const nth = (await this.#scripts.run('nthEventId', [log], [Math.min(excess, TRIM_STEP)])) as
        string | null;
      if (!nth) break;
      const n = await this.trimBefore(log, minStreamId(nextStreamId(nth), floor));
      removed += n;
      // Held by a correlator's checkpoint: what is left has not been correlated yet.
      if (n === 0) break;
    }
    return removed;
  }

  /** Removes every entry of `log` before `bound`, in bounded steps. */
  private async trimBefore(log: string, bound: string): Promise<number> {
    let removed = 0;
    for (;;) {
      // `~` frees whole stream nodes, at most TRIM_STEP entries per call.
      const n = Number(
        await this.redis.call('XTRIM', log, 'MINID', '~', bound, 'LIMIT', TRIM_STEP),
      );
      removed += n;
      if (n === 0) break;
    }
    // What is left before the bound shares one node with later entries: a few, removed exactly.
    return removed + Number(await this.redis.call('XTRIM', log, 'MINID', bound));
  }

  /**
   * Forgets up to `limit` event ids (per partition) accepted before `horizon` (the dedupe
   * window's start), and any stamped more than a window ahead of `now` (a clock stepped back);
   * returns how many. Appends forget as they go; this finishes the job when ingest is quiet.
   */
  async forget(horizon: number, limit: number, now: number): Promise<number> {
    let forgotten = 0;
    for (const k of this.#keys)
      forgotten += Number(
        await this.#scripts.run(
          'forgetSeen',
          [k.seenOrder, k.where, k.seenLegacy],
          [horizon, limit, now + (now - horizon)],
        ),
      );
    return forgotten;
  }

  /**
   * Newest-first scan for GET /v1/events: entries before `before` (a position, as `next`
   * gives it; the newest when absent) that `match`, up to `limit` of them, reading at most
   * `budget` entries so one request stays short. Partitions are merged newest-first by entry
   * id. `next` is where to continue (absent when every partition's start was reached).
   */
  async scanBackward(
    before: string | undefined,
    match: (event: CanonicalEvent) => boolean,
    limit: number,
    budget: number,
  ): Promise<{ events: LoggedEvent[]; next?: string; scanned: number }> {
    const n = this.partitions;
    // Per partition: the exclusive upper bound still to read below ('0-0': nothing left).
    const ends: (string | undefined)[] =
      before === undefined ? new Array<undefined>(n).fill(undefined) : positionIds(before, n);
    const bufs: RawEntry[][] = ends.map(() => []);
    const done = ends.map((e) => e === '0-0');
    // What `next` says per partition: the last entry handed out, or (not yet reached) the bound.
    const cursor = ends.map((e) => e ?? '');
    const events: LoggedEvent[] = [];
    let scanned = 0;
    const fill = async (p: number, page: number): Promise<void> => {
      const end = ends[p] === undefined ? '+' : `(${ends[p]}`;
      const rows = (await this.redis.xrevrange(
        this.keysOf(p).log,
        end,
        '-',
        'COUNT',
        page,
      )) as RawEntry[];
      bufs[p] = rows;
      const lastRow = rows.at(-1);
      if (lastRow) ends[p] = lastRow[0];
      // Fixes where a partition not yet reached starts, so `next` never admits newer entries.
      if (cursor[p] === '') cursor[p] = rows[0] ? nextStreamId(rows[0][0]) : '0-0';
      if (rows.length < page) done[p] = true;
    };
    while (scanned < budget) {
      const page = Math.min(1_000, budget - scanned);
      // Take up to a page of entries newest-first across partitions.
      const picks: { p: number; entry: RawEntry }[] = [];
      while (picks.length < page) {
        const empty = [...bufs.keys()].filter((p) => bufs[p]?.length === 0 && !done[p]);
        if (empty.length > 0) await Promise.all(empty.map((p) => fill(p, page)));
        let best = -1;
        for (let p = 0; p < n; p += 1) {
          const head = bufs[p]?.[0];
          if (!head) continue;
          const top = best < 0 ? undefined : bufs[best]?.[0];
          if (!top || compareStreamIds(head[0], top[0]) >= 0) best = p;
        }
        if (best < 0) break;
        picks.push({ p: best, entry: (bufs[best] as RawEntry[]).shift() as RawEntry });
      }
      const logged = new Map<string, LoggedEvent>();
      await Promise.all(
        bufs.map(async (_, p) => {
          const mine = picks.filter((t) => t.p === p).map((t) => t.entry);
          for (const l of await this.toLogged(p, mine)) logged.set(l.seq, l);
        }),
      );
      for (const { p, entry } of picks) {
        scanned += 1;
        cursor[p] = entry[0];
        const l = logged.get(qualifySeq(p, entry[0]));
        if (l && match(l.event)) {
          events.push(l);
          if (events.length === limit) return { events, next: this.cursorOf(cursor), scanned };
        }
      }
      if (picks.length < page) return { events, scanned };
    }
    return { events, next: this.cursorOf(cursor), scanned };
  }

  /** `next` of scanBackward: the plain entry id with one partition (as before partitions). */
  private cursorOf(cursor: readonly string[]): string {
    return formatPosition(cursor.map((c) => (c === '' ? '0-0' : c)));
  }

  /**
   * Removes the text (and raw) of up to `limit` events (per partition) accepted before
   * `horizon` (-1: none by age) but before `keepFrom` (the position some correlator has yet to
   * checkpoint past; '0-0': none known), and of events the log no longer holds; the events
   * stay. Returns how many. `periodMs`: the texts of sources with that `keep.text_ms`
   * (undefined: the others).
   */
  async forgetText(
    horizon: number,
    limit: number,
    keepFrom = '0-0',
    periodMs?: number,
  ): Promise<number> {
    const floors = positionIds(keepFrom, this.partitions);
    let removed = 0;
    for (const [p, k] of this.#keys.entries()) {
      const order = periodMs === undefined ? k.textOrder : k.textOrderFor(periodMs);
      removed += Number(
        await this.#scripts.run(
          'forgetText',
          [k.text, order, k.log],
          [horizon, limit, floors[p] as string],
        ),
      );
    }
    return removed;
  }

  /** The text periods of sources that set `keep.text_ms`, ever (each has its own list). */
  async textPeriods(): Promise<number[]> {
    const all = new Set<number>();
    for (const k of this.#keys)
      for (const m of await this.redis.smembers(k.textPeriods)) {
        const n = Number(m);
        if (Number.isSafeInteger(n) && n >= 0) all.add(n);
      }
    return [...all];
  }

  /** Entries held now, over every partition. */
  async length(): Promise<number> {
    let total = 0;
    for (const k of this.#keys) total += await this.redis.xlen(k.log);
    return total;
  }

  /**
   * Parses partition `p`'s entries (progress marks skipped), putting back the text kept apart
   * (one HMGET for those that have it).
   */
  private async toLogged(p: number, entries: readonly RawEntry[]): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    const withText: { logged: LoggedEvent; id: string }[] = [];
    for (const [id, fields] of entries) {
      const payload = fieldValue(fields, 'e');
      if (!payload) continue;
      const event = JSON.parse(payload) as CanonicalEvent;
      // Labels stored by reference to the event's raw (store/event-log-labels.ts) put back.
      if ((event as { lx?: unknown }).lx !== undefined) restoreRawLabels(event);
      const logged = { seq: qualifySeq(p, id), event };
      out.push(logged);
      if (fieldValue(fields, 't') !== undefined) withText.push({ logged, id });
    }
    if (withText.length > 0) {
      const texts = await this.redis.hmget(this.keysOf(p).text, ...withText.map((w) => w.id));
      withText.forEach((w, i) => withStoredText(w.logged.event, texts[i]));
    }
    return out;
  }
}

/** A frame part as ScriptRunner takes it (a Buffer view of the same bytes, no copy). */
function asScriptArg(part: CommandPart): ScriptArg {
  return typeof part === 'string' || Buffer.isBuffer(part)
    ? part
    : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
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
