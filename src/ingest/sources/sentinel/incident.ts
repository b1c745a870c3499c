import type { NormalisedEvent, Outcome } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { putLabel } from '../siem-common/labels.js';
import { objectsOf, readEntities } from './entities.js';
import { Props } from './props.js';
import { readSentinelSeverity } from './severity.js';
import { readTime, timeText } from './time-props.js';

/**
 * The playbook incident trigger as a Logic App forwards it (ingest-formats §3):
 * `{eventUniqueId, objectSchemaType, objectEventType, workspaceInfo, object: {name,
 * properties}}`. One alert event per delivery. Every update (owner, status …) re-fires the
 * trigger, so the id hashes the incident with its lastModifiedTimeUtc and the event type.
 */
export function readIncidentTrigger(
  body: JsonObject,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const envelope = new Props(body, at);
  const object = getOwn(body, 'object');
  if (!isJsonObject(object)) {
    const other = ['incident', 'body', 'triggerBody'].find((k) => getOwn(body, k) !== undefined);
    const hint =
      other === undefined
        ? ''
        : ` The body has "${other}" instead: forward the trigger body unchanged (@{triggerBody()}), not a reshaped copy.`;
    at.child('object').error(
      `is required: the incident (an object with name and properties); got ${got(object)}.${hint}`,
    );
    return undefined;
  }
  const objectProps = new Props(object, at.child('object'));
  const p = objectProps.child('properties');
  if (p === undefined) {
    at.child('object')
      .child('properties')
      .error("is required: the incident's properties (title, severity, status, times …).");
    return undefined;
  }
  return readIncident(p, objectProps.text('name') ?? '', envelope, ctx, body);
}

/** A SecurityIncident table row: the same fields in PascalCase, without the trigger envelope. */
export function readIncidentRow(
  row: JsonObject,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const p = new Props(row, at);
  return readIncident(p, p.text('IncidentName') ?? '', undefined, ctx, row);
}

function readIncident(
  p: Props,
  incidentName: string,
  envelope: Props | undefined,
  ctx: NormaliseContext,
  raw: JsonObject,
): NormalisedEvent | undefined {
  const titleProp = p.get('title');
  if (
    titleProp === undefined ||
    typeof titleProp.value !== 'string' ||
    titleProp.value.trim() === ''
  )
    (titleProp?.at ?? p.at.child('title')).error(
      `is required: the incident title (a non-empty string); got ${got(titleProp?.value)}.`,
    );
  const severity = readSentinelSeverity(p.get('severity'));
  const first = readTime(p.get('firstActivityTimeUtc', 'FirstActivityTime'));
  const created = readTime(p.get('createdTimeUtc', 'CreatedTime'));
  const modifiedProp = p.get('lastModifiedTimeUtc', 'LastModifiedTime');
  const modified = readTime(modifiedProp);
  if (
    typeof titleProp?.value !== 'string' ||
    titleProp.value.trim() === '' ||
    severity === null ||
    first === null ||
    created === null ||
    modified === null
  )
    return undefined;

  const entities = readEntities(
    objectsOf(p.get('relatedEntities')?.value),
    p.at.child('relatedEntities'),
  );
  const labels: Record<string, string> = { ...entities.labels };
  const eventType = envelope?.text('objectEventType');
  putLabel(labels, 'sentinel.object_type', 'incident');
  putLabel(labels, 'sentinel.event_type', eventType);
  putLabel(labels, 'sentinel.incident_id', incidentName);
  putLabel(labels, 'sentinel.incident_number', p.text('incidentNumber', 'IncidentNumber'));
  putLabel(labels, 'sentinel.status', p.text('status'));
  putLabel(labels, 'sentinel.classification', p.text('classification'));
  putLabel(labels, 'sentinel.provider_name', p.text('providerName'));
  putLabel(labels, 'alert_url', p.text('incidentUrl', 'IncidentUrl'));
  putLabel(labels, 'description', p.text('description'));
  const owner = p.child('owner', 'Owner');
  putLabel(labels, 'sentinel.owner', owner?.text('assignedTo', 'email', 'userPrincipalName'));
  const ruleIds = (p.get('relatedAnalyticRuleIds', 'RelatedAnalyticRuleIds')?.value ??
    []) as unknown;
  if (Array.isArray(ruleIds)) {
    const ids = ruleIds
      .filter((r): r is string => typeof r === 'string')
      .map((r) => r.split('/').pop() ?? r);
    putLabel(labels, 'rule_id', ids.join(','));
  }
  const extra = p.child('additionalData', 'AdditionalData');
  putLabel(labels, 'tactics', extra?.text('tactics'));
  putLabel(labels, 'techniques', extra?.text('techniques'));
  putLabel(labels, 'sentinel.alert_product_names', extra?.text('alertProductNames'));
  const alertIds = objectsOf(p.get('alerts')?.value)
    .map(
      (a) =>
        new Props(a, p.at).child('properties')?.text('systemAlertId') ??
        new Props(a, p.at).text('name'),
    )
    .filter((s): s is string => s !== undefined);
  putLabel(labels, 'sentinel.alert_ids', alertIds.join(',') || p.text('AlertIds'));
  const incidentLabels = objectsOf(p.get('labels', 'Labels')?.value)
    .map((l) => new Props(l, p.at).text('labelName'))
    .filter((s): s is string => s !== undefined);
  putLabel(labels, 'sentinel.labels', incidentLabels.join(','));
  putLabel(labels, 'sentinel.workspace', envelope?.child('workspaceInfo')?.text('WorkspaceName'));
  putLabel(labels, 'sentinel.workspace_id', envelope?.text('workspaceId'));
  putLabel(labels, 'sentinel.event_unique_id', envelope?.text('eventUniqueId'));
  const measures: Record<string, number> = {};
  const count = extra?.get('alertsCount')?.value;
  if (typeof count === 'number' && Number.isFinite(count)) measures.count = count;
  const event = {
    id: prefixedHashId(
      'sentinel',
      `incident|${incidentName}|${eventType ?? ''}|${timeText(modifiedProp)}`,
    ),
    kind: 'alert' as const,
    name: titleProp.value,
    severity: severity ?? 'medium',
    outcome: incidentOutcome(p.text('status')),
    entity: entities.entity,
    measures,
    labels,
    raw,
  };
  const time = first ?? created ?? modified;
  if (time === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp({ ...event, time }, ctx.now, p.at);
}

function incidentOutcome(status: string | undefined): Outcome {
  const s = (status ?? '').toLowerCase();
  if (s === 'new' || s === 'active') return 'firing';
  if (s === 'closed') return 'resolved';
  return 'unknown';
}
