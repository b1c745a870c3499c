import { EVENT_KINDS } from '../canonical-event.js';
import type {
  Entity,
  EntityField,
  EventKind,
  NormalisedEvent,
  Severity,
} from '../canonical-event.js';
import { isOneOf, SOURCE_PORT_LABEL } from './canonical-maps.js';
import { prefixedHashId } from './event-id.js';
import { Findings } from './findings.js';
import type { Location } from './findings.js';
import { parseIp } from './ip.js';
import { isNoAddress } from './no-address.js';
import { getOwn, got, isJsonObject, setOwn } from './json-values.js';
import type { JsonObject } from './json-values.js';
import { parseJsonBody } from './parse-json-body.js';
import { DEFAULT_ALERT_SEVERITY, severityFromWord } from './severity.js';
import { readString } from './string-map.js';
import { parseEpochSecondsText, parseRfc3339 } from './time.js';
import { applyTimeClamp, withReceiptTime } from './time-clamp.js';
import type { NormaliseContext, NormaliseResult, Normaliser } from './types.js';

/**
 * Splunk's webhook alert action (ingest-formats §1.1): one event per POST, built from the
 * first result row. Column names are whatever the saved search outputs, so entity and
 * measure fields are picked by the common column names below.
 */
const ENTITY_COLUMNS: readonly (readonly [EntityField, readonly string[]])[] = [
  ['user', ['user']],
  ['ip', ['src_ip', 'src', 'ip', 'client_ip']], // read by resultIp
  ['api_key', ['api_key', 'api_key_hash', 'api_key_id']],
  ['model', ['model']],
  ['model_version', ['model_version']],
  ['host', ['host', 'dest_host']],
  ['user_agent', ['user_agent', 'http_user_agent']],
  ['session', ['session', 'session_id']],
  ['tenant', ['tenant']],
  ['endpoint', ['endpoint', 'uri_path']],
];

export const SPLUNK_MEASURE_COLUMNS = [
  'count',
  'latency_ms',
  'avg_latency_ms',
  'tokens_in',
  'tokens_out',
  'confidence',
  'drift_score',
  'anomaly_score',
  'status_code',
  'cost',
] as const;

/**
 * Columns for `entity.ip`, first found wins. Each is checked (a bad address refuses the
 * alert), except `src`: in Splunk's CIM it may name a host, so only an address there is used.
 */
const IP_COLUMNS: readonly string[] = ENTITY_COLUMNS.find(([field]) => field === 'ip')?.[1] ?? [];
const HOST_OR_IP_COLUMN = 'src';

/** Splunk serialises every value as a string; this is what "numeric" means for a measure column. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export const splunkWebhookNormaliser: Normaliser = {
  format: 'splunk-webhook',
  contentTypes: ['application/json'],
  normalise(body: Buffer, ctx: NormaliseContext): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'the Splunk webhook alert JSON (an object with sid and result)',
    });
    if (!parsed.ok) return findings.result([]);
    if (!isJsonObject(parsed.value)) {
      root.error(
        `must be one Splunk webhook alert (a JSON object with sid and result); got ${got(parsed.value)}.`,
      );
      return findings.result([]);
    }
    const event = readAlert(parsed.value, root, ctx);
    return findings.result(event === undefined ? [] : [event]);
  },
};

/** One result column: its value as Cordon stores it (multivalue joined) and as sent. */
interface Column {
  readonly text: string;
  readonly sent: unknown;
}

function readAlert(
  body: JsonObject,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const sid = readString(getOwn(body, 'sid'), at.child('sid'), {
    nonEmpty: true,
    what: 'a non-empty string (the search job id)',
  });
  const searchName = readString(getOwn(body, 'search_name'), at.child('search_name'), {
    optional: true,
    what: 'a string or null',
  });
  const envelope: [string, string | undefined | null][] = [['search_name', searchName]];
  for (const key of ['app', 'owner', 'results_link']) {
    envelope.push([key, readString(getOwn(body, key), at.child(key), { optional: true })]);
  }
  const resultAt = at.child('result');
  const row = readResult(getOwn(body, 'result'), resultAt);
  // Time and measures are checked on the good columns even when others are bad: every problem at once.
  const time = row === undefined ? undefined : resultTime(row.columns, resultAt);
  const measures = row === undefined ? undefined : resultMeasures(row.columns, resultAt);
  const address = row === undefined ? undefined : resultIp(row.columns, resultAt);

  if (
    typeof sid !== 'string' ||
    envelope.some(([, v]) => v === null) ||
    row === undefined ||
    !row.ok
  )
    return undefined;
  if (time === null || measures === undefined || address === undefined || address === null)
    return undefined;
  const result = row.columns;

  const kind = resultKind(result, resultAt);
  const labels: Record<string, string> = {};
  for (const [column, { text }] of result) setOwn(labels, `splunk.${column}`, text);
  labels['splunk.sid'] = sid;
  for (const [key, value] of envelope)
    if (typeof value === 'string' && value !== '') labels[`splunk.${key}`] = value;
  if (address.port !== undefined) labels[SOURCE_PORT_LABEL] = String(address.port);

  const event: Omit<NormalisedEvent, 'time'> = {
    id: prefixedHashId('spl', sid),
    kind,
    name:
      searchName !== undefined && searchName !== null && searchName.trim() !== ''
        ? searchName
        : sid,
    severity: resultSeverity(result, resultAt),
    outcome: 'unknown',
    entity: resultEntity(result, address.ip),
    measures,
    labels,
    raw: body,
  };
  // Without _time the receipt time stands in, flagged as every kind flags a missing time.
  if (time === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp({ ...event, time }, ctx.now, resultAt.child('_time'));
}

/** The result row's readable columns, and whether every column was readable. */
function readResult(
  value: unknown,
  at: Location,
): { columns: Map<string, Column>; ok: boolean } | undefined {
  if (value === undefined) {
    at.error('is required: the first result row of the search, as an object of column → value.');
    return undefined;
  }
  if (!isJsonObject(value)) {
    const hint =
      typeof value === 'string'
        ? ' It looks like raw event text; the webhook sends the first result row as a JSON object of column → value.'
        : '';
    at.error(`must be an object of column → value; got ${got(value)}.${hint}`);
    return undefined;
  }
  const columns = new Map<string, Column>();
  let ok = true;
  for (const [name, sent] of Object.entries(value)) {
    const text = columnText(sent, at.child(name));
    if (text === null) ok = false;
    else if (text !== undefined) columns.set(name, { text, sent });
  }
  return { columns, ok };
}

/** Strings as sent; multivalue fields (arrays of strings) joined with ','; null = no value. */
function columnText(value: unknown, at: Location): string | undefined | null {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    let ok = true;
    value.forEach((item, index) => {
      if (typeof item !== 'string') {
        at.child(index).error(
          `must be a string (a value of a multivalue field); got ${got(item)}.`,
        );
        ok = false;
      }
    });
    return ok ? value.join(',') : null;
  }
  at.error(
    `must be a string, an array of strings (multivalue) or null; got ${got(value)}. Splunk sends every value as a string.`,
  );
  return null;
}

/**
 * `_time` is epoch seconds as text; an ISO string is accepted too (searches that reformat it).
 * undefined = no _time column (warned: the receipt time is used); null = a bad one (reported).
 */
function resultTime(result: ReadonlyMap<string, Column>, at: Location): number | undefined | null {
  const column = result.get('_time');
  const timeAt = at.child('_time');
  if (column === undefined) {
    at.warn(
      'has no _time column; the event time is the receipt time (label cordon.time_missing). Keep _time in the search output (e.g. | table _time, …).',
    );
    return undefined;
  }
  if (typeof column.sent !== 'string') {
    timeAt.error(`must be a single value (epoch seconds as a string); got ${got(column.sent)}.`);
    return null;
  }
  const parsed = /^\d{4}-/.test(column.text)
    ? parseRfc3339(column.text)
    : parseEpochSecondsText(column.text);
  if (parsed.ok) return parsed.ms;
  timeAt.error(parsed.reason);
  return null;
}

/**
 * The address for `entity.ip` (and the port it was sent with) from the first IP column that
 * has one. Every value of every IP column but `src` is checked, also those not used, as the
 * ECS reader does: a bad address is a search bug worth fixing. null = a bad address (reported).
 */
function resultIp(
  result: ReadonlyMap<string, Column>,
  at: Location,
): { ip?: string; port?: number } | null {
  let found: { ip?: string; port?: number } = {};
  let ok = true;
  for (const name of IP_COLUMNS) {
    const column = result.get(name);
    // `src` is read only when no address was found before it: beside src_ip it names a host.
    if (column === undefined || (name === HOST_OR_IP_COLUMN && found.ip !== undefined)) continue;
    // A multivalue column's values are checked one by one; the first address is used.
    const values: readonly [string, Location][] = Array.isArray(column.sent)
      ? (column.sent as string[]).map((v, i) => [v, at.child(name).child(i)])
      : [[column.text, at.child(name)]];
    for (const [text, valueAt] of values) {
      // An empty string is how Splunk renders a null field; "-" and "unknown" mean no address.
      if (isNoAddress(text)) continue;
      const ip = parseIp(text);
      if (ip.ok) {
        if (found.ip === undefined)
          found = ip.port === undefined ? { ip: ip.ip } : { ip: ip.ip, port: ip.port };
      } else if (name === HOST_OR_IP_COLUMN) {
        valueAt.warn(
          `is not an IP address, so it was not used as entity.ip (the CIM src field may name a host); got ${got(text)}.`,
        );
      } else {
        valueAt.error(
          `${ip.reason} Fix the search, or rename the column if it does not hold the client's address.`,
        );
        ok = false;
      }
    }
  }
  return ok ? found : null;
}

function resultMeasures(
  result: ReadonlyMap<string, Column>,
  at: Location,
): Record<string, number> | undefined {
  const measures: Record<string, number> = {};
  let ok = true;
  for (const name of SPLUNK_MEASURE_COLUMNS) {
    const column = result.get(name);
    // An empty string is how Splunk renders a null field: no measure, not an error.
    if (column === undefined || column.text.trim() === '') continue;
    const value = Number(column.text.trim());
    if (
      typeof column.sent === 'string' &&
      DECIMAL.test(column.text.trim()) &&
      Number.isFinite(value)
    ) {
      measures[name] = value;
    } else {
      at.child(name).error(
        `must be a single number (it becomes measures.${name}); got ${got(column.sent)}. ` +
          `Rename the column in the search if it is not a measure, or fix its values.`,
      );
      ok = false;
    }
  }
  return ok ? measures : undefined;
}

function resultKind(result: ReadonlyMap<string, Column>, at: Location): EventKind {
  const declared = result.get('cordon_kind')?.text;
  if (isOneOf(declared, EVENT_KINDS)) return declared;
  if (declared !== undefined) {
    at.child('cordon_kind').warn(
      `${got(declared)} is not an event kind (${EVENT_KINDS.join(', ')}); used "alert".`,
    );
  }
  return 'alert';
}

function resultSeverity(result: ReadonlyMap<string, Column>, at: Location): Severity {
  for (const name of ['severity', 'urgency']) {
    const word = result.get(name)?.text;
    if (word === undefined || word === '') continue;
    const level = severityFromWord(word);
    if (level !== undefined) return level;
    at.child(name).warn(
      `${got(word)} is not a known severity word; used "${DEFAULT_ALERT_SEVERITY}".`,
    );
    return DEFAULT_ALERT_SEVERITY;
  }
  return DEFAULT_ALERT_SEVERITY;
}

function resultEntity(result: ReadonlyMap<string, Column>, ip: string | undefined): Entity {
  const entity: Entity = {};
  for (const [field, columns] of ENTITY_COLUMNS) {
    if (field === 'ip') {
      if (ip !== undefined) entity.ip = ip;
      continue;
    }
    for (const column of columns) {
      const text = result.get(column)?.text;
      if (text !== undefined && text !== '') {
        entity[field] = text;
        break;
      }
    }
  }
  return entity;
}
