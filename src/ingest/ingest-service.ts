import type { Clock } from '../shared/clock.js';
import { CordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { DeadLetterStore } from '../store/dead-letters.js';
import type { EventLog } from '../store/event-log.js';
import type { CanonicalEvent } from './canonical-event.js';
import { getNormaliser } from './normalizers/index.js';
import type { FieldError } from './normalizers/types.js';

export interface SourceInfo {
  readonly name: string;
  /** Wire format = connector type (generic, alertmanager, splunk-webhook). */
  readonly type: string;
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
}

/**
 * The ingest pipeline behind POST /v1/ingest/{source}: normalise the body with the source's
 * format, then append every event to the durable log in one atomic step (deduplicated by
 * source + id). A body that fails is kept whole in the dead-letter store, never dropped.
 */
export class IngestService {
  constructor(
    private readonly sources: ReadonlyMap<string, SourceInfo>,
    private readonly log: EventLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly dedupeWindowMs: number,
    private readonly limits: { readonly maxDepth?: number } = {},
    /** CORDON_RETENTION_RAW: `drop` stores the canonical event only, not the original item. */
    private readonly rawPolicy: 'keep' | 'drop' = 'keep',
  ) {}

  source(name: string): SourceInfo | undefined {
    return this.sources.get(name);
  }

  get sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  async ingest(
    sourceName: string,
    body: Buffer,
    contentTypeHeader: string | undefined,
    principal: string,
  ): Promise<IngestOutcome> {
    const source = this.sources.get(sourceName);
    if (!source) {
      throw new CordonError(
        'CORDON_ERR_INGEST_UNKNOWN_SOURCE',
        `No source connector is named "${sourceName}". Sources: ${this.sourceNames.join(', ') || 'none'}. Add connectors/<name>.yaml.`,
      );
    }
    const normaliser = getNormaliser(source.type);
    if (!normaliser)
      throw new Error(`Source ${source.name} has type ${source.type}, which has no normaliser.`);
    const now = this.clock.now();
    const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

    if (!normaliser.contentTypes.includes(contentType)) {
      const errors: FieldError[] = [
        {
          path: '',
          reason: `Content-Type "${contentTypeHeader ?? ''}" is not accepted by ${source.type} sources; send ${normaliser.contentTypes.join(' or ')}.`,
        },
      ];
      const id = await this.reject(source, 'media-type', errors, contentType, body, principal, now);
      throw new CordonError('CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', errors[0]?.reason ?? '', {
        details: { deadLetterId: id, errors },
      });
    }

    const result = normaliser.normalise(body, {
      contentType,
      now,
      source: source.name,
      maxDepth: this.limits.maxDepth,
    });
    if (!result.ok) {
      const id = await this.reject(
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

    const events: CanonicalEvent[] = result.events.map(({ raw, ...e }) => ({
      ...e,
      ...(raw === undefined || this.rawPolicy === 'drop' ? {} : { raw }),
      source: source.name,
      received: now,
    }));
    const appended = await this.log.append(events, now, this.dedupeWindowMs);
    const duplicates = appended.filter((a) => a.duplicate).length;
    this.metrics.inc(
      'cordon_ingest_events_total',
      'Events accepted into the durable log.',
      { source: source.name },
      appended.length - duplicates,
    );
    if (duplicates > 0)
      this.metrics.inc(
        'cordon_ingest_duplicates_total',
        'Events skipped as already accepted (same source and id).',
        { source: source.name },
        duplicates,
      );
    for (const warning of result.warnings)
      this.logger.warn({ source: source.name, warning }, 'ingest warning');
    return {
      source: source.name,
      accepted: appended.length - duplicates,
      duplicates,
      events: appended.map((a) => ({ id: a.id, seq: a.seq, duplicate: a.duplicate })),
      warnings: result.warnings,
    };
  }

  private async reject(
    source: SourceInfo,
    reason: 'parse' | 'validate' | 'media-type',
    errors: readonly FieldError[],
    contentType: string,
    body: Buffer,
    principal: string,
    now: number,
  ): Promise<string> {
    const id = await this.deadLetters.add({
      source: source.name,
      reason,
      errors,
      contentType,
      body,
      principal,
      received: now,
    });
    this.metrics.inc('cordon_ingest_rejected_total', 'Payloads rejected and dead-lettered.', {
      source: source.name,
      reason,
    });
    this.logger.warn(
      { source: source.name, deadLetterId: id, errors: errors.slice(0, 5), size: body.length },
      'ingest payload rejected',
    );
    return id;
  }
}
