import {
  ENTITY_FIELDS,
  EVENT_KINDS,
  GEO_FIELDS,
  OUTCOMES,
  TEXT_FIELDS,
} from '../../canonical-event.js';
import type {
  Entity,
  EntityField,
  EventKind,
  NormalisedEvent,
  Outcome,
  Severity,
} from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { checkEventId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { parseIp } from '../../normalizers/ip.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { severityFromWord } from '../../normalizers/severity.js';
import { putLabel, putOwn, scalarText } from '../siem-common/labels.js';

/**
 * What an HEC `event` object says about itself. The rule (documented for users):
 *
 * - An object with a `kind` key, or with an `entity` or `measures` object, is read as a
 *   Cordon-like event: `kind`, `name`, `id`, `severity`, `outcome` (or `status` when it is an
 *   outcome word), the entity fields (`user`, `api_key`, `ip`, `model`, … at the top level or
 *   under `entity`; aliases `api_key_hash`, `src_ip`, `client_ip`), the measures
 *   (`latency_ms`, `tokens_in`, `tokens_out`, … at the top level or under `measures`; numbers
 *   only), `text` fields (`prompt`, `response`, `system_prompt`) and `labels`.
 * - Any other object is an opaque log record: nothing is guessed from it.
 * - In both cases the remaining top-level scalars (and lists of scalars) become labels under
 *   their own names; nested objects stay in `raw` only.
 */
export interface EventParts {
  readonly id?: string;
  readonly kind?: EventKind;
  readonly name?: string;
  readonly severity?: Severity;
  readonly outcome?: Outcome;
  readonly entity: Entity;
  readonly measures: Record<string, number>;
  readonly labels: Record<string, string>;
  readonly text?: NormalisedEvent['text'];
}

const ENTITY_ALIASES: readonly (readonly [string, EntityField])[] = [
  ['api_key_hash', 'api_key'],
  ['src_ip', 'ip'],
  ['client_ip', 'ip'],
];

export const HEC_MEASURES = [
  'latency_ms',
  'queue_ms',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'drift_score',
  'drift_share',
  'confidence',
  'status_code',
  'count',
  'value',
  'risk_score',
] as const;

const STRUCTURED = new Set([
  'kind',
  'name',
  'id',
  'severity',
  'outcome',
  'entity',
  'measures',
  'labels',
  'text',
  'geo',
]);

export function looksCanonical(event: JsonObject): boolean {
  return (
    getOwn(event, 'kind') !== undefined ||
    isJsonObject(getOwn(event, 'entity')) ||
    isJsonObject(getOwn(event, 'measures'))
  );
}

export function readEventObject(event: JsonObject, at: Location): EventParts | undefined {
  if (!looksCanonical(event)) return { entity: {}, measures: {}, labels: restLabels(event) };
  // Keys read into the event besides the STRUCTURED ones (they are not labels as well).
  const used = new Set<string>();
  let ok = true;
  const entity = readEntityParts(event, at, used);
  const measures = readMeasureParts(event, at, used);
  if (measures === undefined) ok = false;
  const labelsValue = getOwn(event, 'labels');
  const labels: Record<string, string> = {};
  if (isJsonObject(labelsValue))
    for (const [key, v] of Object.entries(labelsValue)) putLabel(labels, key, scalarText(v));
  else if (labelsValue !== undefined && labelsValue !== null) {
    at.child('labels').error(`must be an object of label name → string; got ${got(labelsValue)}.`);
    ok = false;
  }
  const text = readTextParts(event, used);
  const outcome = readOutcome(event, at, used);
  const id = readId(getOwn(event, 'id'), at.child('id'));
  if (id === null) ok = false;
  if (!ok || measures === undefined || id === null) return undefined;
  // The scalars not read above, then `labels` (which wins, keeping the first one's place);
  // built by assignment, as the envelope adds to it and a spread copy is slow to extend.
  const merged = restLabels(event, used);
  for (const key of Object.keys(labels)) putOwn(merged, key, labels[key] as string);
  // Assigned one by one rather than spread from per-field objects: this runs per event.
  const parts: Mutable<EventParts> = { entity, measures, labels: merged };
  const kind = readKind(getOwn(event, 'kind'), at, 'kind');
  if (kind !== undefined) parts.kind = kind;
  const name = nonEmpty(getOwn(event, 'name'));
  if (name !== undefined) parts.name = name;
  const severity = readSeverity(getOwn(event, 'severity'), at, 'severity');
  if (severity !== undefined) parts.severity = severity;
  if (outcome !== undefined) parts.outcome = outcome;
  if (id !== undefined) parts.id = id;
  if (Object.keys(text).length > 0) parts.text = text;
  return parts;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** `at.child(key)` is where a warning goes; made only when there is one. */
function readKind(value: unknown, at: Location, key: string): EventKind | undefined {
  if (value === undefined) return undefined;
  if (isOneOf(value, EVENT_KINDS)) return value;
  at.child(key).warn(
    `${got(value)} is not an event kind (${EVENT_KINDS.join(', ')}); the event is kept as "log".`,
  );
  return undefined;
}

function readSeverity(value: unknown, at: Location, key: string): Severity | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === 'string' ? severityFromWord(value) : undefined;
  if (level === undefined)
    at.child(key).warn(`${got(value)} is not a known severity word; the default was used.`);
  return level;
}

/** `outcome`, else `status` when it is an outcome word (`success`, `failure`, …). */
function readOutcome(event: JsonObject, at: Location, used: Set<string>): Outcome | undefined {
  const outcome = getOwn(event, 'outcome');
  if (isOneOf(outcome, OUTCOMES)) return outcome;
  if (outcome !== undefined && outcome !== null)
    at.child('outcome').warn(
      `${got(outcome)} is not an outcome (${OUTCOMES.join(', ')}); used "unknown".`,
    );
  const status = getOwn(event, 'status');
  if (isOneOf(status, OUTCOMES)) {
    used.add('status');
    return status;
  }
  return undefined;
}

function readId(value: unknown, at: Location): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    at.error(`must be a string (the event's own id); got ${got(value)}.`);
    return null;
  }
  const problem = checkEventId(value);
  if (problem === undefined) return value;
  at.error(problem);
  return null;
}

/** Top-level entity fields and aliases, then the `entity` object (which wins). Bad IPs are dropped with a warning. */
function readEntityParts(event: JsonObject, at: Location, used: Set<string>): Entity {
  const entity: Entity = {};
  // `where` is the value's parent location and `key` its name under it: the child location is
  // only made for a warning, as almost every value is fine.
  const set = (field: EntityField, value: unknown, where: Location, key: string): void => {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || text.trim() === '') return;
    if (field !== 'ip') {
      entity[field] = text;
      return;
    }
    const ip = parseIp(text);
    if (ip.ok) entity.ip = ip.ip;
    else where.child(key).warn(`${ip.reason} The ip was left out of the entity.`);
  };
  for (const [alias, field] of ENTITY_ALIASES) {
    const value = getOwn(event, alias);
    if (value !== undefined) {
      used.add(alias);
      set(field, value, at, alias);
    }
  }
  for (const field of ENTITY_FIELDS) {
    const value = getOwn(event, field);
    if (value !== undefined) {
      if (!STRUCTURED.has(field)) used.add(field);
      set(field, value, at, field);
    }
  }
  const nested = getOwn(event, 'entity');
  if (isJsonObject(nested)) {
    const entityAt = at.child('entity');
    for (const field of ENTITY_FIELDS) set(field, getOwn(nested, field), entityAt, field);
  }
  const geo = isJsonObject(nested) ? getOwn(nested, 'geo') : getOwn(event, 'geo');
  if (isJsonObject(geo)) {
    const out: NonNullable<Entity['geo']> = {};
    for (const key of GEO_FIELDS) {
      const v = getOwn(geo, key);
      if (typeof v === 'string' && v !== '') out[key] = v;
    }
    if (Object.keys(out).length > 0) entity.geo = out;
  }
  return entity;
}

function readMeasureParts(
  event: JsonObject,
  at: Location,
  used: Set<string>,
): Record<string, number> | undefined {
  const measures: Record<string, number> = {};
  let ok = true;
  // As in readEntityParts: the value's location is made only for an error.
  const take = (key: string, value: unknown, where: Location): void => {
    if (value === null) return;
    if (typeof value === 'number' && Number.isFinite(value)) {
      measures[key] = value;
      return;
    }
    const unquote =
      typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? ` Send ${value.trim()} without quotes.`
        : '';
    where.child(key).error(`must be a finite number; got ${got(value)}.${unquote}`);
    ok = false;
  };
  for (const key of HEC_MEASURES) {
    const value = getOwn(event, key);
    if (value !== undefined) {
      used.add(key);
      take(key, value, at);
    }
  }
  const nested = getOwn(event, 'measures');
  if (isJsonObject(nested)) {
    const measuresAt = at.child('measures');
    for (const key of Object.keys(nested)) take(key, nested[key], measuresAt);
  } else if (nested !== undefined && nested !== null) {
    at.child('measures').error(`must be an object of measure name → number; got ${got(nested)}.`);
    ok = false;
  }
  return ok ? measures : undefined;
}

function readTextParts(event: JsonObject, used: Set<string>): NonNullable<NormalisedEvent['text']> {
  const text: NonNullable<NormalisedEvent['text']> = {};
  const nested = getOwn(event, 'text');
  for (const field of TEXT_FIELDS) {
    const top = getOwn(event, field);
    const inner = isJsonObject(nested) ? getOwn(nested, field) : undefined;
    if (top !== undefined) used.add(field);
    const value = typeof inner === 'string' ? inner : top;
    if (typeof value === 'string' && value !== '') text[field] = value;
  }
  return text;
}

/**
 * Top-level scalars not mapped elsewhere, under their own names: without `used`, every one
 * (an opaque log record); with it, all but the STRUCTURED keys and those in `used`.
 */
function restLabels(event: JsonObject, used?: ReadonlySet<string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(event))
    if (used === undefined || (!STRUCTURED.has(key) && !used.has(key)))
      putLabel(labels, key, scalarText(event[key]));
  return labels;
}
