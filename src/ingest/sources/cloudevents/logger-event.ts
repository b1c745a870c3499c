import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { isJsonObject, setOwn } from '../../normalizers/json-values.js';
import { parseRfc3339 } from '../../normalizers/time.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { capRaw } from '../inference-common/cap-raw.js';
import { jsonTensorsStats } from '../inference-common/json-tensor-stats.js';
import { snakeKey } from '../inference-common/label-keys.js';
import { summarisePayload } from '../inference-common/payload-summary.js';
import type { PayloadSummary } from '../inference-common/payload-summary.js';
import type { SourceContext } from '../source-kind.js';
import type { CloudEvent, TensorStatsEntry } from './attributes.js';
import type { LoggerDialect } from './dialect.js';
import { rememberRequest, takeRequest } from './join.js';
import type { RequestSummary } from './join.js';
import { readCapturedHeaders } from './metadata.js';
import type { CapturedHeaders } from './metadata.js';
import type { LoggerOptions } from './options.js';
import { readPhase } from './phase.js';
import type { Phase } from './phase.js';

/** Extensions mapped to named labels or the entity; any other becomes `ce_<name>`. */
const NAMED_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['inferenceservicename', 'inference_service'],
  ['namespace', 'namespace'],
  ['component', 'component'],
  ['endpoint', 'ce_endpoint'],
  ['requestid', 'request_id'],
  ['modelid', 'model_id'],
]);
const NOT_LABELS = new Set(['metadata', 'annotations', 'traceparent', 'tracestate']);

/**
 * One logger delivery → one `inference` event, named `inference.request` or
 * `inference.response` (label `ce_type`). The request is also remembered; the response takes
 * it back and, when the join works, carries the request's identity, its instance count and
 * `latency_ms` = time(response) − time(request) (logger-side times, so approximate). Memory can
 * be lost and responses can overtake requests: then the response stands alone, with
 * `request_joined: "false"`. Rules counting inferences should count `inference.response`.
 */
export async function loggerEvent(
  ce: CloudEvent,
  dialect: LoggerDialect,
  ctx: SourceContext<LoggerOptions>,
): Promise<NormalisedEvent | undefined> {
  // A missing type was reported by the reader; an empty one is not checked twice.
  const phase = ce.type === '' ? undefined : readPhase(ce.type, dialect, ce.attributeAt('type'));
  const time = readTime(ce);
  const metadataText = ce.extensions.metadata;
  const captured: CapturedHeaders | undefined =
    metadataText === undefined || metadataText.trim() === ''
      ? { entity: {}, labels: {}, sanitized: metadataText ?? '' }
      : readCapturedHeaders(metadataText, ce.attributeAt('metadata'));
  if (!ce.complete || phase === undefined || time === null || captured === undefined)
    return undefined;

  const summary = summarisePayload(ce.data);
  const entity = eventEntity(ce, dialect, summary, captured);
  const labels = eventLabels(ce, phase, summary, captured);
  const measures: Record<string, number> = { payload_bytes: ce.dataBytes };
  if (summary.count !== undefined) measures.count = summary.count;
  if (ce.binary !== undefined) {
    measures.tensor_bytes = ce.binary.bytes;
    labels.payload_encoding = 'v2-binary';
    addTensorMeasures(measures, ce.binary.stats);
  }
  // The JSON form of a V2 payload gets the figures the binary form gets.
  const jsonStats =
    ce.binary === undefined && summary.protocol === 'v2' ? jsonTensorsStats(ce.data) : [];
  addTensorMeasures(measures, jsonStats);

  const key = pairKey(ce, dialect);
  let joined: RequestSummary | undefined;
  if (phase === 'request') {
    const remembered: RequestSummary = {
      ...(time === undefined ? {} : { time: time + subMillisecond(ce.time) }),
      ...(summary.count === undefined ? {} : { count: summary.count }),
      entity,
      labels: captured.labels,
    };
    await rememberRequest(ctx.memory, key, remembered, ctx.options.joinWindowMs, ce.at);
  } else {
    joined = await takeRequest(ctx.memory, key, ce.at);
    labels.request_joined = joined === undefined ? 'false' : 'true';
    if (joined !== undefined) {
      if (measures.count === undefined && joined.count !== undefined) measures.count = joined.count;
      const latency = latencyMs(
        joined.time,
        time === undefined ? undefined : time + subMillisecond(ce.time),
        ce.at,
      );
      if (latency !== undefined) measures.latency_ms = latency;
    }
  }

  const failed = summary.error !== undefined;
  const event: Omit<NormalisedEvent, 'time'> = {
    // JSON, not a separator: a sender's id containing "|" cannot make two keys equal.
    id: prefixedHashId(
      dialect.type,
      JSON.stringify([
        ce.id,
        ce.type,
        ce.source,
        ce.extensions.inferenceservicename ?? '',
        ce.extensions.namespace ?? '',
      ]),
    ),
    kind: 'inference',
    name: `inference.${phase}`,
    severity: failed ? 'low' : 'info',
    outcome: phase === 'request' ? 'unknown' : failed ? 'failure' : 'success',
    entity: joined === undefined ? entity : { ...joined.entity, ...entity },
    measures,
    labels: joined === undefined ? labels : { ...joined.labels, ...labels },
    raw: { attributes: rawAttributes(ce, captured), data: rawData(ce, jsonStats) },
  };
  return time === undefined
    ? withReceiptTime(event, ctx.now)
    : applyTimeClamp({ ...event, time }, ctx.now, ce.attributeAt('time'));
}

/**
 * The logger writes µs (KServe) or ns: event times are whole ms, but a latency of a few ms
 * deserves the digits beyond them. Only called on a time `parseRfc3339` accepted.
 */
function subMillisecond(time: string | undefined): number {
  const digits = /T\d{2}:\d{2}:\d{2}\.\d{3}(\d{1,6})/.exec(time ?? '')?.[1];
  return digits === undefined ? 0 : Number(`0.${digits}`);
}

/** undefined = not sent (receipt time is used), null = bad (reported). */
function readTime(ce: CloudEvent): number | undefined | null {
  if (ce.time === undefined) return undefined;
  const parsed = parseRfc3339(ce.time);
  if (parsed.ok) return parsed.ms;
  ce.attributeAt('time').error(parsed.reason);
  return null;
}

function eventEntity(
  ce: CloudEvent,
  dialect: LoggerDialect,
  summary: PayloadSummary,
  captured: CapturedHeaders,
): Entity {
  const entity: Entity = { ...captured.entity };
  const model =
    dialect.modelFrom.map((name) => ce.extensions[name]).find((v) => v !== undefined && v !== '') ??
    summary.modelName;
  if (model !== undefined) entity.model = model;
  if (summary.modelVersion !== undefined) entity.model_version = summary.modelVersion;
  return entity;
}

function eventLabels(
  ce: CloudEvent,
  phase: Phase,
  summary: PayloadSummary,
  captured: CapturedHeaders,
): Record<string, string> {
  const labels: Record<string, string> = {
    ce_type: phase,
    ce_id: ce.id,
    ce_source: ce.source,
    ce_specversion: ce.specversion,
    ce_mode: ce.mode,
    payload_protocol: summary.protocol,
  };
  for (const [name, value] of Object.entries(ce.extensions)) {
    if (NOT_LABELS.has(name) || value === '') continue;
    setOwn(labels, NAMED_EXTENSIONS.get(name) ?? `ce_${snakeKey(name)}`, value);
  }
  Object.assign(labels, annotationLabels(ce), captured.labels);
  const traceparent = ce.extensions.traceparent?.split('-')[1];
  if (
    labels.trace_id === undefined &&
    traceparent !== undefined &&
    /^[0-9a-f]{32}$/.test(traceparent)
  )
    labels.trace_id = traceparent;
  if (labels.request_id === undefined && summary.requestId !== undefined)
    labels.request_id = summary.requestId;
  if (summary.error !== undefined) labels.error = summary.error;
  return labels;
}

/** `ce-annotations` is optional context: a bad one is a warning, not a refusal. */
function annotationLabels(ce: CloudEvent): Record<string, string> {
  const text = ce.extensions.annotations;
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    value = undefined;
  }
  if (!isJsonObject(value)) {
    ce.attributeAt('annotations').warn('is not a JSON object of name → string; it was ignored.');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value))
    if (typeof v === 'string') setOwn(out, `annotation_${snakeKey(name)}`, v);
  return out;
}

/**
 * The memory key of a request/response pair: hashed, so it has a fixed length whatever the
 * sender put in its headers (the shared memory cuts long keys, which could make two meet).
 */
function pairKey(ce: CloudEvent, dialect: LoggerDialect): string {
  const id =
    dialect.pairBy.map((name) => ce.extensions[name]).find((v) => v !== undefined && v !== '') ??
    ce.id;
  return prefixedHashId(
    `${dialect.type}_pair`,
    JSON.stringify([id, ce.extensions.inferenceservicename ?? '', ce.extensions.namespace ?? '']),
  );
}

function latencyMs(
  requestTime: number | undefined,
  responseTime: number | undefined,
  at: Location,
): number | undefined {
  if (requestTime === undefined || responseTime === undefined) return undefined;
  // Rounded to µs: float subtraction would otherwise print 38.49399999.
  const latency = Math.round((responseTime - requestTime) * 1000) / 1000;
  if (latency >= 0) return latency;
  at.warn(
    `the response is timed ${-latency} ms before its request; no latency was computed. Check the logger's clock.`,
  );
  return undefined;
}

/** Tensors whose statistics become measures; the rest stay in raw only. */
const MAX_TENSOR_MEASURES = 16;

/**
 * `tensor_<input|output>_<name>_{min,max,mean}` of the first numeric binary tensors, so rules
 * can watch what a model is fed and returns (a shifted input mean, an output out of range).
 */
function addTensorMeasures(
  measures: Record<string, number>,
  stats: readonly TensorStatsEntry[],
): void {
  for (const s of stats.slice(0, MAX_TENSOR_MEASURES)) {
    const base = `tensor_${s.io === 'inputs' ? 'input' : 'output'}_${snakeKey(s.name)}`;
    for (const [suffix, value] of [
      ['min', s.min],
      ['max', s.max],
      ['mean', s.mean],
    ] as const)
      if (value !== undefined) setOwn(measures, `${base}_${suffix}`, value);
  }
}

/**
 * The payload as sent, capped; of a binary payload its JSON header and what followed it; of a
 * JSON V2 payload, its tensors' statistics beside it (`cordon_stats`: capping may cut `data`).
 */
function rawData(ce: CloudEvent, jsonStats: readonly TensorStatsEntry[]): unknown {
  const data = capRaw(ce.data);
  if (ce.binary === undefined && jsonStats.length > 0 && isJsonObject(data))
    return { ...data, cordon_stats: jsonStats };
  if (ce.binary === undefined || !isJsonObject(data)) return data;
  const { bytes, tensors, stats } = ce.binary;
  return {
    ...data,
    cordon_binary: stats.length === 0 ? { bytes, tensors } : { bytes, tensors, stats },
  };
}

/** The attributes as sent, but `metadata` without the credentials it may have captured. */
function rawAttributes(ce: CloudEvent, captured: CapturedHeaders): Record<string, string> {
  const out: Record<string, string> = {
    specversion: ce.specversion,
    id: ce.id,
    type: ce.type,
    source: ce.source,
  };
  if (ce.time !== undefined) out.time = ce.time;
  for (const [name, value] of Object.entries(ce.extensions))
    setOwn(out, name, name === 'metadata' ? captured.sanitized : value);
  return out;
}
