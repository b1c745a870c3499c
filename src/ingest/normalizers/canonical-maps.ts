import { ENTITY_FIELDS, GEO_FIELDS, TEXT_FIELDS } from '../canonical-event.js';
import type { CanonicalEvent, Entity } from '../canonical-event.js';
import type { Location } from './findings.js';
import { parseIp } from './ip.js';
import { isNoAddress } from './no-address.js';
import { getOwn, got, isJsonObject, setOwn } from './json-values.js';
import type { JsonObject } from './json-values.js';
import { reportUnknownKey } from './unknown-key.js';

/**
 * Readers for the map-valued fields of a canonical event sent as-is (`entity`, `measures`,
 * `labels`, `text`). Each reports every problem it finds and returns undefined if there was
 * any; an absent or null map is an empty one, since many serialisers write null for "unset".
 */

/** Labels under `cordon.` are Cordon's own (e.g. `cordon.time_clamped_from`). */
export const RESERVED_LABEL_PREFIX = 'cordon.';

const ENTITY_KEYS: readonly string[] = [...ENTITY_FIELDS, 'geo'];

/**
 * Label that keeps the port of an `entity.ip` sent with one (`198.51.100.7:443`), as the ECS
 * reader keeps `source.port`; a label of that name the sender set wins.
 */
export const SOURCE_PORT_LABEL = 'source_port';

export interface ReadEntity {
  readonly entity: Entity;
  /** The port `entity.ip` was sent with, split off the address. */
  readonly port?: number;
}

/**
 * `recorded` (a replay of Cordon's own log or an export of it): an `entity.ip` that is not an
 * address is kept as it was, with a warning, since live correlation saw it so (logs written
 * before addresses were checked hold such values); live input refuses it.
 */
export function readEntity(value: unknown, at: Location, recorded = false): ReadEntity | undefined {
  const object = expectObject(
    value,
    at,
    'an object of entity fields (user, api_key, ip, model, …)',
  );
  if (object === undefined) return undefined;
  const entity: Entity = {};
  let port: number | undefined;
  let ok = true;
  for (const key of Object.keys(object)) {
    const field = at.child(key);
    const v = object[key];
    if (key === 'geo') {
      const geo = readGeo(v, field);
      if (geo === undefined) ok = false;
      else if (Object.keys(geo).length > 0) entity.geo = geo;
    } else if (isOneOf(key, ENTITY_FIELDS)) {
      const text = readEntityString(v, field);
      if (text === null) ok = false;
      else if (text !== undefined && key === 'ip') {
        // Rules compare addresses: a bad one is refused, a port is split off and kept; the
        // placeholders senders write for "no address" (-, unknown, null) mean no field.
        const ip = parseIp(text);
        if (recorded) {
          if (!ip.ok) field.warn(`${ip.reason} Kept as recorded.`);
          entity.ip = text;
        } else if (isNoAddress(text)) {
          continue;
        } else if (!ip.ok) {
          field.error(`${ip.reason} Leave the field out (or send null) when it is unknown.`);
          ok = false;
        } else {
          entity.ip = ip.ip;
          port = ip.port;
        }
      } else if (text !== undefined) entity[key] = text;
    } else {
      reportUnknownKey(field, key, ENTITY_KEYS, 'entity');
      ok = false;
    }
  }
  if (!ok) return undefined;
  return port === undefined ? { entity } : { entity, port };
}

function readGeo(value: unknown, at: Location): NonNullable<Entity['geo']> | undefined {
  const object = expectObject(value, at, 'an object with country, region and city');
  if (object === undefined) return undefined;
  const geo: NonNullable<Entity['geo']> = {};
  let ok = true;
  for (const key of Object.keys(object)) {
    const field = at.child(key);
    if (!isOneOf(key, GEO_FIELDS)) {
      reportUnknownKey(field, key, GEO_FIELDS, 'entity.geo');
      ok = false;
      continue;
    }
    const text = readEntityString(object[key], field);
    if (text === null) ok = false;
    else if (text !== undefined) geo[key] = text;
  }
  return ok ? geo : undefined;
}

/** Entity values are strings because rules group by them; numbers (ids, ASNs) are converted. */
function readEntityString(value: unknown, at: Location): string | undefined | null {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value;
  at.error(
    typeof value === 'string'
      ? `must not be empty; got ${got(value)}. Leave the field out (or send null) when it is unknown.`
      : `must be a string (numbers are accepted and converted); got ${got(value)}.`,
  );
  return null;
}

export function readMeasures(value: unknown, at: Location): CanonicalEvent['measures'] | undefined {
  const object = expectObject(value, at, 'an object of measure name → finite number');
  if (object === undefined) return undefined;
  const measures: CanonicalEvent['measures'] = {};
  let ok = true;
  for (const key of Object.keys(object)) {
    const field = at.child(key);
    const v = object[key];
    if (!checkMapKey(key, field, 'a measure name')) ok = false;
    else if (typeof v === 'number' && Number.isFinite(v)) setOwn(measures, key, v);
    else if (v !== null) {
      field.error(measureReason(v));
      ok = false;
    }
  }
  return ok ? measures : undefined;
}

/** Quoted numbers are rejected rather than coerced: they usually mean a sender bug worth fixing. */
function measureReason(value: unknown): string {
  if (typeof value === 'string') {
    if (/^\s*[+-]?(nan|inf|infinity)\s*$/i.test(value)) {
      return `must be a finite number; got ${got(value)}. JSON has no NaN or Infinity: leave the measure out (or send null).`;
    }
    const trimmed = value.trim();
    if (trimmed !== '' && Number.isFinite(Number(trimmed))) {
      return `must be a JSON number, not a string; got ${got(value)}. Send ${trimmed} without quotes.`;
    }
  }
  return `must be a finite number; got ${got(value)}.`;
}

/** `recorded`: from Cordon's own log or export, where Cordon's reserved labels belong. */
export function readLabels(
  value: unknown,
  at: Location,
  recorded = false,
): CanonicalEvent['labels'] | undefined {
  const object = expectObject(value, at, 'an object of label name → string');
  if (object === undefined) return undefined;
  const labels: CanonicalEvent['labels'] = {};
  let ok = true;
  for (const key of Object.keys(object)) {
    const field = at.child(key);
    const v = object[key];
    if (!checkMapKey(key, field, 'a label name')) {
      ok = false;
    } else if (key.startsWith(RESERVED_LABEL_PREFIX) && !recorded) {
      field.error(
        `label names starting with "${RESERVED_LABEL_PREFIX}" are reserved for labels Cordon sets; rename it.`,
      );
      ok = false;
    } else if (typeof v === 'string') {
      setOwn(labels, key, v);
    } else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
      setOwn(labels, key, String(v));
    } else if (v !== null) {
      field.error(
        `must be a string (numbers and booleans are converted); got ${got(v)}. Flatten nested values into separate labels.`,
      );
      ok = false;
    }
  }
  return ok ? labels : undefined;
}

export function readText(
  value: unknown,
  at: Location,
): NonNullable<CanonicalEvent['text']> | undefined {
  const object = expectObject(value, at, `an object with ${TEXT_FIELDS.join(', ')}`);
  if (object === undefined) return undefined;
  const text: NonNullable<CanonicalEvent['text']> = {};
  let ok = true;
  for (const key of Object.keys(object)) {
    const field = at.child(key);
    const v = getOwn(object, key);
    if (!isOneOf(key, TEXT_FIELDS)) {
      reportUnknownKey(field, key, TEXT_FIELDS, 'text');
      ok = false;
    } else if (typeof v === 'string') {
      text[key] = v;
    } else if (v !== null) {
      field.error(`must be a string; got ${got(v)}.`);
      ok = false;
    }
  }
  return ok ? text : undefined;
}

function expectObject(value: unknown, at: Location, expected: string): JsonObject | undefined {
  if (value === undefined || value === null) return {};
  if (isJsonObject(value)) return value;
  at.error(`must be ${expected}; got ${got(value)}.`);
  return undefined;
}

function checkMapKey(key: string, at: Location, what: string): boolean {
  if (key.trim() !== '') return true;
  at.error(`${what} must not be empty or blank; got ${got(key)}.`);
  return false;
}

export function isOneOf<T extends string>(value: unknown, options: readonly T[]): value is T {
  return typeof value === 'string' && (options as readonly string[]).includes(value);
}
