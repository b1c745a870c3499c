import type { Redis } from 'ioredis';
import type { CanonicalEvent } from '../ingest/canonical-event.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

export interface AppendOutcome {
  readonly id: string;
  readonly source: string;
  /** Stream entry id: the event's position in the durable log. */
  readonly seq: string;
  readonly duplicate: boolean;
}

export interface LoggedEvent {
  readonly seq: string;
  readonly event: CanonicalEvent;
}

/**
 * The durable event log: a Redis stream that every accepted event is appended to before the
 * API answers 2xx, read by correlators through a consumer group (at-least-once; events are
 * acknowledged only after their effects are recorded).
 */
export class EventLog {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  static memberOf(source: string, id: string): string {
    return `${source}/${id}`;
  }

  async append(
    events: readonly CanonicalEvent[],
    now: number,
    dedupeWindowMs: number,
  ): Promise<AppendOutcome[]> {
    if (events.length === 0) return [];
    const args: (string | number)[] = [now, dedupeWindowMs, events.length];
    for (const e of events) args.push(EventLog.memberOf(e.source, e.id), JSON.stringify(e));
    const seqs = (await this.#scripts.run(
      'appendEvents',
      [this.keys.eventSeen, this.keys.eventWhere, this.keys.eventLog],
      args,
    )) as string[];
    return events.map((e, i) => {
      const seq = seqs[i] ?? '';
      const duplicate = seq.startsWith('dup:');
      return { id: e.id, source: e.source, seq: duplicate ? seq.slice(4) : seq, duplicate };
    });
  }

  async get(source: string, id: string): Promise<LoggedEvent | undefined> {
    const seq = await this.redis.hget(this.keys.eventWhere, EventLog.memberOf(source, id));
    if (!seq) return undefined;
    const entries = await this.redis.xrange(this.keys.eventLog, seq, seq);
    const fields = entries[0]?.[1];
    const payload = fields ? fieldValue(fields, 'e') : undefined;
    return payload ? { seq, event: JSON.parse(payload) as CanonicalEvent } : undefined;
  }

  async ensureGroup(group: string): Promise<void> {
    try {
      // '0': a new group starts from the beginning of the log, so nothing accepted is skipped.
      await this.redis.xgroup('CREATE', this.keys.eventLog, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /**
   * Reads entries for `consumer`: its own unacknowledged ones when `pending` (after a restart),
   * else new ones, blocking up to `blockMs` on `blockingRedis` (a dedicated connection).
   */
  async read(
    blockingRedis: Redis,
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
    pending: boolean,
  ): Promise<LoggedEvent[]> {
    const reply = (await blockingRedis.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      ...(pending ? [] : ['BLOCK', blockMs]),
      'STREAMS',
      this.keys.eventLog,
      pending ? '0' : '>',
    )) as [string, [string, string[]][]][] | null;
    return toLogged(reply?.[0]?.[1] ?? []);
  }

  /** Takes over entries another consumer left unacknowledged for longer than `minIdleMs`. */
  async claimStale(
    group: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<LoggedEvent[]> {
    const reply = (await this.redis.xautoclaim(
      this.keys.eventLog,
      group,
      consumer,
      minIdleMs,
      '0',
      'COUNT',
      count,
    )) as [string, [string, string[] | null][]];
    return toLogged(reply[1].filter((e): e is [string, string[]] => Array.isArray(e[1])));
  }

  async ack(group: string, seqs: readonly string[]): Promise<void> {
    if (seqs.length > 0) await this.redis.xack(this.keys.eventLog, group, ...seqs);
  }

  /**
   * Trims entries older than the retention window, but never one a consumer group has not
   * yet delivered and acknowledged: the bound is the oldest pending or undelivered entry.
   */
  async trim(now: number, retentionMs: number): Promise<void> {
    let bound = `${Math.max(0, now - retentionMs)}-0`;
    const groups = (await this.redis
      .xinfo('GROUPS', this.keys.eventLog)
      .catch(() => [])) as unknown[][];
    for (const g of groups) {
      const info = toRecord(g);
      const name = String(info.name);
      const lastDelivered =
        typeof info['last-delivered-id'] === 'string' ? info['last-delivered-id'] : '0-0';
      bound = minStreamId(bound, nextStreamId(lastDelivered));
      const summary = (await this.redis.xpending(this.keys.eventLog, name)) as [
        number,
        string | null,
        ...unknown[],
      ];
      if (summary[0] > 0 && summary[1]) bound = minStreamId(bound, summary[1]);
    }
    await this.redis.xtrim(this.keys.eventLog, 'MINID', '~', bound);
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.eventLog);
  }
}

function toLogged(entries: readonly [string, string[]][]): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  for (const [seq, fields] of entries) {
    const payload = fieldValue(fields, 'e');
    if (payload) out.push({ seq, event: JSON.parse(payload) as CanonicalEvent });
  }
  return out;
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

function minStreamId(a: string, b: string): string {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  return am < bm || (am === bm && as <= bs) ? a : b;
}

function nextStreamId(id: string): string {
  const [ms, seq] = parseId(id);
  return `${ms}-${seq + 1n}`;
}
