import type { Entity, Outcome } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, setOwn } from '../../normalizers/json-values.js';
import { parseIp } from '../../normalizers/ip.js';
import {
  ADDRESS_ATTRIBUTES,
  ENTITY_ATTRIBUTES,
  GEO_ATTRIBUTES,
  MEASURE_ATTRIBUTES,
} from './attribute-tables.js';

/** Entity, measures and outcome of a log record, read from its (merged) attributes. */

function text(attributes: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = getOwn(attributes, name);
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

export function readEntity(attributes: Record<string, unknown>, at: Location): Entity {
  const entity: Entity = {};
  for (const [fieldName, names] of ENTITY_ATTRIBUTES) {
    const value = text(attributes, names);
    if (value !== undefined) entity[fieldName] = value;
  }
  const request = text(attributes, ['gen_ai.request.model']);
  const response = text(attributes, ['gen_ai.response.model']);
  if (request !== undefined && response !== undefined && request !== response)
    entity.model_version = response;
  for (const name of ADDRESS_ATTRIBUTES) {
    const value = text(attributes, [name]);
    if (value === undefined) continue;
    const ip = parseIp(value);
    if (ip.ok) {
      entity.ip = ip.ip;
      break;
    }
    // Semantic conventions allow a host name here: kept as a label, not an error.
    at.child('attributes').warn(
      `${name} ${got(value)} is not an IP address; kept as a label only.`,
    );
  }
  const geo: NonNullable<Entity['geo']> = {};
  for (const [key, name] of GEO_ATTRIBUTES) {
    const value = text(attributes, [name]);
    if (value !== undefined) geo[key] = value;
  }
  if (Object.keys(geo).length > 0) entity.geo = geo;
  return entity;
}

export function readMeasures(attributes: Record<string, unknown>): Record<string, number> {
  const measures: Record<string, number> = {};
  for (const [measure, names] of MEASURE_ATTRIBUTES) {
    for (const name of names) {
      const value = getOwn(attributes, name);
      if (typeof value === 'number' && Number.isFinite(value)) {
        setOwn(measures, measure, value);
        break;
      }
    }
  }
  return measures;
}

/** An error attribute or an HTTP status says how it went; a log line alone does not. */
export function readOutcome(
  attributes: Record<string, unknown>,
  status: number | undefined,
): Outcome {
  if (
    getOwn(attributes, 'error.type') !== undefined ||
    getOwn(attributes, 'exception.type') !== undefined
  )
    return 'failure';
  if (status === undefined) return 'unknown';
  return status >= 400 ? 'failure' : 'success';
}
