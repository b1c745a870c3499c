import type { Location } from '../../normalizers/findings.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { readString, readStringMap } from '../../normalizers/string-map.js';

/** What every alert of one notification shares (ingest-formats §5). */
export interface Envelope {
  readonly orgId: string;
  readonly receiver: string | undefined;
  readonly groupKey: string | undefined;
  readonly externalUrl: string | undefined;
  readonly state: string | undefined;
  readonly title: string | undefined;
  readonly truncatedAlerts: number;
}

export function readEnvelope(message: JsonObject, at: Location): Envelope {
  readVersion(getOwn(message, 'version'), at.child('version'));
  const text = (key: string): string | undefined =>
    readString(getOwn(message, key), at.child(key), { optional: true }) ?? undefined;
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations']) {
    const value = getOwn(message, key);
    if (value !== undefined && value !== null)
      readStringMap(value, at.child(key), 'an object of name → string');
  }
  return {
    orgId: readOrgId(getOwn(message, 'orgId'), at.child('orgId')),
    receiver: text('receiver'),
    groupKey: text('groupKey'),
    externalUrl: text('externalURL'),
    state: text('state'),
    title: text('title'),
    truncatedAlerts: readTruncated(getOwn(message, 'truncatedAlerts'), at.child('truncatedAlerts')),
  };
}

/**
 * Grafana sends `version: "1"` (both the current payload and Grafana 9's). Absent is let
 * through with a warning (a hand-built or relayed body); "4" is Alertmanager's own format.
 */
function readVersion(value: unknown, at: Location): void {
  if (value === '1') return;
  if (value === undefined) {
    at.warn('is missing; Grafana sends "1". Read as a Grafana webhook anyway.');
    return;
  }
  const fix =
    value === '4'
      ? ' Version "4" is Prometheus Alertmanager\'s payload: use a connector of type alertmanager.'
      : value === 1
        ? ' Send it as the string "1".'
        : '';
  at.error(`must be "1" (Grafana's webhook payload version); got ${got(value)}.${fix}`);
}

/** Organisation id: part of the event id, since fingerprints repeat across organisations. */
function readOrgId(value: unknown, at: Location): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  at.error(`must be the Grafana organisation id (an integer such as 1); got ${got(value)}.`);
  return '';
}

function readTruncated(value: unknown, at: Location): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  at.error(`must be an integer ≥ 0 (alerts dropped by "max alerts"); got ${got(value)}.`);
  return 0;
}
