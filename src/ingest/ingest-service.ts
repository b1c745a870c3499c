import type { Clock } from '../shared/clock.js';
import { CordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { DeadLetterStore } from '../store/dead-letters.js';
import type { EventLog } from '../store/event-log.js';
import type { EntityField, NormalisedEvent } from './canonical-event.js';
import { enrichEvents, PROCESS_SECRETS } from './enrich-events.js';
import type { KeepPolicy } from './keep-policy.js';
import type { FieldError, NormaliseResult, RejectedItem } from './normalizers/types.js';
import type { IngestPool } from './pool/ingest-pool.js';
import { storedEvents } from './stored-batch.js';
import type { PreparedBatch } from './stored-batch.js';
import { LocalSourceMemory } from './sources/memory.js';
import { getSourceKind } from './sources/registry.js';
import type { AnySourceKind, EnrichContext, SourceMemory } from './sources/source-kind.js';

export interface SourceInfo {
  readonly name: string;
  /** Connector type = source kind (generic, alertmanager, grafana, okta, cef …). */
  readonly type: string;
  /** The connector's compiled `options:`. */
  readonly options?: unknown;
  /** What of the sender's payload is stored beside each event (default: DEFAULT_KEEP_POLICY). */
  readonly keep?: KeepPolicy;
  /** The entity field its events are spread over the event-log partitions by (connector `partition_by`). */
  readonly partitionBy?: EntityField;
}

export interface IngestRequest {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** Header names lower-cased (Node's own form). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Drop-in endpoints: which endpoint of the sender's protocol (`raw`, `event`, `bulk`). */
  readonly endpoint?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

export interface IngestOutcome {
  readonly source: string;
  readonly accepted: number;
  readonly duplicates: number;
  readonly events: readonly {
    readonly id: string;
    readonly seq: string;
    readonly duplicate: boolean;
  }[];
  readonly warnings: readonly string[];
  /** Items of the batch refused while the rest went in, by index, with why. */
  readonly rejected: readonly RejectedItem[];
  /** Where the refused items are kept (the whole body, with their errors). */
  readonly deadLetterId?: string;
}

export interface IngestServiceOptions {
  readonly sources: ReadonlyMap<string, SourceInfo>;
  readonly log: EventLog;
  readonly deadLetters: DeadLetterStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly dedupeWindowMs: number;
  readonly maxDepth?: number;
  /** Join/delta memory per source (Redis in production; in-process when absent). */
  readonly memoryFor?: (source: string) => SourceMemory;
  /** What kinds that enrich from a sender's API call (default: the global fetch). */
  readonly fetch?: typeof fetch;
  /** Where their secret references are read (default: the process environment and files). */
  readonly secrets?: EnrichContext['secrets'];
  /**
   * Worker threads for big bodies of stateless kinds (CORDON_INGEST_WORKERS); absent: every
   * body is read on this thread.
   */
  readonly pool?: IngestPool;
  /** Bodies at least this big go to the pool; smaller ones are read here (a thread hop costs). */
  readonly poolMinBytes?: number;
  /** Per-source counters (GET /v1/sources); best effort: a failed count never fails ingest. */
  readonly stats?: {
    record(
      source: string,
      counts: { accepted: number; duplicates: number; refused: number },
      now: number,
    ): Promise<void>;
  };
}

/**
 * The ingest pipeline behind POST /v1/ingest/{source} and the drop-in endpoints: normalise the
 * body with the source's kind, then append every good event to the durable log in one atomic
 * step (deduplicated by source + id). A refused body, or the refused items of a batch, are kept
 * in the dead-letter store, never dropped.
 */
export class IngestService {
  readonly #sources: ReadonlyMap<string, SourceInfo>;
  readonly #memories = new Map<string, SourceMemory>();

  constructor(private readonly o: IngestServiceOptions) {
    this.#sources = o.sources;
  }

  source(name: string): SourceInfo | undefined {
    return this.#sources.get(name);
  }

  get sourceNames(): string[] {
    return [...this.#sources.keys()];
  }

  /** The configured sources of one kind (drop-in endpoints find theirs this way). */
  sourcesOfType(type: string): SourceInfo[] {
    return [...this.#sources.values()].filter((s) => s.type === type);
  }

  kindOf(source: SourceInfo): AnySourceKind {
    const kind = getSourceKind(source.type);
    if (!kind) throw new Error(`Source ${source.name} has type ${source.type}, which has no kind.`);
    return kind;
  }

  async ingest(
    sourceName: string,
    request: IngestRequest,
    principal: string,
  ): Promise<IngestOutcome> {
    const source = this.#sourceNamed(sourceName);
    const kind = this.kindOf(source);
    const now = this.o.clock.now();
    const header = request.contentType;
    const contentType = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const { body } = request;

    if (!kind.contentTypes.includes('*') && !kind.contentTypes.includes(contentType)) {
      const errors: FieldError[] = [
        {
          path: '',
          reason: `Content-Type "${header ?? ''}" is not accepted by ${source.type} sources; send ${kind.contentTypes.join(' or ')}.`,
        },
      ];
      const id = await this.#reject(
        source,
        'media-type',
        errors,
        contentType,
        body,
        principal,
        now,
      );
      throw new CordonError('CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', errors[0]?.reason ?? '', {
        details: { deadLetterId: id, errors },
      });
    }

    const result = this.#offloaded(source, kind, body)
      ? await this.#prepareOnPool(source, kind, request, contentType, now)
      : await this.#prepareHere(source, kind, request, contentType, now);
    if (!result.ok) {
      const id = await this.#reject(
        source,
        'validate',
        result.errors,
        contentType,
        body,
        principal,
        now,
      );
      const first = result.errors[0];
      const summary = first ? `${first.path || 'body'}: ${first.reason}` : 'payload rejected';
      throw new CordonError(
        'CORDON_ERR_INGEST_INVALID_PAYLOAD',
        `The ${source.type} payload for source "${source.name}" was rejected (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}; first: ${summary}). It is kept as dead letter ${id}.`,
        { details: { deadLetterId: id, errors: result.errors } },
      );
    }

    const keep = source.keep;
    const { rejected } = result;
    // Refused items first: once the good ones are in, the sender may not resend the rest.
    const deadLetterId =
      rejected.length > 0
        ? await this.#reject(
            source,
            'partial',
            rejected.flatMap((item) => item.errors),
            contentType,
            body,
            principal,
            now,
            rejected.length,
          )
        : undefined;
    const appended = await this.o.log.appendStored(
      result.events,
      now,
      this.o.dedupeWindowMs,
      keep?.textMs,
    );
    const duplicates = appended.filter((a) => a.duplicate).length;
    this.o.metrics.inc(
      'cordon_ingest_events_total',
      'Events accepted into the durable log.',
      { source: source.name },
      appended.length - duplicates,
    );
    if (duplicates > 0)
      this.o.metrics.inc(
        'cordon_ingest_duplicates_total',
        'Events skipped as already accepted (same source and id).',
        { source: source.name },
        duplicates,
      );
    for (const warning of result.warnings)
      this.o.logger.warn({ source: source.name, warning }, 'ingest warning');
    this.#count(source.name, appended.length - duplicates, duplicates, 0, now);
    return {
      source: source.name,
      accepted: appended.length - duplicates,
      duplicates,
      events: appended.map((a) => ({ id: a.id, seq: a.seq, duplicate: a.duplicate })),
      warnings: result.warnings,
      rejected,
      ...(deadLetterId === undefined ? {} : { deadLetterId }),
    };
  }

  /**
   * Dead-letters a body refused before any kind could read it (a Content-Encoding that does
   * not undo), counted with the other rejections; returns the dead letter's id.
   */
  async refuseUnread(
    sourceName: string,
    errors: readonly FieldError[],
    contentType: string | undefined,
    body: Buffer,
    principal: string,
  ): Promise<string> {
    const source = this.#sourceNamed(sourceName);
    const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    return this.#reject(source, 'parse', errors, type, body, principal, this.o.clock.now());
  }

  #sourceNamed(sourceName: string): SourceInfo {
    const source = this.#sources.get(sourceName);
    if (!source) {
      throw new CordonError(
        'CORDON_ERR_INGEST_UNKNOWN_SOURCE',
        `No source connector is named "${sourceName}". Sources: ${this.sourceNames.join(', ') || 'none'}. Add connectors/<name>.yaml.`,
      );
    }
    return source;
  }

  /** Whether this body is read on a worker thread (see SourceKind.offload). */
  #offloaded(source: SourceInfo, kind: AnySourceKind, body: Buffer): boolean {
    const { pool } = this.o;
    if (pool === undefined || kind.offload === undefined || kind.enrich !== undefined) return false;
    if (body.length < (this.o.poolMinBytes ?? 0)) return false;
    return kind.offload.eligible?.(source.options) ?? true;
  }

  /** Reads the body here: normalise, enrich, keep policy, stored JSON. */
  async #prepareHere(
    source: SourceInfo,
    kind: AnySourceKind,
    request: IngestRequest,
    contentType: string,
    now: number,
  ): Promise<PreparedBatch> {
    const result = await this.normalise(source, kind, request, contentType, now);
    if (!result.ok) return result;
    if (kind.enrich !== undefined && result.events.length > 0)
      await this.#enrich(source, kind, result.events, now);
    return {
      ok: true,
      // Strings: the log writes them once into the append command's frame (store/event-log-command.ts).
      events: storedEvents(
        result.events,
        source.keep,
        { source: source.name, received: now },
        kind.category === 'canonical',
        source.partitionBy,
      ),
      warnings: result.warnings,
      rejected: result.rejected ?? [],
    };
  }

  /** Reads the body on a worker thread; what the kind remembered of it comes back here. */
  async #prepareOnPool(
    source: SourceInfo,
    kind: AnySourceKind,
    request: IngestRequest,
    contentType: string,
    now: number,
  ): Promise<PreparedBatch> {
    const pool = this.o.pool as IngestPool;
    const result = await pool.prepare({
      source: source.name,
      body: request.body,
      contentType,
      headers: flattenHeaders(request.headers ?? {}),
      ...(request.endpoint === undefined ? {} : { endpoint: request.endpoint }),
      ...(request.query === undefined ? {} : { query: request.query }),
      now,
    });
    if (result.carried !== undefined) kind.offload?.restore?.(request.body, result.carried);
    return result;
  }

  /** Runs the source's kind on a request; a kind that throws is a bug, reported as one. */
  async normalise(
    source: SourceInfo,
    kind: AnySourceKind,
    request: IngestRequest,
    contentType: string,
    now: number,
  ): Promise<NormaliseResult> {
    return kind.normalise(
      {
        body: request.body,
        contentType,
        headers: flattenHeaders(request.headers ?? {}),
        ...(request.endpoint === undefined ? {} : { endpoint: request.endpoint }),
        ...(request.query === undefined ? {} : { query: request.query }),
      },
      {
        contentType,
        now,
        source: source.name,
        maxDepth: this.o.maxDepth,
        options: source.options,
        memory: this.#memory(source.name),
      },
    );
  }

  /** A kind's enrichment (I/O apart from its pure normalise), as enrichEvents runs it. */
  async #enrich(
    source: SourceInfo,
    kind: AnySourceKind,
    events: readonly NormalisedEvent[],
    now: number,
  ): Promise<void> {
    await enrichEvents(
      kind,
      events,
      {
        options: source.options,
        now,
        source: source.name,
        fetch: this.o.fetch ?? globalThis.fetch,
        secrets: this.o.secrets ?? PROCESS_SECRETS,
      },
      (err) => this.o.logger.error({ source: source.name, err }, 'source enrichment failed'),
    );
  }

  #count(source: string, accepted: number, duplicates: number, refused: number, now: number): void {
    this.o.stats
      ?.record(source, { accepted, duplicates, refused }, now)
      .catch((err: unknown) => this.o.logger.warn({ err, source }, 'source counters not updated'));
  }

  #memory(source: string): SourceMemory {
    let memory = this.#memories.get(source);
    if (!memory) {
      memory = this.o.memoryFor?.(source) ?? new LocalSourceMemory(() => this.o.clock.now());
      this.#memories.set(source, memory);
    }
    return memory;
  }

  async #reject(
    source: SourceInfo,
    reason: 'parse' | 'validate' | 'partial' | 'media-type',
    errors: readonly FieldError[],
    contentType: string,
    body: Buffer,
    principal: string,
    now: number,
    items = 1,
  ): Promise<string> {
    const id = await this.o.deadLetters.add({
      source: source.name,
      reason,
      errors,
      contentType,
      body,
      principal,
      received: now,
    });
    this.o.metrics.inc('cordon_ingest_rejected_total', 'Payloads rejected and dead-lettered.', {
      source: source.name,
      reason,
    });
    this.o.metrics.inc(
      'cordon_ingest_rejected_items_total',
      'Items refused (a whole body counts one; each refused item of a batch counts one).',
      { source: source.name },
      items,
    );
    this.#count(source.name, 0, 0, items, now);
    this.o.logger.warn(
      { source: source.name, deadLetterId: id, errors: errors.slice(0, 5), size: body.length },
      reason === 'partial' ? 'ingest items rejected' : 'ingest payload rejected',
    );
    return id;
  }
}

/** Node gives repeated headers as arrays; kinds see one string per header. */
export function flattenHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
