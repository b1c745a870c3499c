import { EVENT_KINDS } from '../../canonical-event.js';
import type { EventKind, NormalisedEvent, Severity } from '../../canonical-event.js';
import { isOneOf, RESERVED_LABEL_PREFIX } from '../../normalizers/canonical-maps.js';
import { checkEventId, prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { severityFromWord } from '../../normalizers/severity.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { stableStringify } from '../../../shared/hash.js';
import { field, flattenToLabels, readAnyValue, readKeyValues } from './any-value.js';
import { nanosToMs } from './nanos.js';
import { readEntity, readMeasures, readOutcome } from './record-attributes.js';
import { severityFromNumber, severityNumberFromName } from './severity-number.js';

/** What the records of one `scopeLogs` share: resource attributes and the scope. */
export interface RecordContext {
  readonly resource: Readonly<Record<string, unknown>>;
  readonly scope: { readonly name?: string; readonly version?: string };
}

const KIND_ATTRIBUTE = `${RESERVED_LABEL_PREFIX}kind`;

/**
 * One OTLP log record → one canonical event. Attributes (the record's over the resource's)
 * become labels under their OTel names; well-known ones also fill entity and measures.
 */
export function readLogRecord(
  record: unknown,
  at: Location,
  context: RecordContext,
  now: number,
): NormalisedEvent | undefined {
  if (!isJsonObject(record)) {
    at.error(`must be a log record object; got ${got(record)}.`);
    return undefined;
  }
  const attributes = {
    ...context.resource,
    ...readKeyValues(field(record, 'attributes'), at.child('attributes')),
  };
  const bodyValue = field(record, 'body');
  const body = bodyValue === undefined ? null : readAnyValue(bodyValue, at.child('body'));
  const time = readTime(record, at);
  const severity = readSeverity(record, at);
  const kind = readKind(attributes, record, at);
  const traceId = readHexId(field(record, 'traceId'), at.child('traceId'), 32, 'trace');
  const spanId = readHexId(field(record, 'spanId'), at.child('spanId'), 16, 'span');

  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(RESERVED_LABEL_PREFIX)) {
      if (key !== KIND_ATTRIBUTE)
        at.child('attributes').warn(
          `attribute "${key}" is in Cordon's reserved "cordon." namespace; dropped.`,
        );
      continue;
    }
    flattenToLabels(value, key, labels);
  }
  if (typeof body === 'string') labels.body = body;
  else flattenToLabels(body, 'body', labels);
  const severityText = field(record, 'severityText');
  if (typeof severityText === 'string' && severityText !== '') labels.severity_text = severityText;
  if (typeof traceId === 'string') labels.trace_id = traceId;
  if (typeof spanId === 'string') labels.span_id = spanId;
  if (context.scope.name !== undefined) labels['otel.scope.name'] = context.scope.name;
  if (context.scope.version !== undefined) labels['otel.scope.version'] = context.scope.version;

  const measures = readMeasures(attributes);
  const entity = readEntity(attributes, at);
  const eventName = readEventName(record, attributes);
  const uid = getOwn(attributes, 'log.record.uid');
  const id =
    typeof uid === 'string' && uid !== ''
      ? uid
      : prefixedHashId(
          'otlp',
          stableStringify({ resource: context.resource, scope: context.scope, record }),
        );
  const idProblem = checkEventId(id);
  if (idProblem !== undefined) at.child('attributes').error(`log.record.uid ${idProblem}`);
  if (
    time === null ||
    severity === undefined ||
    kind === undefined ||
    traceId === null ||
    spanId === null ||
    idProblem !== undefined
  )
    return undefined;

  const content = {
    kind,
    name: eventName ?? kind,
    severity,
    outcome: readOutcome(attributes, measures.status_code),
    entity,
    measures,
    labels,
    raw: record,
  };
  if (time === undefined) return { id, ...withReceiptTime(content, now) };
  return applyTimeClamp({ id, time: time.ms, ...content }, now, time.at);
}

/** `timeUnixNano`, else `observedTimeUnixNano` (0 = unset in OTLP); neither = receipt time. */
function readTime(
  record: Record<string, unknown>,
  at: Location,
): { ms: number; at: Location } | undefined | null {
  for (const name of ['timeUnixNano', 'observedTimeUnixNano']) {
    const value = field(record, name);
    if (value === undefined || value === null) continue;
    const parsed = nanosToMs(value);
    if (parsed === 'unset') continue;
    if (!parsed.ok) {
      at.child(name).error(parsed.reason);
      return null;
    }
    return { ms: parsed.ms, at: at.child(name) };
  }
  return undefined;
}

function readSeverity(record: Record<string, unknown>, at: Location): Severity | undefined {
  const raw = field(record, 'severityNumber');
  const n = typeof raw === 'string' ? severityNumberFromName(raw) : raw;
  if (
    raw !== undefined &&
    raw !== null &&
    (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 24)
  ) {
    at.child('severityNumber').error(
      `must be an OTLP SeverityNumber, an integer from 0 (unspecified) to 24 (FATAL4); got ${got(raw)}.`,
    );
    return undefined;
  }
  const fromNumber = typeof n === 'number' ? severityFromNumber(n) : undefined;
  if (fromNumber !== undefined) return fromNumber;
  const text = field(record, 'severityText');
  return (typeof text === 'string' ? severityFromWord(text) : undefined) ?? 'info';
}

/** `cordon.kind` says it outright; GenAI events are LLM calls; an event named after a kind is one. */
function readKind(
  attributes: Record<string, unknown>,
  record: Record<string, unknown>,
  at: Location,
): EventKind | undefined {
  const declared = getOwn(attributes, KIND_ATTRIBUTE);
  if (declared !== undefined) {
    if (isOneOf(declared, EVENT_KINDS)) return declared;
    at.child('attributes').error(
      `attribute "${KIND_ATTRIBUTE}" must be one of ${EVENT_KINDS.join(', ')}; got ${got(declared)}.`,
    );
    return undefined;
  }
  const name = readEventName(record, attributes) ?? '';
  if (name.startsWith('gen_ai.')) return 'llm';
  if (isOneOf(name, EVENT_KINDS)) return name;
  if (
    Object.keys(attributes).some(
      (key) => key.startsWith('gen_ai.usage.') || key === 'gen_ai.request.model',
    )
  )
    return 'llm';
  return 'log';
}

/** OTLP 1.5 has `eventName` on the record; earlier senders use the `event.name` attribute. */
function readEventName(
  record: Record<string, unknown>,
  attributes: Record<string, unknown>,
): string | undefined {
  for (const value of [field(record, 'eventName'), getOwn(attributes, 'event.name')])
    if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

/** undefined = absent (empty in OTLP), null = bad (reported). */
function readHexId(
  value: unknown,
  at: Location,
  length: number,
  what: string,
): string | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && new RegExp(`^[0-9a-fA-F]{${length}}$`).test(value))
    return value.toLowerCase();
  at.error(
    `must be a ${what} id of ${length} hex characters (OTLP/JSON writes ids as hex, not base64); got ${got(value)}.`,
  );
  return null;
}
