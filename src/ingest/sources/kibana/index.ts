import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext, NormaliseResult } from '../../normalizers/types.js';
import type { SourceKind } from '../source-kind.js';
import { fromItem, readAlertDocument } from '../elastic-alert/index.js';
import { reportMustacheCause } from './mustache-hints.js';
import { readRuleBody } from './webhook-body.js';
import type { RuleBody } from './webhook-body.js';

/**
 * Kibana's Webhook connector, rendering our recommended body template (ingest-formats §2.1):
 * the rule plus `alerts` ({{{context.alerts.asJSON}}}). Each alert is read like an
 * elastic-alert document, filled in from the rule; a body without alerts (a stack rule, a
 * summary without alert data) is one alert event for the rule run.
 */
export const kibanaKind: SourceKind<undefined> = {
  type: 'kibana',
  title: 'Kibana alerting Webhook connector (Cordon body template)',
  category: 'siem',
  // Kibana sends the content type the connector's headers set (often none or text/plain).
  contentTypes: ['application/json', 'text/plain'],
  auth: ['basic', 'header', 'none'],
  normalise(request, ctx): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'the JSON rendered by the Kibana webhook body template',
    });
    if (!parsed.ok) {
      if (request.body.toString('utf8').trim() !== '')
        reportMustacheCause(request.body.toString('utf8'), root);
      return findings.result([]);
    }
    if (!isJsonObject(parsed.value)) {
      root.error(
        `must be the JSON object rendered by the Kibana webhook template; got ${got(parsed.value)}.`,
      );
      return findings.result([]);
    }
    const rule = readRuleBody(parsed.value, root);
    const alerts = readAlerts(parsed.value, root);
    if (rule === undefined || alerts === undefined) return findings.result([]);
    if (alerts.length === 0) return findings.result([ruleEvent(rule, parsed.value, root, ctx)]);
    const alertsAt = root.child('alerts');
    alerts.forEach((alert, index) => {
      const found = fromItem(alert, alertsAt.batchItem(index));
      const event = found === undefined ? undefined : readAlertDocument(found, ctx, rule);
      if (found !== undefined && event !== undefined) findings.emit(event, found.itemAt);
    });
    return findings.batch();
  },
};

/** `alerts` must be the array `{{{context.alerts.asJSON}}}` renders; absent = a rule-only body. */
function readAlerts(body: JsonObject, at: Location): unknown[] | undefined {
  const value = getOwn(body, 'alerts');
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value as unknown[];
  const quoted =
    typeof value === 'string'
      ? ' It arrived as a string: render it outside quotes with triple braces, "alerts": {{{context.alerts.asJSON}}}.'
      : '';
  at.child('alerts').error(`must be the array of alert documents; got ${got(value)}.${quoted}`);
  return undefined;
}

/** A rule run with no alert documents: one alert event, identified by rule and run time. */
function ruleEvent(
  rule: RuleBody,
  body: JsonObject,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent {
  const measures: Record<string, number> = {};
  if (rule.signalsCount !== undefined) measures.count = rule.signalsCount;
  const event = {
    id: prefixedHashId(
      'kibana',
      `${rule.ruleId ?? ''}|${rule.ruleName ?? ''}|${rule.firedAtText ?? ''}|${rule.signalsCount ?? ''}`,
    ),
    kind: 'alert' as const,
    name: rule.ruleName ?? 'kibana-rule',
    severity: 'medium' as const,
    outcome: 'firing' as const,
    entity: {},
    measures,
    labels: rule.labels,
    raw: body,
  };
  if (rule.firedAt === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp({ ...event, time: rule.firedAt }, ctx.now, at.child('fired_at'));
}
