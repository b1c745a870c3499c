import {
  ENTITY_FIELDS,
  EVENT_KINDS,
  GEO_FIELDS,
  OUTCOMES,
  SEVERITIES,
  TEXT_FIELDS,
} from '../canonical-event.js';
import type { CanonicalEvent, NormalisedEvent } from '../canonical-event.js';
import { RESERVED_LABEL_PREFIX } from './canonical-maps.js';
import { parseIp } from './ip.js';
import { isJsonObject } from './json-values.js';
import type { JsonObject } from './json-values.js';
import { FUTURE_SKEW_MS, MAX_EVENT_TIME, MIN_EVENT_TIME } from './time.js';

/**
 * The common case of reading a canonical event, quickly: an item that is already exactly
 * canonical (sender id, epoch-ms time, known keys, well-typed maps) is taken as is, without
 * building locations, copies or messages. Anything else — a missing id (content hash), a time
 * string, a clamp, a number where a string belongs, an unknown key — returns undefined, and the
 * caller takes the thorough path, which reports every problem. For every item, the result is
 * either undefined or exactly what the thorough path returns (a test holds them together).
 */
const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const SEVERITY: ReadonlySet<string> = new Set(SEVERITIES);
const OUTCOME: ReadonlySet<string> = new Set(OUTCOMES);
const ENTITY: ReadonlySet<string> = new Set(ENTITY_FIELDS);
const GEO: ReadonlySet<string> = new Set(GEO_FIELDS);
const TEXT: ReadonlySet<string> = new Set(TEXT_FIELDS);

/**
 * A canonical item is its own event, so it is stored once: `raw` holds only what the sender
 * put under `raw` (their original record), not a second copy of the item.
 */
export function senderRaw(item: JsonObject): { raw?: unknown } {
  const raw = Object.hasOwn(item, 'raw') ? item.raw : undefined;
  return raw === undefined || raw === null ? {} : { raw };
}

export function readCanonicalFast(
  item: unknown,
  now: number,
  recorded: boolean,
): NormalisedEvent | undefined {
  if (!isJsonObject(item)) return undefined;
  let id: string | undefined;
  let time: number | undefined;
  let kind: CanonicalEvent['kind'] | undefined;
  let name: string | undefined;
  let severity: CanonicalEvent['severity'] = 'info';
  let outcome: CanonicalEvent['outcome'] = 'unknown';
  let entity: CanonicalEvent['entity'] = {};
  let measures: CanonicalEvent['measures'] = {};
  let labels: CanonicalEvent['labels'] = {};
  let text: CanonicalEvent['text'] | undefined;
  for (const key of Object.keys(item)) {
    const v = item[key];
    switch (key) {
      case 'id':
        if (typeof v !== 'string' || !plainEventId(v)) return undefined;
        id = v;
        break;
      case 'time':
        if (
          typeof v !== 'number' ||
          !Number.isInteger(v) ||
          v < MIN_EVENT_TIME ||
          v > MAX_EVENT_TIME
        )
          return undefined;
        time = v;
        break;
      case 'kind':
        if (typeof v !== 'string' || !KINDS.has(v)) return undefined;
        kind = v as CanonicalEvent['kind'];
        break;
      case 'name':
        if (v === null) break;
        if (typeof v !== 'string' || v.trim() === '') return undefined;
        name = v;
        break;
      case 'severity':
        if (v === null) break;
        if (typeof v !== 'string' || !SEVERITY.has(v)) return undefined;
        severity = v as CanonicalEvent['severity'];
        break;
      case 'outcome':
        if (v === null) break;
        if (typeof v !== 'string' || !OUTCOME.has(v)) return undefined;
        outcome = v as CanonicalEvent['outcome'];
        break;
      case 'entity': {
        if (v === null) break;
        const e = entityOf(v);
        if (!e) return undefined;
        entity = e;
        break;
      }
      case 'measures':
        if (v === null) break;
        if (!isJsonObject(v) || !allValues(v, finiteNumber)) return undefined;
        measures = v as CanonicalEvent['measures'];
        break;
      case 'labels':
        if (v === null) break;
        if (!isJsonObject(v) || !allValues(v, recorded ? recordedLabelValue : labelValue))
          return undefined;
        labels = v as CanonicalEvent['labels'];
        break;
      case 'text':
        if (v === null) break;
        if (!isJsonObject(v)) return undefined;
        for (const k of Object.keys(v))
          if (!TEXT.has(k) || typeof v[k] !== 'string') return undefined;
        text = v;
        break;
      case 'raw':
        break;
      case 'source':
      case 'received':
        if (!recorded) return undefined;
        break;
      default:
        return undefined;
    }
  }
  // A clamped time is reported (a warning and a label): the thorough path does that.
  if (id === undefined || time === undefined || kind === undefined || time > now + FUTURE_SKEW_MS)
    return undefined;
  return {
    id,
    time,
    kind,
    name: name ?? kind,
    severity,
    outcome,
    entity,
    measures,
    labels,
    ...(text !== undefined && Object.keys(text).length > 0 ? { text } : {}),
    ...senderRaw(item),
  };
}

/**
 * Entity fields must be non-blank strings; numbers, nulls and odd keys take the thorough path.
 * So does an ip that is not already a bare address as the thorough path writes it (bad, with a
 * port, upper-case IPv6, padded): only an item that carries an ip pays for its check.
 */
function entityOf(value: unknown): CanonicalEvent['entity'] | undefined {
  if (!isJsonObject(value)) return undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (key === 'geo') {
      if (!isJsonObject(v)) return undefined;
      const geo = Object.keys(v);
      if (geo.length === 0) return undefined;
      for (const g of geo) if (!GEO.has(g) || !nonBlank(v[g])) return undefined;
    } else if (!ENTITY.has(key) || !nonBlank(v)) {
      return undefined;
    } else if (key === 'ip' && !bareIp(v as string)) {
      return undefined;
    }
  }
  return value;
}

function bareIp(text: string): boolean {
  if (dottedQuad(text)) return true;
  const ip = parseIp(text);
  return ip.ok && ip.port === undefined && ip.ip === text;
}

/**
 * The usual address, `198.51.100.7` (four octets 0–255, no leading zeros), checked by a scan:
 * a subset of what parseIp returns unchanged, so the answer is the same, only sooner.
 */
function dottedQuad(s: string): boolean {
  let octets = 0;
  let i = 0;
  while (i < s.length) {
    const start = i;
    let value = 0;
    while (i < s.length && i - start < 4) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      i += 1;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && s.charCodeAt(start) === 0x30) return false;
    octets += 1;
    if (i === s.length) break;
    if (octets === 4 || s.charCodeAt(i) !== 0x2e) return false;
    i += 1;
    if (i === s.length) return false;
  }
  return octets === 4;
}

function allValues(object: JsonObject, ok: (key: string, v: unknown) => boolean): boolean {
  for (const key of Object.keys(object))
    if (key.trim() === '' || !ok(key, object[key])) return false;
  return true;
}

function finiteNumber(_key: string, v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function labelValue(key: string, v: unknown): boolean {
  return typeof v === 'string' && !key.startsWith(RESERVED_LABEL_PREFIX);
}

function recordedLabelValue(_key: string, v: unknown): boolean {
  return typeof v === 'string';
}

function nonBlank(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

/**
 * 1–256 printable ASCII characters: within what event ids allow (the thorough reader takes such
 * an id as it is), checked without a regex.
 */
export function plainEventId(s: string): boolean {
  if (s.length === 0 || s.length > 256) return false;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
