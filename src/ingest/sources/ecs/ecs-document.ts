import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { RESERVED_LABEL_PREFIX } from '../../normalizers/canonical-maps.js';
import { checkEventId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import { parseIp } from '../../normalizers/ip.js';
import { applyTimeClamp, needsClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { contentId } from '../siem-common/content-id.js';
import { putOwn } from '../siem-common/labels.js';
import { ecsKind, ecsOutcome, ecsSeverity } from './ecs-classify.js';
import { EcsFields } from './ecs-fields.js';
import type { GeoSide } from './ecs-tables.js';
import {
  ENTITY_FIELDS,
  GEO_FIELDS_BY_SIDE,
  IP_FIELDS,
  LABEL_FIELDS,
  MEASURE_FIELDS,
} from './known-fields.js';
import type { KnownField } from './known-fields.js';
import { parseEsDate } from './es-date.js';
import { flattenEcs } from './flatten.js';

/** What a container around the document adds (an Elasticsearch `_bulk` action line). */
export interface EcsEnvelope {
  /** The sender's document id (`_id`), used when the document has no `event.id`. */
  readonly id?: string | undefined;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Reads one ECS document (ingest-formats §15.2) into a canonical event, reporting every
 * problem at `at`. Exported for `elastic-bulk`, whose documents are ECS as shippers write them.
 */
export function readEcsDocument(
  doc: unknown,
  at: Location,
  now: number,
  envelope: EcsEnvelope = {},
): NormalisedEvent | undefined {
  if (!isJsonObject(doc)) {
    at.error(`must be an ECS document (a JSON object); got ${got(doc)}.`);
    return undefined;
  }
  const { flat, ok } = flattenEcs(doc, at);
  const fields = new EcsFields(flat);

  const kind = ecsKind(fields);
  const outcome = ecsOutcome(fields, kind);
  const measures = readMeasures(fields);
  const severity = ecsSeverity(fields, kind, measures.risk_score);
  const entity = readEntity(fields);
  const labels = readLabels(fields, envelope);
  const time = readTime(fields);
  const id = fields.text('event.id') ?? envelope.id ?? contentId('ecs', doc);
  const idProblem = checkEventId(id);
  if (idProblem !== undefined) {
    if (fields.has('event.id')) fields.error('event.id', `${idProblem} Got ${got(id)}.`);
    else at.error(`the document id ${idProblem} Got ${got(id)}.`);
    return undefined;
  }
  if (!ok || fields.failed || outcome === undefined || time === null) return undefined;

  const name = fields.text('event.action') ?? fields.text('event.dataset') ?? kind;
  if (time === undefined) {
    const content = { id, kind, name, severity, outcome, entity, measures, labels, raw: doc };
    return withReceiptTime(content, now);
  }
  // One literal, not a spread of a partial one: a copy per event shows at batch rates.
  const event: NormalisedEvent = {
    id,
    time: time.ms,
    kind,
    name,
    severity,
    outcome,
    entity,
    measures,
    labels,
    raw: doc,
  };
  if (!needsClamp(time.ms, now)) return event;
  // The time field's location, made only now that the clamp reports there.
  return applyTimeClamp(event, now, fields.flat.get(time.name)?.at ?? at);
}

/** Where ECS documents carry their time, in order of preference. */
const TIME_FIELDS = ['@timestamp', 'event.created'] as const;

/** undefined = no time in the document; null = a bad one (reported). */
function readTime(fields: EcsFields): { ms: number; name: string } | undefined | null {
  for (const name of TIME_FIELDS) {
    const value = fields.raw(name);
    if (value === undefined || value === null) continue;
    const date = parseEsDate(value);
    if (!date.parse.ok) {
      fields.error(name, date.parse.reason);
      return null;
    }
    if (date.assumedUtc === true)
      fields.flat
        .get(name)
        ?.at.warn(
          `${got(value)} has no zone; read as UTC, as Elasticsearch does. Send a "Z" or an offset.`,
        );
    return { ms: date.parse.ms, name };
  }
  return undefined;
}

function first(fields: EcsFields, names: readonly KnownField[]): string | undefined {
  for (const name of names) {
    const value = fields.text(name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function readEntity(fields: EcsFields): Entity {
  const entity: Entity = {};
  for (const [field, names] of ENTITY_FIELDS) {
    const value = first(fields, names);
    if (value !== undefined) entity[field] = value;
  }
  const request = fields.text('gen_ai.request.model');
  const response = fields.text('gen_ai.response.model');
  // The response names the exact snapshot served (gpt-4o-mini-2024-07-18): the version.
  if (request !== undefined && response !== undefined && response !== request)
    entity.model_version = response;

  // Every address is checked, also those not used: a bad one is a shipper bug worth fixing.
  let side: GeoSide | undefined;
  for (const field of IP_FIELDS) {
    const text = fields.text(field);
    if (text === undefined) continue;
    const ip = parseIp(text);
    if (!ip.ok) fields.error(field, ip.reason);
    else if (side === undefined && field.name !== 'destination.ip') {
      entity.ip = ip.ip;
      side = field.name === 'source.ip' ? 'source' : 'client';
    }
  }
  const geoSide = side ?? (fields.namesUnder('source.geo').length > 0 ? 'source' : 'client');
  const geo: NonNullable<Entity['geo']> = {};
  for (const [field, names] of GEO_FIELDS_BY_SIDE[geoSide]) {
    const value = first(fields, names);
    if (value !== undefined) geo[field] = value;
  }
  if (Object.keys(geo).length > 0) entity.geo = geo;
  return entity;
}

function readMeasures(fields: EcsFields): Record<string, number> {
  const measures: Record<string, number> = {};
  for (const [measure, names] of MEASURE_FIELDS) {
    for (const name of names) {
      const value = fields.number(name);
      if (value === undefined) continue;
      measures[measure] = value;
      break;
    }
  }
  const duration = fields.number('event.duration');
  if (duration !== undefined) {
    if (duration < 0)
      fields.error(
        'event.duration',
        `must not be negative (it is in nanoseconds); got ${duration}.`,
      );
    // ECS durations are nanoseconds.
    else measures.latency_ms = duration / 1e6;
  }
  return measures;
}

function readLabels(fields: EcsFields, envelope: EcsEnvelope): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of fields.namesUnder('labels')) {
    const key = name.slice('labels.'.length);
    if (key === 'cordon_kind') continue;
    if (key.startsWith(RESERVED_LABEL_PREFIX)) {
      fields.flat
        .get(name)
        ?.at.warn(`labels under "${RESERVED_LABEL_PREFIX}" are reserved for Cordon; dropped.`);
      continue;
    }
    const value = fields.textList(name);
    if (value !== undefined) putOwn(labels, key, value);
  }
  for (const [field, label] of LABEL_FIELDS) {
    const value = fields.textList(field);
    if (value !== undefined) labels[label] = value;
  }
  // `source.ip` may carry the port ("203.0.113.7:51522") where a shipper did not split it.
  const ipText = fields.text('source.ip');
  const port = ipText === undefined ? undefined : parseIp(ipText);
  if (port?.ok === true && port.port !== undefined && labels.source_port === undefined)
    labels.source_port = String(port.port);
  const extra = envelope.labels;
  if (extra !== undefined)
    for (const key of Object.keys(extra))
      if (getOwn(labels, key) === undefined) putOwn(labels, key, extra[key] as string);
  return labels;
}
