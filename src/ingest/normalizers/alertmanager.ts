import { EVENT_KINDS } from '../canonical-event.js';
import type { Entity, EventKind, NormalisedEvent } from '../canonical-event.js';
import { isOneOf } from './canonical-maps.js';
import { prefixedHashId } from './event-id.js';
import { Findings } from './findings.js';
import type { Location } from './findings.js';
import { parseIp } from './ip.js';
import { getOwn, got, isJsonObject, setOwn } from './json-values.js';
import type { JsonObject } from './json-values.js';
import { parseJsonBody } from './parse-json-body.js';
import { DEFAULT_ALERT_SEVERITY, severityFromWord } from './severity.js';
import { readString, readStringMap } from './string-map.js';
import { parseRfc3339, ZERO_TIME } from './time.js';
import type { TimeParse } from './time.js';
import { applyTimeClamp } from './time-clamp.js';
import type { NormaliseContext, NormaliseResult, Normaliser } from './types.js';

/**
 * Prometheus Alertmanager webhook v4 (ingest-formats §4): one event per `alerts[]` item.
 * Unknown keys are tolerated, unlike the generic format: Alertmanager adds fields over time
 * and Grafana's compatible payload carries extras, and neither is ours to police.
 */
export const alertmanagerNormaliser: Normaliser = {
  format: 'alertmanager',
  contentTypes: ['application/json'],
  normalise(body: Buffer, ctx: NormaliseContext): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'an Alertmanager webhook message (a JSON object with version "4" and alerts)',
    });
    if (!parsed.ok) return findings.result([]);
    if (!isJsonObject(parsed.value)) {
      root.error(
        `must be one Alertmanager webhook message (a JSON object); got ${got(parsed.value)}.`,
      );
      return findings.result([]);
    }
    const message = parsed.value;
    const envelope = readEnvelope(message, root);
    const events: NormalisedEvent[] = [];
    const alerts = getOwn(message, 'alerts');
    const alertsAt = root.child('alerts');
    if (Array.isArray(alerts)) {
      if (alerts.length === 0)
        alertsAt.error('must contain at least one alert; got an empty array.');
      alerts.forEach((alert, index) => {
        const at = alertsAt.batchItem(index);
        const event = readAlert(alert, at, envelope, ctx);
        if (event !== undefined) findings.emit(event, at);
      });
    } else if (alerts === undefined) {
      alertsAt.error('is required: the array of alerts in this notification.');
    } else {
      alertsAt.error(
        `must be an array of alerts; got ${got(alerts)}.${isJsonObject(alerts) ? ' Wrap the alert in [ ].' : ''}`,
      );
      // A lone alert object still gets checked, so the sender learns everything in one round.
      if (isJsonObject(alerts)) readAlert(alerts, alertsAt, envelope, ctx);
    }
    if (envelope.truncatedAlerts > 0) {
      root
        .child('truncatedAlerts')
        .warn(
          `Alertmanager dropped ${envelope.truncatedAlerts} alert(s) from this notification (max_alerts in its webhook_config); ` +
            'they never reached Cordon. Raise or unset max_alerts.',
        );
    }
    return findings.batch(events);
  },
};

interface Envelope {
  readonly receiver: string;
  readonly groupKey: string | undefined;
  readonly externalUrl: string | undefined;
  readonly truncatedAlerts: number;
}

function readEnvelope(message: JsonObject, at: Location): Envelope {
  const version = getOwn(message, 'version');
  if (version !== '4') {
    const versionAt = at.child('version');
    if (version === undefined)
      versionAt.error('is required: the string "4" (Alertmanager webhook version 4).');
    else if (version === 4)
      versionAt.error('must be the string "4"; got 4 (a number). Send "version": "4".');
    else
      versionAt.error(
        `must be the string "4" (this endpoint speaks Alertmanager webhook version 4); got ${got(version)}.`,
      );
  }
  readStatus(getOwn(message, 'status'), at.child('status'), true);
  const receiver = readString(getOwn(message, 'receiver'), at.child('receiver'), {
    nonEmpty: true,
  });
  const groupKey = readString(getOwn(message, 'groupKey'), at.child('groupKey'), {
    optional: true,
  });
  const externalUrl = readString(getOwn(message, 'externalURL'), at.child('externalURL'), {
    optional: true,
  });
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations']) {
    const value = getOwn(message, key);
    if (value !== undefined) readStringMap(value, at.child(key), 'an object of name → string');
  }
  return {
    receiver: receiver ?? '',
    groupKey: groupKey ?? undefined,
    externalUrl: externalUrl ?? undefined,
    truncatedAlerts: readTruncatedAlerts(
      getOwn(message, 'truncatedAlerts'),
      at.child('truncatedAlerts'),
    ),
  };
}

function readTruncatedAlerts(value: unknown, at: Location): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const unquote =
    typeof value === 'string' && /^\d+$/.test(value) ? ` Send ${value} without quotes.` : '';
  at.error(
    `must be an integer ≥ 0 (the number of alerts dropped by max_alerts); got ${got(value)}.${unquote}`,
  );
  return 0;
}

function readStatus(
  value: unknown,
  at: Location,
  optional: boolean,
): 'firing' | 'resolved' | undefined {
  if (value === 'firing' || value === 'resolved') return value;
  if (value === undefined && optional) return undefined;
  if (value === undefined) {
    at.error('is required: "firing" or "resolved".');
  } else {
    const lower = typeof value === 'string' ? value.toLowerCase() : '';
    const fix =
      lower === 'firing' || lower === 'resolved'
        ? ` Statuses are lower case: send "${lower}".`
        : '';
    at.error(`must be "firing" or "resolved"; got ${got(value)}.${fix}`);
  }
  return undefined;
}

function readAlert(
  value: unknown,
  at: Location,
  envelope: Envelope,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be an alert object; got ${got(value)}.`);
    return undefined;
  }
  const status = readStatus(getOwn(value, 'status'), at.child('status'), false);
  const labels = readStringMap(
    getOwn(value, 'labels'),
    at.child('labels'),
    'an object of label name → string',
  );
  const annotationsValue = getOwn(value, 'annotations');
  const annotations =
    annotationsValue === undefined || annotationsValue === null
      ? {}
      : readStringMap(
          annotationsValue,
          at.child('annotations'),
          'an object of annotation name → string',
        );
  const startsAtText = getOwn(value, 'startsAt');
  const startsAt = readTimestamp(startsAtText, at.child('startsAt'), {
    required: true,
    zero: false,
  });
  // A firing alert's endsAt is only an estimate (or the zero time); a resolved one's is its event time.
  const endsAt = readTimestamp(getOwn(value, 'endsAt'), at.child('endsAt'), {
    required: status === 'resolved',
    zero: true,
  });
  const fingerprint = readString(getOwn(value, 'fingerprint'), at.child('fingerprint'), {
    nonEmpty: true,
    what: 'a non-empty string (Alertmanager sends a hex fingerprint)',
  });
  const generatorUrl = readString(getOwn(value, 'generatorURL'), at.child('generatorURL'), {
    optional: true,
  });
  const time =
    status === 'resolved'
      ? resolvedTime(startsAt, endsAt, getOwn(value, 'endsAt'), at.child('endsAt'))
      : startsAt;

  if (
    status === undefined ||
    labels === undefined ||
    annotations === undefined ||
    typeof time !== 'number' ||
    endsAt === null ||
    typeof fingerprint !== 'string' ||
    generatorUrl === null
  ) {
    return undefined;
  }

  const kind = alertKind(labels, at);
  const alertname = labels.alertname;
  if (alertname === undefined || alertname === '')
    at.child('labels').warn('has no alertname; the event is named after its kind.');
  const event: NormalisedEvent = {
    id: prefixedHashId(
      'am',
      `${envelope.receiver}|${fingerprint}|${String(startsAtText)}|${status}`,
    ),
    time,
    kind,
    name: alertname !== undefined && alertname !== '' ? alertname : kind,
    severity: alertSeverity(labels.severity, at),
    outcome: status,
    entity: alertEntity(labels),
    measures: {},
    labels: alertLabels(labels, annotations, envelope, fingerprint, generatorUrl),
    raw: value,
  };
  return applyTimeClamp(event, ctx.now, at.child(status === 'resolved' ? 'endsAt' : 'startsAt'));
}

/**
 * undefined = absent and not required, null = invalid (reported), 'zero' = Go's zero time
 * (Alertmanager's "not set"), else epoch ms.
 */
function readTimestamp(
  value: unknown,
  at: Location,
  allow: { readonly required: boolean; readonly zero: boolean },
): number | 'zero' | undefined | null {
  if (value === undefined) {
    if (!allow.required) return undefined;
    at.error('is required: an RFC 3339 timestamp such as "2024-06-10T16:01:05Z".');
    return null;
  }
  if (value === ZERO_TIME) {
    if (allow.zero) return 'zero';
    at.error(`must be the time the alert started; got the zero time "${ZERO_TIME}".`);
    return null;
  }
  let parsed: TimeParse;
  if (typeof value === 'string') {
    parsed = parseRfc3339(value);
  } else {
    const seconds =
      typeof value === 'number' && value > 0 && value < 1e11 ? ' It looks like epoch seconds;' : '';
    parsed = {
      ok: false,
      reason: `must be an RFC 3339 timestamp string such as "2024-06-10T16:01:05Z"; got ${got(value)}.${seconds} Alertmanager itself sends RFC 3339 strings.`,
    };
  }
  if (parsed.ok) return parsed.ms;
  at.error(
    allow.zero
      ? `${parsed.reason} If it is not set, send the zero time "${ZERO_TIME}".`
      : parsed.reason,
  );
  return null;
}

/** A resolved alert happened when it ended; that end must exist and follow its start. */
function resolvedTime(
  startsAt: number | 'zero' | undefined | null,
  endsAt: number | 'zero' | undefined | null,
  endsAtValue: unknown,
  at: Location,
): number | undefined {
  if (endsAt === 'zero') {
    at.error(`must be the resolution time for a resolved alert; got the zero time "${ZERO_TIME}".`);
    return undefined;
  }
  if (typeof endsAt !== 'number') return undefined;
  if (typeof startsAt === 'number' && endsAt < startsAt) {
    at.error(
      `must not be before startsAt (${new Date(startsAt).toISOString()}); got ${got(endsAtValue)}. Check the sender's clock and time zones.`,
    );
    return undefined;
  }
  return endsAt;
}

/** An explicit `cordon_kind` label wins; drift alerts are recognisable by name by convention. */
function alertKind(labels: Record<string, string>, at: Location): EventKind {
  const declared = getOwn(labels, 'cordon_kind');
  if (isOneOf(declared, EVENT_KINDS)) return declared;
  if (declared !== undefined) {
    at.child('labels')
      .child('cordon_kind')
      .warn(
        `${got(declared)} is not an event kind (${EVENT_KINDS.join(', ')}); the kind was inferred instead.`,
      );
  }
  return /drift/i.test(labels.alertname ?? '') ? 'drift' : 'alert';
}

function alertSeverity(word: string | undefined, at: Location): NormalisedEvent['severity'] {
  if (word === undefined) return DEFAULT_ALERT_SEVERITY;
  const level = severityFromWord(word);
  if (level !== undefined) return level;
  at.child('labels')
    .child('severity')
    .warn(`${got(word)} is not a known severity word; used "${DEFAULT_ALERT_SEVERITY}".`);
  return DEFAULT_ALERT_SEVERITY;
}

/**
 * Well-known alert labels as entity fields (ingest-formats §4, shared with Grafana): `instance`
 * is the host as written (port kept, it tells scrape targets apart) and, when it is an address,
 * also the bare IP, so rules can join alerts to the IPs of login and inference events.
 */
export function alertEntity(labels: Record<string, string>): Entity {
  const first = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = getOwn(labels, name);
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
  const entity: Entity = {};
  const instance = first('instance');
  const address = instance === undefined ? undefined : parseIp(instance);
  const fields: [keyof Omit<Entity, 'geo'>, string | undefined][] = [
    ['model', first('model')],
    ['model_version', first('model_version', 'version')],
    ['host', first('instance', 'host')],
    ['ip', address?.ok === true ? address.ip : ipLabel(first('ip'))],
    ['api_key', first('api_key')],
    ['user', first('user')],
    ['tenant', first('tenant')],
    ['endpoint', first('endpoint')],
    ['session', first('session')],
    ['feature', first('feature')],
  ];
  for (const [field, value] of fields) if (value !== undefined) entity[field] = value;
  const region = first('region');
  if (region !== undefined) entity.geo = { region };
  return entity;
}

/** An `ip` label counts only when it is an address; anything else stays a plain label. */
function ipLabel(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseIp(value);
  return parsed.ok ? parsed.ip : undefined;
}

/** Alert labels as sent, annotations under `annotation.`, and the envelope for tracing back. */
function alertLabels(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  envelope: Envelope,
  fingerprint: string,
  generatorUrl: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(annotations)) setOwn(out, `annotation.${key}`, value);
  const extra: [string, string | undefined][] = [
    ['alertmanager.receiver', envelope.receiver],
    ['alertmanager.group_key', envelope.groupKey],
    ['alertmanager.generator_url', generatorUrl],
    ['alertmanager.external_url', envelope.externalUrl],
    ['alertmanager.fingerprint', fingerprint],
  ];
  for (const [key, value] of extra) if (value !== undefined && value !== '') out[key] = value;
  return out;
}
