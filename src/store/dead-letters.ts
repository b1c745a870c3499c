import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { redactText, type TextPolicy } from '../ingest/keep-policy.js';
import type { RedisClient } from './redis.js';
import type { FieldError } from '../ingest/normalizers/types.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

export interface DeadLetterInput {
  readonly source: string;
  readonly reason: 'parse' | 'validate' | 'partial' | 'media-type' | 'auth' | 'correlate';
  readonly errors: readonly FieldError[];
  readonly contentType: string;
  readonly body: Buffer;
  readonly principal: string;
  readonly received: number;
}

/** What the list route pages through: everything but the body. */
export interface DeadLetterSummary {
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
  /**
   * Why the body was not kept (its source says `keep.text: drop`: a refused body may hold
   * prompts); `sha256` then names the body as received, so a sender's copy can be matched.
   */
  readonly withheld?: string;
  readonly sha256?: string;
  /** Secrets, emails and card numbers were replaced in the body (`keep.text: redact`). */
  readonly redacted?: boolean;
}

export interface DeadLetter extends DeadLetterSummary {
  readonly body: string;
}

export interface DeadLetterLimits {
  /** Bodies larger than this are kept truncated. */
  readonly bodyLimitBytes: number;
  readonly maxEntries: number;
  /** Bodies and error lists together; the oldest letters go first. */
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  /**
   * The text retention period of a source's letters (its `keep.text_ms`, else
   * CORDON_RETENTION_TEXT_MS): a refused body may hold prompts, so a letter goes once that
   * period is over, before `maxAgeMs` if shorter. 0 or absent: only the limits above apply.
   */
  readonly textMsFor?: (source: string) => number;
  /**
   * A source's `keep.text`, applied to its refused bodies as to its events' text: `redact`
   * redacts a text body, `drop` keeps the letter (why, where, size, digest) without the body.
   * Absent: `keep`.
   */
  readonly textPolicyFor?: (source: string) => TextPolicy;
}

/** Evictions per trim call: keeps one script short even after the limits were lowered. */
const TRIM_BUDGET = 1_000;

/**
 * Payloads that failed to parse or validate, kept for inspection and replay, within a count,
 * a total size and an age (oldest evicted first). Summaries live in a stream and bodies in a
 * hash beside it, so a page of the list never loads a body. Per-source totals count every
 * rejection, evicted or not.
 */
export class DeadLetterStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly limits: DeadLetterLimits,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async add(input: DeadLetterInput): Promise<string> {
    const truncated = input.body.length > this.limits.bodyLimitBytes;
    const kept = truncated
      ? input.body.subarray(0, utf8Boundary(input.body, this.limits.bodyLimitBytes))
      : input.body;
    const utf8 = isUtf8(kept);
    const policy = this.limits.textPolicyFor?.(input.source) ?? 'keep';
    const privacy: (string | number)[] = [];
    let body = utf8 ? kept.toString('utf8') : kept.toString('base64');
    if (policy === 'drop') {
      body = '';
      privacy.push(
        'withheld',
        'keep.text: drop',
        'sha256',
        createHash('sha256').update(input.body).digest('hex'),
      );
    } else if (policy === 'redact' && utf8) {
      const clean = redactText(body);
      if (clean !== body) privacy.push('redacted', '1');
      body = clean;
    }
    const errors = JSON.stringify(input.errors);
    const bytes = Buffer.byteLength(body) + Buffer.byteLength(errors);
    const textMs = this.limits.textMsFor?.(input.source) ?? 0;
    const id = String(
      await this.#scripts.run(
        'addDeadLetter',
        [
          this.keys.deadLetters,
          this.keys.deadLetterBodies,
          this.keys.deadLetterCounts,
          this.keys.deadLetterBytes,
          this.keys.deadLetterExpiry,
        ],
        [
          bytes,
          body,
          'source',
          input.source,
          'reason',
          input.reason,
          'errors',
          errors,
          'contentType',
          input.contentType,
          'principal',
          input.principal,
          'received',
          input.received,
          'size',
          input.body.length,
          'truncated',
          truncated ? '1' : '0',
          'encoding',
          utf8 ? 'utf8' : 'base64',
          ...privacy,
          ...(textMs > 0 ? ['expires', input.received + textMs] : []),
        ],
      ),
    );
    await this.trim(input.received, id);
    return id;
  }

  /**
   * Evicts the oldest letters past any limit. Runs after every add, and every minute in the
   * API process so letters age out while none arrive.
   */
  async trim(now: number, keep = ''): Promise<{ evicted: number; entries: number; bytes: number }> {
    const [evicted, entries, bytes] = (await this.#scripts.run(
      'trimDeadLetters',
      [
        this.keys.deadLetters,
        this.keys.deadLetterBodies,
        this.keys.deadLetterBytes,
        this.keys.deadLetterExpiry,
      ],
      [now, this.limits.maxEntries, this.limits.maxBytes, this.limits.maxAgeMs, keep, TRIM_BUDGET],
    )) as [number, number, number];
    return { evicted, entries, bytes };
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    if (!/^\d+-\d+$/.test(id)) return undefined;
    const [entries, body] = await Promise.all([
      this.redis.xrange(this.keys.deadLetters, id, id),
      this.redis.hget(this.keys.deadLetterBodies, id),
    ]);
    const entry = entries[0];
    if (!entry) return undefined;
    const fields = fieldsOf(entry[1]);
    // Letters written before bodies moved to their own hash carry the body in the entry.
    return { ...toSummary(entry[0], fields), body: body ?? fields.body ?? '' };
  }

  /** Newest first, without bodies. `before` is an id from a previous page. */
  async list(options: {
    limit: number;
    before?: string;
    source?: string;
  }): Promise<DeadLetterSummary[]> {
    const out: DeadLetterSummary[] = [];
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
      for (const [id, flat] of batch) {
        const dl = toSummary(id, fieldsOf(flat));
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

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
  return f;
}

function toSummary(id: string, f: Record<string, string>): DeadLetterSummary {
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
    ...(f.withheld ? { withheld: f.withheld, sha256: f.sha256 ?? '' } : {}),
    ...(f.redacted === '1' ? { redacted: true } : {}),
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
