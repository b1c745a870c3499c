import type { NormalisedEvent, Outcome } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { putLabel, snakeCase } from '../siem-common/labels.js';
import { decodeEmbeddedJson } from './embedded-json.js';
import { objectsOf, readEntities } from './entities.js';
import type { EntityParts } from './entities.js';
import { Props } from './props.js';
import { resolveEntityRefs } from './references.js';
import { readSentinelSeverity } from './severity.js';
import { readTime, timeText } from './time-props.js';

/**
 * One SecurityAlert (ingest-formats §3): a Log Analytics / export row (PascalCase, Entities and
 * ExtendedProperties as JSON strings) or an ARM/trigger alert (camelCase, `properties`).
 * The id hashes SystemAlertId with TimeGenerated, so a status update (a new row for the same
 * alert) is a new event while a resent row dedupes.
 */
export function readSecurityAlert(
  row: JsonObject,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const outer = new Props(row, at);
  const p = outer.child('properties') ?? outer;
  let ok = true;
  const alertId = p.text('SystemAlertId', 'systemAlertId');
  if (alertId === undefined) {
    at.error(
      'is not a SecurityAlert: it has no SystemAlertId. Export whole SecurityAlert rows (or incidents via the playbook trigger).',
    );
    return undefined;
  }
  const name = p.text('AlertName', 'DisplayName', 'alertDisplayName', 'friendlyName');
  const severity = readSentinelSeverity(p.get('AlertSeverity', 'severity'));
  const start = readTime(p.get('StartTime', 'StartTimeUtc', 'startTimeUtc'));
  const generatedProp = p.get('TimeGenerated', 'timeGenerated', 'ProcessingEndTime');
  const generated = readTime(generatedProp);
  const entities = readAlertEntities(p, at);
  const extended = readExtended(p);
  if (
    severity === null ||
    start === null ||
    generated === null ||
    entities === undefined ||
    extended === undefined
  )
    ok = false;
  if (
    !ok ||
    entities === undefined ||
    extended === undefined ||
    severity === null ||
    start === null ||
    generated === null
  )
    return undefined;

  const labels: Record<string, string> = { ...extended, ...entities.labels };
  putLabel(labels, 'sentinel.object_type', 'alert');
  putLabel(labels, 'sentinel.system_alert_id', alertId);
  putLabel(labels, 'sentinel.provider_alert_id', p.text('ProviderAlertId', 'providerAlertId'));
  putLabel(labels, 'sentinel.alert_type', p.text('AlertType', 'alertType'));
  putLabel(labels, 'sentinel.status', p.text('Status', 'status'));
  putLabel(labels, 'sentinel.provider_name', p.text('ProviderName', 'providerName'));
  putLabel(labels, 'sentinel.vendor_name', p.text('VendorName', 'vendorName'));
  putLabel(labels, 'sentinel.product_name', p.text('ProductName', 'productName'));
  putLabel(
    labels,
    'sentinel.product_component_name',
    p.text('ProductComponentName', 'productComponentName'),
  );
  putLabel(labels, 'sentinel.confidence_level', p.text('ConfidenceLevel', 'confidenceLevel'));
  putLabel(labels, 'sentinel.compromised_entity', p.text('CompromisedEntity', 'compromisedEntity'));
  putLabel(labels, 'alert_url', p.text('AlertLink', 'alertLink'));
  putLabel(labels, 'tactics', listText(p.text('Tactics', 'tactics')));
  putLabel(labels, 'techniques', listText(p.text('Techniques', 'techniques')));
  putLabel(labels, 'description', p.text('Description', 'description'));
  const confidence = p.get('ConfidenceScore', 'confidenceScore')?.value;
  const measures: Record<string, number> = {};
  if (typeof confidence === 'number' && Number.isFinite(confidence))
    measures.confidence = confidence;
  const event = {
    id: prefixedHashId('sentinel', `alert|${alertId}|${timeText(generatedProp)}`),
    kind: 'alert' as const,
    name: name ?? 'SecurityAlert',
    severity: severity ?? 'medium',
    outcome: alertOutcome(p.text('Status', 'status')),
    entity: entities.entity,
    measures,
    labels,
    raw: row,
  };
  const time = start ?? generated;
  if (time === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp({ ...event, time }, ctx.now, at);
}

function alertOutcome(status: string | undefined): Outcome {
  const s = (status ?? '').toLowerCase();
  if (s === 'new' || s === 'inprogress' || s === 'active') return 'firing';
  if (s === 'resolved' || s === 'dismissed' || s === 'closed') return 'resolved';
  return 'unknown';
}

/** `"InitialAccess, Exfiltration"` (table) and `["InitialAccess","Exfiltration"]` alike → one list. */
function listText(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // The table stores some lists as JSON text ("[\"T1078\"]"), others comma-separated.
  const decoded = text.trim().startsWith('[') ? extendedValue(text) : text;
  return decoded
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(',');
}

function readAlertEntities(p: Props, at: Location): EntityParts | undefined {
  const prop = p.get('Entities', 'entities');
  if (prop === undefined) return { entity: {}, labels: {} };
  const decoded = decodeEmbeddedJson(prop.value, prop.at, 'a list of entities');
  if (decoded === undefined) return undefined;
  if (!Array.isArray(decoded)) {
    prop.at.error(
      `must be a list of entities (a JSON array, possibly inside a string); got ${got(decoded)}.`,
    );
    return undefined;
  }
  const resolved = resolveEntityRefs(decoded, prop.at);
  return resolved === undefined ? undefined : readEntities(objectsOf(resolved), at);
}

/**
 * ExtendedProperties → labels `sentinel.ext.<snake_case name>`. Values that are themselves
 * JSON text (`"Data Sources": "[\"AzureActivity\"]"`) are decoded and lists joined.
 */
function readExtended(p: Props): Record<string, string> | undefined {
  const prop = p.get('ExtendedProperties', 'extendedProperties', 'additionalData');
  if (prop === undefined) return {};
  const decoded = decodeEmbeddedJson(prop.value, prop.at, 'an object of name → value');
  if (decoded === undefined) return undefined;
  if (!isJsonObject(decoded)) {
    prop.at.error(
      `must be an object of name → value (possibly inside a string); got ${got(decoded)}.`,
    );
    return undefined;
  }
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(decoded))
    putLabel(labels, `sentinel.ext.${snakeCase(key)}`, extendedValue(value));
  return labels;
}

function extendedValue(value: unknown): string | undefined {
  let v = value;
  if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return value as string;
    }
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
  return v === null || v === undefined ? undefined : JSON.stringify(v);
}
