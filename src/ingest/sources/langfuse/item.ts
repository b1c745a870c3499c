import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { checkEventId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { INVALID, readText, stringifiedHint } from '../llm-common/field-readers.js';
import { capRaw } from '../llm-common/raw-cap.js';
import { readRfc3339 } from '../llm-common/times.js';
import type { TraceContext } from './trace-context.js';

/** One `batch[]` entry: `{id, timestamp, type, body, metadata?}`. */
export interface IngestionItem {
  /** The ingestion event id: Langfuse's dedupe key, and so the canonical event id. */
  readonly id: string;
  readonly time: number;
  readonly type: string;
  readonly body: JsonObject;
  readonly raw: JsonObject;
  readonly at: Location;
  readonly bodyAt: Location;
  /**
   * False when the envelope (id, timestamp) had errors: the item is refused, but its body is
   * still read so the sender learns every problem at once. Nothing of it may be remembered.
   */
  readonly complete: boolean;
}

/**
 * Reads the envelope of one item, reporting every problem; undefined if the type or body
 * cannot be read at all.
 */
export function readItem(value: unknown, at: Location): IngestionItem | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be a Langfuse ingestion event {id, timestamp, type, body}; got ${got(value)}.`);
    return undefined;
  }
  const id = readText(value, 'id', at);
  let idOk = typeof id === 'string';
  if (id === undefined)
    at.child('id').error("is required: the ingestion event id (a UUID), Langfuse's dedupe key.");
  else if (typeof id === 'string') {
    const problem = checkEventId(id);
    if (problem !== undefined) at.child('id').error(problem);
    idOk = problem === undefined;
  }
  const time = readRfc3339(value, 'timestamp', at);
  if (time === undefined)
    at.child('timestamp').error(
      'is required: when the SDK created the event, RFC 3339 such as "2024-06-10T16:04:57.600Z".',
    );
  const type = readText(value, 'type', at);
  if (type === undefined)
    at.child('type').error(
      'is required: the event type, such as "generation-create" or "score-create".',
    );
  const body = getOwn(value, 'body');
  if (!isJsonObject(body))
    at.child('body').error(
      body === undefined
        ? 'is required: the object the event creates or updates.'
        : `must be a JSON object; got ${got(body)}.${stringifiedHint(body)}`,
    );
  if (typeof type !== 'string' || !isJsonObject(body)) return undefined;
  const complete = idOk && typeof id === 'string' && typeof time === 'number';
  return {
    id: typeof id === 'string' ? id : '',
    time: typeof time === 'number' ? time : 0,
    type,
    body,
    raw: value,
    at,
    bodyAt: at.child('body'),
    complete,
  };
}

/** The `traceId` a body points at, when it is a usable string (checked by the readers). */
export function traceIdOf(body: JsonObject): string | undefined {
  const value = getOwn(body, 'traceId');
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The item as stored in `raw`, with long prompt/answer text cut (it is on the event, capped). */
export function rawItem(item: IngestionItem): JsonObject {
  return { ...item.raw, body: capRaw(item.body, ['input', 'output', 'metadata']) };
}

/** User and session from the trace, and what else the trace says, onto an event's parts. */
export function applyTraceContext(
  context: TraceContext | undefined,
  entity: Entity,
  labels: Record<string, string>,
): void {
  if (context === undefined) return;
  if (context.user !== undefined) entity.user ??= context.user;
  if (context.session !== undefined) entity.session ??= context.session;
  if (context.environment !== undefined) labels.environment ??= context.environment;
  if (context.release !== undefined) labels.release ??= context.release;
  if (context.name !== undefined) labels.trace_name ??= context.name;
}

/** Collects reads of one body, remembering whether any was refused. */
export class BodyReader {
  bad = false;

  constructor(
    readonly body: JsonObject,
    readonly at: Location,
  ) {}

  text(key: string): string | undefined {
    return this.check(readText(this.body, key, this.at));
  }

  time(key: string): number | undefined {
    return this.check(readRfc3339(this.body, key, this.at));
  }

  check<T>(read: T | typeof INVALID): T | undefined {
    if (read === INVALID) {
      this.bad = true;
      return undefined;
    }
    return read;
  }
}

export type EventDraft = Omit<NormalisedEvent, 'id' | 'time' | 'raw'>;
