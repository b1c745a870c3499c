import type { Entity, NormalisedEvent, Outcome, Severity } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { parseIp } from '../../normalizers/ip.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { stableStringify } from '../../../shared/hash.js';
import { putLabel, scalarText } from '../siem-common/labels.js';
import { readRfc3339Field } from '../siem-common/rfc3339-field.js';
import { checkEpochMs } from '../../normalizers/time.js';
import type { FoundDocument } from './documents.js';
import { ALERT_MARKERS, ECS_LABELS, FIELD } from './field-names.js';
import { flattenDocument } from './flatten.js';
import type { FlatDocument, FlatField } from './flatten.js';

/** What a Kibana webhook body says about the rule, filling gaps in its alert documents. */
export interface RuleContext {
  readonly ruleName?: string | undefined;
  readonly ruleId?: string | undefined;
  readonly labels?: Readonly<Record<string, string>>;
}

const SEVERITIES: ReadonlyMap<string, Severity> = new Map([
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['critical', 'critical'],
]);

/**
 * One Elastic Security alert document → one event (ingest-formats §2.2). Undefined when it
 * has errors, all reported at once under the document's location.
 */
export function readAlertDocument(
  found: FoundDocument,
  ctx: NormaliseContext,
  rule: RuleContext = {},
): NormalisedEvent | undefined {
  const flat = flattenDocument(found.doc, found.docAt);
  if (![...flat.keys()].some((k) => ALERT_MARKERS.some((m) => k.startsWith(m)))) {
    found.docAt.error(
      'is not an Elastic Security alert: it has no kibana.alert.* (8.x) or signal.* (7.x) field. ' +
        'Export documents from .alerts-security.alerts-* (or .siem-signals-*).',
    );
    return undefined;
  }
  const field = (names: readonly string[]): FlatField | undefined => {
    for (const name of names) {
      const f = flat.get(name);
      if (f !== undefined) return f;
    }
    return undefined;
  };
  let ok = true;
  const uuid = field(FIELD.uuid);
  if (uuid !== undefined && (typeof uuid.value !== 'string' || uuid.value.trim() === '')) {
    uuid.at.error(
      `must be the alert's uuid (a non-empty string); got ${got(uuid.value)}. Leave it out rather than send it empty.`,
    );
    ok = false;
  }
  const times = [field(FIELD.originalTime), field(FIELD.timestamp)].map((f) =>
    f === undefined ? undefined : readElasticTime(f),
  );
  if (times.includes(null)) ok = false;
  const nameField = field(FIELD.ruleName);
  if (
    nameField !== undefined &&
    (typeof nameField.value !== 'string' || nameField.value.trim() === '')
  ) {
    nameField.at.error(`must be the rule name (a non-empty string); got ${got(nameField.value)}.`);
    ok = false;
  }
  const severity = readSeverity(field(FIELD.severity));
  const risk = readRisk(field(FIELD.riskScore));
  if (!ok || severity === null || risk === null) return undefined;

  const name =
    typeof nameField?.value === 'string' ? nameField.value : (rule.ruleName ?? 'elastic-alert');
  if (nameField === undefined && rule.ruleName === undefined)
    found.docAt.warn('has no kibana.alert.rule.name; the event is named "elastic-alert".');
  const time = times.find((t): t is number => typeof t === 'number');
  const id =
    typeof uuid?.value === 'string'
      ? uuid.value
      : (found.hitId ?? prefixedHashId('elastic', stableStringify(found.doc)));
  const event = {
    id,
    kind: 'alert' as const,
    name,
    severity: severity ?? severityFromRisk(risk) ?? 'medium',
    outcome: outcome(field(FIELD.status)?.value),
    entity: readEntity(flat, found.docAt),
    measures: riskMeasures(risk),
    labels: readLabels(flat, found, rule),
    raw: found.raw,
  };
  if (time === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp({ ...event, time }, ctx.now, found.docAt);
}

function readSeverity(f: FlatField | undefined): Severity | undefined | null {
  if (f === undefined) return undefined;
  const level =
    typeof f.value === 'string' ? SEVERITIES.get(f.value.trim().toLowerCase()) : undefined;
  if (level !== undefined) return level;
  f.at.error(
    `must be one of low, medium, high, critical (Elastic's rule severities); got ${got(f.value)}.`,
  );
  return null;
}

function readRisk(f: FlatField | undefined): number | undefined | null {
  if (f === undefined || f.value === null) return undefined;
  if (typeof f.value === 'number' && Number.isFinite(f.value) && f.value >= 0 && f.value <= 100)
    return f.value;
  const unquote =
    typeof f.value === 'string' && f.value.trim() !== '' && Number.isFinite(Number(f.value))
      ? ` Send ${f.value.trim()} without quotes.`
      : '';
  f.at.error(
    `must be a number from 0 to 100 (the rule's risk score); got ${got(f.value)}.${unquote}`,
  );
  return null;
}

/** Elastic's own bands for rules that set only a risk score. */
function severityFromRisk(risk: number | undefined): Severity | undefined {
  if (risk === undefined) return undefined;
  if (risk >= 74) return 'critical';
  if (risk >= 48) return 'high';
  if (risk >= 22) return 'medium';
  return 'low';
}

/** `kibana.alert.status`: active alerts fire, recovered ones resolve; detection alerts are active. */
function outcome(status: unknown): Outcome {
  if (status === undefined || status === 'active') return 'firing';
  if (status === 'recovered') return 'resolved';
  return 'unknown';
}

function first(value: unknown): string | undefined {
  const v: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function readEntity(flat: FlatDocument, at: Location): Entity {
  const get = (...names: string[]): string | undefined => {
    for (const name of names) {
      const v = first(flat.get(name)?.value);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const entity: Entity = {};
  const user = get('user.name');
  const host = get('host.name', 'host.hostname');
  const userAgent = get('user_agent.original');
  if (user !== undefined) entity.user = user;
  if (host !== undefined) entity.host = host;
  if (userAgent !== undefined) entity.user_agent = userAgent;
  const ipText = get('source.ip', 'client.ip');
  if (ipText !== undefined) {
    const ip = parseIp(ipText);
    if (ip.ok) entity.ip = ip.ip;
    else at.warn(`source.ip ${ip.reason} The ip was left out of the entity.`);
  }
  const geo: NonNullable<Entity['geo']> = {};
  const country = get('source.geo.country_iso_code', 'client.geo.country_iso_code');
  const region = get('source.geo.region_name', 'client.geo.region_name');
  const city = get('source.geo.city_name', 'client.geo.city_name');
  if (country !== undefined) geo.country = country;
  if (region !== undefined) geo.region = region;
  if (city !== undefined) geo.city = city;
  if (Object.keys(geo).length > 0) entity.geo = geo;
  return entity;
}

function readLabels(
  flat: FlatDocument,
  found: FoundDocument,
  rule: RuleContext,
): Record<string, string> {
  const labels: Record<string, string> = { ...rule.labels };
  const text = (names: readonly string[]): string | undefined => {
    for (const name of names) {
      const v = scalarText(flat.get(name)?.value);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  putLabel(labels, 'rule_id', text(FIELD.ruleUuid) ?? rule.ruleId);
  putLabel(labels, 'elastic.rule_static_id', text(FIELD.ruleStaticId));
  putLabel(labels, 'elastic.rule_type', text(FIELD.ruleType));
  putLabel(labels, 'elastic.rule_category', text(FIELD.ruleCategory));
  putLabel(labels, 'elastic.rule_version', text(FIELD.ruleVersion));
  putLabel(labels, 'elastic.rule_tags', text(FIELD.ruleTags));
  putLabel(labels, 'elastic.execution_uuid', text(FIELD.executionUuid));
  putLabel(labels, 'elastic.status', text(FIELD.status));
  putLabel(labels, 'elastic.workflow_status', text(FIELD.workflowStatus));
  putLabel(labels, 'elastic.reason', text(FIELD.reason));
  putLabel(labels, 'elastic.space_ids', text(FIELD.spaceIds));
  putLabel(labels, 'elastic.depth', text(FIELD.depth));
  putLabel(labels, 'elastic.index', found.hitIndex);
  putLabel(labels, 'alert_url', text(FIELD.url));
  putLabel(labels, 'user_id', text(['user.id']));
  const threat = threatLabels(
    FIELD.ruleThreat.map((n) => flat.get(n)?.value).find((v) => v !== undefined),
  );
  putLabel(labels, 'tactics', threat.tactics);
  putLabel(labels, 'techniques', threat.techniques);
  for (const name of ECS_LABELS) putLabel(labels, name, text([name]));
  return labels;
}

/** MITRE tactic names and technique ids of the rule's `threat` list, comma-joined. */
function threatLabels(value: unknown): { tactics?: string; techniques?: string } {
  if (!Array.isArray(value)) return {};
  const tactics: string[] = [];
  const techniques: string[] = [];
  for (const item of value) {
    if (!isJsonObject(item)) continue;
    const tactic = item.tactic;
    if (isJsonObject(tactic) && typeof tactic.name === 'string') tactics.push(tactic.name);
    const list = item.technique;
    if (Array.isArray(list))
      for (const t of list) if (isJsonObject(t) && typeof t.id === 'string') techniques.push(t.id);
  }
  return {
    ...(tactics.length > 0 ? { tactics: tactics.join(',') } : {}),
    ...(techniques.length > 0 ? { techniques: techniques.join(',') } : {}),
  };
}

function riskMeasures(risk: number | undefined): Record<string, number> {
  const measures: Record<string, number> = {};
  if (risk !== undefined) measures.risk_score = risk;
  return measures;
}

/** Elasticsearch dates are ISO strings, or epoch milliseconds (`epoch_millis`) as numbers. */
function readElasticTime(f: FlatField): number | null {
  if (typeof f.value === 'number') {
    const checked = checkEpochMs(f.value);
    if (checked.ok) return checked.ms;
    f.at.error(checked.reason);
    return null;
  }
  const t = readRfc3339Field(f.value, f.at, { required: true, zero: false });
  return typeof t === 'number' ? t : null;
}
