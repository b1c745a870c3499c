import { EVENT_KINDS, OUTCOMES, SEVERITIES } from '../canonical-event.js';
import type { EventKind, NormalisedEvent, Severity } from '../canonical-event.js';
import {
  isOneOf,
  readEntity,
  readLabels,
  readMeasures,
  readText,
  SOURCE_PORT_LABEL,
} from './canonical-maps.js';
import { readCanonicalFast, senderRaw } from './canonical-fast.js';
import { checkEventId, contentHashId } from './event-id.js';
import type { Location } from './findings.js';
import { getOwn, got, isJsonObject } from './json-values.js';
import { severityFromWord } from './severity.js';
import { checkEpochMs, parseRfc3339 } from './time.js';
import type { TimeParse } from './time.js';
import { applyTimeClamp } from './time-clamp.js';
import { closest, reportUnknownKey } from './unknown-key.js';

/**
 * Strict reader for events sent already canonical (the `generic` format). Strict because
 * nothing downstream can tell a typo (`entitiy`) from an intentional field: an unknown key
 * silently dropped would make a rule never match.
 */
export const EVENT_KEYS = [
  'id',
  'time',
  'kind',
  'name',
  'severity',
  'outcome',
  'entity',
  'measures',
  'labels',
  'text',
  'raw',
];

/** Set by Cordon on acceptance; a sender-supplied value would be a lie we cannot check. */
const SET_BY_CORDON: ReadonlyMap<string, string> = new Map([
  ['received', 'the receipt time'],
  ['source', 'the name of the source connector the event arrived through'],
]);

/**
 * Reports every problem of one item at `at`; returns the event only if there were none.
 * `recorded`: the item comes from Cordon's own log or an export of it (`cordon replay`), so
 * the fields Cordon sets on acceptance are expected there, and read by the caller.
 */
export function readCanonicalEvent(
  item: unknown,
  at: Location,
  now: number,
  recorded = false,
): NormalisedEvent | undefined {
  return readCanonicalFast(item, now, recorded) ?? readCanonicalThorough(item, at, now, recorded);
}

/** The thorough path alone: every check, every problem reported (exported for its test). */
export function readCanonicalThorough(
  item: unknown,
  at: Location,
  now: number,
  recorded = false,
): NormalisedEvent | undefined {
  if (!isJsonObject(item)) {
    at.error(`must be a JSON object (one event); got ${got(item)}.`);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(item)) {
    const setBy = SET_BY_CORDON.get(key);
    if (setBy !== undefined) {
      if (recorded) continue;
      at.child(key).error(
        `must not be sent: Cordon sets "${key}" (${setBy}) on acceptance. Remove it.`,
      );
      ok = false;
    } else if (!EVENT_KEYS.includes(key)) {
      reportUnknownKey(at.child(key), key, EVENT_KEYS, 'a canonical event');
      ok = false;
    }
  }

  const kind = readKind(getOwn(item, 'kind'), at.child('kind'));
  const time = readTime(getOwn(item, 'time'), at.child('time'));
  const id = readId(getOwn(item, 'id'), at.child('id'));
  const name = readName(getOwn(item, 'name'), at.child('name'));
  const severity = readEnum(
    getOwn(item, 'severity'),
    at.child('severity'),
    SEVERITIES,
    'info',
    severityHint,
  );
  const outcome = readEnum(
    getOwn(item, 'outcome'),
    at.child('outcome'),
    OUTCOMES,
    'unknown',
    typoHint(OUTCOMES),
  );
  const entity = readEntity(getOwn(item, 'entity'), at.child('entity'), recorded);
  const measures = readMeasures(getOwn(item, 'measures'), at.child('measures'));
  const labels = readLabels(getOwn(item, 'labels'), at.child('labels'), recorded);
  const text = readText(getOwn(item, 'text'), at.child('text'));

  if (
    !ok ||
    kind === undefined ||
    time === undefined ||
    id === null ||
    name === null ||
    severity === undefined ||
    outcome === undefined ||
    entity === undefined ||
    measures === undefined ||
    labels === undefined ||
    text === undefined
  ) {
    return undefined;
  }

  // A port sent with entity.ip is kept as a label, unless the sender set that label.
  if (entity.port !== undefined && !Object.hasOwn(labels, SOURCE_PORT_LABEL))
    labels[SOURCE_PORT_LABEL] = String(entity.port);
  const content = {
    time,
    kind,
    name: name ?? kind,
    severity,
    outcome,
    entity: entity.entity,
    measures,
    labels,
    ...(Object.keys(text).length > 0 ? { text } : {}),
  };
  // The id hashes the time as sent: a clamp depends on the receipt time and would break dedupe.
  const event: NormalisedEvent = {
    id: id ?? contentHashId(content),
    ...content,
    ...senderRaw(item),
  };
  return applyTimeClamp(event, now, at.child('time'));
}

function readKind(value: unknown, at: Location): EventKind | undefined {
  if (isOneOf(value, EVENT_KINDS)) return value;
  if (value === undefined || value === null) {
    at.error(`is required: one of ${EVENT_KINDS.join(', ')}.`);
  } else {
    at.error(
      `must be one of ${EVENT_KINDS.join(', ')}; got ${got(value)}.${typoHint(EVENT_KINDS)(value)}`,
    );
  }
  return undefined;
}

function readTime(value: unknown, at: Location): number | undefined {
  let parsed: TimeParse;
  if (typeof value === 'number') {
    parsed = checkEpochMs(value);
  } else if (typeof value === 'string') {
    parsed = /^\d+$/.test(value.trim())
      ? {
          ok: false,
          reason: `must be epoch milliseconds as a JSON number or an RFC 3339 string with a zone; got ${got(value)}. Send the number without quotes.`,
        }
      : parseRfc3339(value);
  } else if (value === undefined || value === null) {
    parsed = {
      ok: false,
      reason:
        'is required: epoch milliseconds (an integer) or an RFC 3339 string with a zone, such as "2024-06-10T16:01:05Z".',
    };
  } else {
    parsed = {
      ok: false,
      reason: `must be epoch milliseconds or an RFC 3339 string; got ${got(value)}.`,
    };
  }
  if (parsed.ok) return parsed.ms;
  at.error(parsed.reason);
  return undefined;
}

/** undefined = not sent (hash id); null = invalid (reported). */
function readId(value: unknown, at: Location): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    const asString =
      typeof value === 'number'
        ? ` Send ids as strings ("${value}"): large numeric ids lose digits as JSON numbers.`
        : '';
    at.error(`must be a string; got ${got(value)}.${asString}`);
    return null;
  }
  const problem = checkEventId(value);
  if (problem === undefined) return value;
  at.error(`${problem} Got ${got(value)}.`);
  return null;
}

function readName(value: unknown, at: Location): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  at.error(`must be a non-empty string; got ${got(value)}. Leave it out to default to the kind.`);
  return null;
}

function readEnum<T extends string>(
  value: unknown,
  at: Location,
  options: readonly T[],
  fallback: T,
  hint: (value: unknown) => string,
): T | undefined {
  if (value === undefined || value === null) return fallback;
  if (isOneOf(value, options)) return value;
  at.error(`must be one of ${options.join(', ')}; got ${got(value)}.${hint(value)}`);
  return undefined;
}

function typoHint(options: readonly string[]): (value: unknown) => string {
  return (value) => {
    const match = typeof value === 'string' ? closest(value, options) : undefined;
    return match === undefined ? '' : ` Did you mean "${match}"?`;
  };
}

/** Senders often use their tool's words ("warning", "error"); name the level it maps to. */
function severityHint(value: unknown): string {
  const level: Severity | undefined =
    typeof value === 'string' ? severityFromWord(value) : undefined;
  return level !== undefined ? ` Did you mean "${level}"?` : typoHint(SEVERITIES)(value);
}
