/**
 * Alert fields by their 8.x name, with the 7.x `.siem-signals-*` name accepted in its place
 * (ingest-formats §2.2: old exports still carry `signal.*`).
 */
export const FIELD = {
  uuid: ['kibana.alert.uuid'],
  originalTime: ['kibana.alert.original_time', 'signal.original_time'],
  timestamp: ['@timestamp'],
  ruleName: ['kibana.alert.rule.name', 'signal.rule.name'],
  ruleUuid: ['kibana.alert.rule.uuid', 'signal.rule.id'],
  ruleStaticId: ['kibana.alert.rule.rule_id', 'signal.rule.rule_id'],
  ruleType: ['kibana.alert.rule.type', 'signal.rule.type'],
  ruleCategory: ['kibana.alert.rule.category'],
  ruleVersion: ['kibana.alert.rule.version', 'signal.rule.version'],
  ruleTags: ['kibana.alert.rule.tags', 'signal.rule.tags'],
  ruleThreat: ['kibana.alert.rule.threat', 'signal.rule.threat'],
  executionUuid: ['kibana.alert.rule.execution.uuid'],
  severity: ['kibana.alert.severity', 'signal.rule.severity'],
  riskScore: ['kibana.alert.risk_score', 'signal.rule.risk_score'],
  status: ['kibana.alert.status'],
  workflowStatus: ['kibana.alert.workflow_status', 'signal.status'],
  reason: ['kibana.alert.reason', 'signal.reason'],
  url: ['kibana.alert.url'],
  spaceIds: ['kibana.space_ids'],
  depth: ['kibana.alert.depth', 'signal.depth'],
} as const;

/** ECS fields kept as labels under their own dotted names. */
export const ECS_LABELS = [
  'event.kind',
  'event.action',
  'event.category',
  'event.type',
  'event.outcome',
  'event.dataset',
  'event.module',
  'user.domain',
  'user.email',
  'source.port',
  'source.as.number',
  'source.as.organization.name',
  'destination.ip',
  'destination.port',
  'process.name',
  'file.hash.sha256',
  'url.full',
] as const;

/** Markers that a document is an Elastic Security alert at all (8.x or 7.x). */
export const ALERT_MARKERS = ['kibana.alert.', 'signal.'] as const;
