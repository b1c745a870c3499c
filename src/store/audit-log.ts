import type { RedisClient } from './redis.js';
import type { AuditHead, AuditRecord } from '../audit/audit-entry.js';
import type { AppendOutcome, AuditLog } from '../audit/audit-trail.js';
import { serializeAuditRecord } from '../audit/chain.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

/** How long a writer that lost a race holds the next turn (it retries within a round trip). */
const RESERVATION_MS = 1_000;

/**
 * The audit trail in Redis: a LIST of stored records (index = seq - 1), a HASH with the head
 * (seq and hash of the last record) and a HASH of the once-keys records carried, all under one
 * hash tag. Only `appendAudit` writes.
 */
export class RedisAuditLog implements AuditLog {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async head(): Promise<AuditHead | undefined> {
    return toHead(await this.redis.hmget(this.keys.auditHead, 'seq', 'hash'));
  }

  async append(
    expected: AuditHead,
    records: AuditRecord | readonly AuditRecord[],
    writer: { id: string; now: number },
    once: readonly (string | undefined)[] = [],
  ): Promise<AppendOutcome> {
    const batch: readonly AuditRecord[] = Array.isArray(records) ? records : [records];
    const args: (string | number)[] = [
      expected.seq,
      expected.hash,
      writer.id,
      writer.now,
      RESERVATION_MS,
    ];
    batch.forEach((record, i) =>
      args.push(record.hash, serializeAuditRecord(record), once[i] ?? ''),
    );
    const [code, seq, hash, reserved, ...repeated] = (await this.#scripts.run(
      'appendAudit',
      [this.keys.auditLog, this.keys.auditHead, this.keys.auditOnce],
      args,
    )) as [number, number, string, number, ...number[]];
    if (code === 1) return { kind: 'appended', head: { seq, hash } };
    if (code === 2) return { kind: 'repeated', positions: repeated.map((n) => n - 1) };
    if (code === 0) return { kind: 'moved', head: { seq, hash }, nextTurnIsMine: reserved === 1 };
    return { kind: 'broken', length: seq };
  }

  /** The head and the number of stored records, read together (a consistent snapshot). */
  async snapshot(): Promise<{ head: AuditHead | undefined; length: number }> {
    const reply = await this.redis
      .multi()
      .hmget(this.keys.auditHead, 'seq', 'hash')
      .llen(this.keys.auditLog)
      .exec();
    const [headReply, lengthReply] = reply ?? [];
    const failed = headReply?.[0] ?? lengthReply?.[0];
    if (failed) throw failed;
    return {
      head: toHead(headReply?.[1] as (string | null)[]),
      length: Number(lengthReply?.[1] ?? 0),
    };
  }

  /** Stored records (raw JSON) at positions [start, start + count). */
  async read(start: number, count: number): Promise<string[]> {
    if (count <= 0) return [];
    return this.redis.lrange(this.keys.auditLog, start, start + count - 1);
  }

  /** The first `length` stored records, read page by page (constant memory). */
  async *records(length: number, pageSize = 1_000): AsyncGenerator<string> {
    for (let start = 0; start < length; start += pageSize) {
      const page = await this.read(start, Math.min(pageSize, length - start));
      yield* page;
      if (page.length < Math.min(pageSize, length - start)) return;
    }
  }
}

function toHead(fields: readonly (string | null)[]): AuditHead | undefined {
  const [seq, hash] = fields;
  return seq && hash ? { seq: Number(seq), hash } : undefined;
}
