import { isUtf8 } from 'node:buffer';
import type { Redis } from 'ioredis';
import type { FieldError } from '../ingest/normalizers/types.js';
import type { Keys } from './keys.js';

export interface DeadLetterInput {
  readonly source: string;
  readonly reason: 'parse' | 'validate' | 'media-type' | 'correlate';
  readonly errors: readonly FieldError[];
  readonly contentType: string;
  readonly body: Buffer;
  readonly principal: string;
  readonly received: number;
}

export interface DeadLetter {
  readonly id: string;
  readonly source: string;
  readonly reason: string;
  readonly errors: FieldError[];
  readonly contentType: string;
  readonly principal: string;
  readonly received: number;
  /** Size of the body as received, bytes. */
  readonly size: number;
  readonly truncated: boolean;
  /** utf8 when the body was valid UTF-8, else base64. */
  readonly encoding: 'utf8' | 'base64';
  readonly body: string;
}

/**
 * Payloads that failed to parse or validate, kept for inspection and replay. A stream capped
 * at `maxEntries` (oldest evicted first); bodies beyond `bodyLimitBytes` are kept truncated.
 * Per-source totals count every rejection, evicted or not.
 */
export class DeadLetterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: { readonly maxEntries: number; readonly bodyLimitBytes: number },
  ) {}

  async add(input: DeadLetterInput): Promise<string> {
    const truncated = input.body.length > this.limits.bodyLimitBytes;
    const kept = truncated
      ? input.body.subarray(0, utf8Boundary(input.body, this.limits.bodyLimitBytes))
      : input.body;
    const utf8 = isUtf8(kept);
    const id = await this.redis
      .multi()
      .xadd(
        this.keys.deadLetters,
        'MAXLEN',
        '~',
        this.limits.maxEntries,
        '*',
        'source',
        input.source,
        'reason',
        input.reason,
        'errors',
        JSON.stringify(input.errors),
        'contentType',
        input.contentType,
        'principal',
        input.principal,
        'received',
        String(input.received),
        'size',
        String(input.body.length),
        'truncated',
        truncated ? '1' : '0',
        'encoding',
        utf8 ? 'utf8' : 'base64',
        'body',
        utf8 ? kept.toString('utf8') : kept.toString('base64'),
      )
      .hincrby(this.keys.deadLetterCounts, input.source, 1)
      .exec();
    const [err, value] = id?.[0] ?? [new Error('dead letter not written'), null];
    if (err) throw err;
    return String(value);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    if (!/^\d+-\d+$/.test(id)) return undefined;
    const entries = await this.redis.xrange(this.keys.deadLetters, id, id);
    const entry = entries[0];
    return entry ? toDeadLetter(entry[0], entry[1]) : undefined;
  }

  /** Newest first. `before` is an id from a previous page. */
  async list(options: { limit: number; before?: string; source?: string }): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    let end = options.before ? `(${options.before}` : '+';
    while (out.length < options.limit) {
      const batch = await this.redis.xrevrange(
        this.keys.deadLetters,
        end,
        '-',
        'COUNT',
        Math.max(options.limit, 100),
      );
      if (batch.length === 0) break;
      for (const [id, fields] of batch) {
        const dl = toDeadLetter(id, fields);
        if (!options.source || dl.source === options.source) out.push(dl);
        if (out.length >= options.limit) break;
      }
      end = `(${batch[batch.length - 1]?.[0] ?? '0-0'}`;
    }
    return out;
  }

  async totals(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.keys.deadLetterCounts);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
}

function toDeadLetter(id: string, flat: readonly string[]): DeadLetter {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
  return {
    id,
    source: f.source ?? '',
    reason: f.reason ?? '',
    errors: JSON.parse(f.errors ?? '[]') as FieldError[],
    contentType: f.contentType ?? '',
    principal: f.principal ?? '',
    received: Number(f.received ?? 0),
    size: Number(f.size ?? 0),
    truncated: f.truncated === '1',
    encoding: f.encoding === 'base64' ? 'base64' : 'utf8',
    body: f.body ?? '',
  };
}

/**
 * The largest cut at or below `limit` that does not split a UTF-8 sequence, so a text body
 * truncated for storage stays text. Binary bodies are stored base64 either way.
 */
function utf8Boundary(buf: Buffer, limit: number): number {
  let end = limit;
  // Continuation bytes are 10xxxxxx; a sequence is at most 4 bytes long.
  while (end > 0 && limit - end < 3 && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return end;
}
