import { EVENT_KINDS } from '../../canonical-event.js';
import type { EventKind, NormalisedEvent, Severity } from '../../canonical-event.js';
import { alertEntity } from '../../normalizers/alertmanager.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject, setOwn } from '../../normalizers/json-values.js';
import { DEFAULT_ALERT_SEVERITY, severityFromWord } from '../../normalizers/severity.js';
import { readString, readStringMap } from '../../normalizers/string-map.js';
import { applyTimeClamp } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { putLabel } from '../siem-common/labels.js';
import { readRfc3339Field } from '../siem-common/rfc3339-field.js';
import type { TimeField } from '../siem-common/rfc3339-field.js';
import type { Envelope } from './envelope.js';
import { ruleUid } from './rule-uid.js';
import { isTestNotification } from './test-notification.js';
import { parseValueString, readValues, valueMeasures } from './values.js';

/** One `alerts[]` item → one event; undefined when it has errors (reported at `at`). */
export function readAlert(
  value: unknown,
  at: Location,
  envelope: Envelope,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be an alert object; got ${got(value)}.`);
    return undefined;
  }
  const status = readStatus(getOwn(value, 'status'), at.child('status'));
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
  const startsAt = readRfc3339Field(startsAtText, at.child('startsAt'), {
    required: true,
    zero: false,
  });
  const endsAt = readRfc3339Field(getOwn(value, 'endsAt'), at.child('endsAt'), {
    required: status === 'resolved',
    zero: status !== 'resolved',
  });
  const fingerprint = readString(getOwn(value, 'fingerprint'), at.child('fingerprint'), {
    nonEmpty: true,
    what: 'a non-empty string (Grafana sends a hex fingerprint)',
  });
  const urls = readUrls(value, at);
  const values = readValues(getOwn(value, 'values'), at.child('values'));
  const valueString = readString(getOwn(value, 'valueString'), at.child('valueString'), {
    optional: true,
  });
  const time =
    status === 'resolved' ? resolvedTime(startsAt, endsAt, at.child('endsAt')) : startsAt;
  if (
    status === undefined ||
    labels === undefined ||
    annotations === undefined ||
    typeof time !== 'number' ||
    typeof fingerprint !== 'string' ||
    urls === undefined ||
    valueString === null
  )
    return undefined;

  // Grafana 9.1+ sends both; `values` is exact, `valueString` is text meant for humans.
  const refValues =
    values ??
    (valueString === undefined
      ? undefined
      : parseValueString(valueString, at.child('valueString')));
  const kind = alertKind(labels, at);
  const alertname = getOwn(labels, 'alertname');
  const name = typeof alertname === 'string' && alertname !== '' ? alertname : kind;
  if (name === kind)
    at.child('labels').warn('has no alertname; the event is named after its kind.');
  const event: NormalisedEvent = {
    id: prefixedHashId(
      'grafana',
      `${envelope.orgId}|${fingerprint}|${String(startsAtText)}|${status}`,
    ),
    time,
    kind,
    name,
    severity: alertSeverity(getOwn(labels, 'severity'), at),
    outcome: status,
    entity: alertEntity(labels),
    measures: valueMeasures(refValues),
    labels: alertLabels(labels, annotations, envelope, fingerprint, urls),
    raw: value,
  };
  return applyTimeClamp(event, ctx.now, at.child(status === 'resolved' ? 'endsAt' : 'startsAt'));
}

function readStatus(value: unknown, at: Location): 'firing' | 'resolved' | undefined {
  if (value === 'firing' || value === 'resolved') return value;
  if (value === undefined) at.error('is required: "firing" or "resolved".');
  else {
    const lower = typeof value === 'string' ? value.toLowerCase() : '';
    const fix = lower === 'firing' || lower === 'resolved' ? ` Send "${lower}" (lower case).` : '';
    at.error(`must be "firing" or "resolved"; got ${got(value)}.${fix}`);
  }
  return undefined;
}

/** A resolved alert happened when it ended: that end must be set and not precede its start. */
function resolvedTime(startsAt: TimeField, endsAt: TimeField, at: Location): number | undefined {
  if (typeof endsAt !== 'number') return undefined;
  if (typeof startsAt === 'number' && endsAt < startsAt) {
    at.error(
      `must not be before startsAt (${new Date(startsAt).toISOString()}) for a resolved alert; got ${new Date(endsAt).toISOString()}. Check the sender's clock.`,
    );
    return undefined;
  }
  return endsAt;
}

const URL_KEYS = [
  ['generatorURL', 'grafana.generator_url'],
  ['silenceURL', 'grafana.silence_url'],
  ['dashboardURL', 'grafana.dashboard_url'],
  ['panelURL', 'grafana.panel_url'],
  ['imageURL', 'grafana.image_url'],
] as const;

type Urls = Partial<Record<(typeof URL_KEYS)[number][0], string>>;

function readUrls(alert: Record<string, unknown>, at: Location): Urls | undefined {
  const urls: Urls = {};
  let ok = true;
  for (const [key] of URL_KEYS) {
    const text = readString(getOwn(alert, key), at.child(key), { optional: true });
    if (text === null) ok = false;
    else if (text !== undefined && text !== '') urls[key] = text;
  }
  return ok ? urls : undefined;
}

/** A `cordon_kind` label wins; drift alerts are recognisable by name, as for Alertmanager. */
function alertKind(labels: Record<string, string>, at: Location): EventKind {
  const declared = getOwn(labels, 'cordon_kind');
  if (isOneOf(declared, EVENT_KINDS)) return declared;
  if (declared !== undefined)
    at.child('labels')
      .child('cordon_kind')
      .warn(
        `${got(declared)} is not an event kind (${EVENT_KINDS.join(', ')}); the kind was inferred instead.`,
      );
  return /drift/i.test((getOwn(labels, 'alertname') as string | undefined) ?? '')
    ? 'drift'
    : 'alert';
}

function alertSeverity(word: unknown, at: Location): Severity {
  if (typeof word !== 'string') return DEFAULT_ALERT_SEVERITY;
  const level = severityFromWord(word);
  if (level !== undefined) return level;
  at.child('labels')
    .child('severity')
    .warn(`${got(word)} is not a known severity word; used "${DEFAULT_ALERT_SEVERITY}".`);
  return DEFAULT_ALERT_SEVERITY;
}

/** Labels as sent, annotations under `annotation.`, Grafana's envelope and links under `grafana.`. */
function alertLabels(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  envelope: Envelope,
  fingerprint: string,
  urls: Urls,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) putLabel(out, key, value);
  for (const [key, value] of Object.entries(annotations)) putLabel(out, `annotation.${key}`, value);
  putLabel(out, 'rule_id', ruleUid(labels, urls.silenceURL, urls.generatorURL));
  for (const [key, label] of URL_KEYS) putLabel(out, label, urls[key]);
  const extra: [string, string | undefined][] = [
    ['grafana.org_id', envelope.orgId],
    ['grafana.receiver', envelope.receiver],
    ['grafana.group_key', envelope.groupKey],
    ['grafana.state', envelope.state],
    ['grafana.title', envelope.title],
    ['grafana.external_url', envelope.externalUrl],
    ['grafana.fingerprint', fingerprint],
  ];
  for (const [key, value] of extra) putLabel(out, key, value);
  if (isTestNotification(labels, annotations)) setOwn(out, 'grafana.test_notification', 'true');
  return out;
}
