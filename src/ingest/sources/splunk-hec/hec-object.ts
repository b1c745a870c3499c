import type { NormalisedEvent } from '../../canonical-event.js';
import { DEFAULT_ALERT_SEVERITY } from '../../normalizers/severity.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, truncate } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { readString } from '../../normalizers/string-map.js';
import { applyTimeClamp, needsClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { contentId } from '../siem-common/content-id.js';
import { putLabel } from '../siem-common/labels.js';
import { readEventObject } from './event-object.js';
import type { EventParts } from './event-object.js';
import { readFields } from './fields.js';
import { readHecTime } from './hec-time.js';

const ENVELOPE_KEYS = new Set(['event', 'time', 'host', 'source', 'sourcetype', 'index', 'fields']);

/** An envelope without `fields` (readFields gives `{}` for one; only read, never changed). */
const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/** Longest message kept as a label; the full text stays in `raw`. */
export const MESSAGE_LIMIT = 8192;

/** Things of the request every object shares (the channel header). */
export interface HecRequestInfo {
  readonly channel: string | undefined;
}

/** The envelope's own keys, read and checked (everything but `event`). */
export interface HecEnvelope {
  readonly host: string | undefined;
  readonly source: string | undefined;
  readonly sourcetype: string | undefined;
  readonly index: string | undefined;
  /** Epoch ms; undefined when the envelope has none. */
  readonly time: number | undefined;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Reads an HEC envelope object's keys but `event`; undefined when any is wrong (each error
 * reported at `at`), or when `value` is not an object.
 */
export function readEnvelope(value: unknown, at: Location): HecEnvelope | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be an HEC event object ({"event": …}); got ${got(value)}.`);
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!ENVELOPE_KEYS.has(key))
      at.child(key).warn(
        `is not an HEC envelope key (event, time, host, source, sourcetype, index, fields); ignored. Put it in "event" or "fields".`,
      );
  // Locations are made only where there is something to report: these run per event.
  const meta = (key: string): string | undefined | null => {
    const text = getOwn(value, key);
    if (text === undefined || text === null) return undefined;
    if (typeof text === 'string') return text;
    return readString(text, at.child(key), { optional: true });
  };
  const host = meta('host');
  const source = meta('source');
  const sourcetype = meta('sourcetype');
  const index = meta('index');
  const timeValue = getOwn(value, 'time');
  const time =
    timeValue === undefined || timeValue === null
      ? undefined
      : readHecTime(timeValue, at.child('time'));
  const fieldsValue = getOwn(value, 'fields');
  const fields =
    fieldsValue === undefined || fieldsValue === null
      ? NO_FIELDS
      : readFields(fieldsValue, at.child('fields'));
  if (
    host === null ||
    source === null ||
    sourcetype === null ||
    index === null ||
    time === null ||
    fields === undefined
  )
    return undefined;
  return { host, source, sourcetype, index, time, fields };
}

/** One HEC envelope object → one event; undefined when it has errors (reported at `at`). */
export function readHecObject(
  value: unknown,
  at: Location,
  info: HecRequestInfo,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const envelope = readEnvelope(value, at);
  if (!isJsonObject(value)) return undefined;
  // Read even when the envelope is wrong, so the sender sees every problem at once.
  const parts = readEvent(getOwn(value, 'event'), at.child('event'));
  if (envelope === undefined || parts === undefined) return undefined;
  const { host, source, sourcetype, index, time, fields } = envelope;

  // The parts are fresh objects of this item: completed in place. Copies made by spreading
  // are slow to add properties to, and the keep policy stamps every event afterwards.
  const { labels, entity } = parts;
  putLabel(labels, 'splunk.source', source);
  putLabel(labels, 'splunk.sourcetype', sourcetype);
  putLabel(labels, 'splunk.index', index);
  putLabel(labels, 'splunk.channel', info.channel);
  for (const key of Object.keys(fields)) putLabel(labels, key, fields[key]);
  const kind = parts.kind ?? 'log';
  // The event's own host is more specific than the envelope's (often the forwarder).
  if (entity.host === undefined && host !== undefined && host !== '') entity.host = host;
  const id = parts.id ?? contentId('hec', value);
  const name = parts.name ?? eventName(sourcetype, source);
  const severity =
    parts.severity ?? (kind === 'alert' || kind === 'drift' ? DEFAULT_ALERT_SEVERITY : 'info');
  const outcome = parts.outcome ?? 'unknown';
  const { measures, text } = parts;
  // HEC stamps events without `time` with the receipt time; so do we, and say so.
  if (time === undefined) {
    const content = { id, kind, name, severity, outcome, entity, measures, labels };
    return withReceiptTime(
      text === undefined ? { ...content, raw: value } : { ...content, text, raw: value },
      ctx.now,
    );
  }
  // One literal per shape, keys in the order the events have always had.
  const event: NormalisedEvent =
    text === undefined
      ? { id, kind, name, severity, outcome, entity, measures, labels, raw: value, time }
      : { id, kind, name, severity, outcome, entity, measures, labels, text, raw: value, time };
  return needsClamp(time, ctx.now) ? applyTimeClamp(event, ctx.now, at.child('time')) : event;
}

/** `event`: required and not blank (HEC codes 12 and 13); a string is a log line, an object is read. */
function readEvent(value: unknown, at: Location): EventParts | undefined {
  if (value === undefined) {
    at.error(
      'is required: the event itself, a string or an object (HEC code 12, "Event field is required").',
    );
    return undefined;
  }
  if (value === null || (typeof value === 'string' && value.trim() === '')) {
    at.error(`must not be blank; got ${got(value)} (HEC code 13, "Event field cannot be blank").`);
    return undefined;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const labels: Record<string, string> = {};
    putLabel(labels, 'message', truncate(String(value), MESSAGE_LIMIT));
    return { entity: {}, measures: {}, labels };
  }
  if (Array.isArray(value)) {
    at.error(
      `must be a string or an object; got ${got(value)}. Send each element as its own {"event": …} object.`,
    );
    return undefined;
  }
  return readEventObject(value as JsonObject, at);
}

/** The sourcetype names the event, unless it is one of Splunk's generic ones (`_json`, `_raw`). */
function eventName(sourcetype: string | undefined, source: string | undefined): string {
  if (sourcetype !== undefined && sourcetype !== '' && !sourcetype.startsWith('_'))
    return sourcetype;
  if (source !== undefined && source !== '') return source;
  return sourcetype !== undefined && sourcetype !== '' ? sourcetype : 'splunk-hec';
}
