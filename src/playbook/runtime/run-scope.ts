import type { Incident } from '../../store/incident-store.js';
import type { RunContext } from '../definition/compile-playbook.js';

/** What templates and expressions read: `incident.*`, `run.*`, `steps.*`, `connectors.*`. */
export function runScope(ctx: RunContext): {
  incident: RunContext['incident'];
  run: RunContext['run'];
  steps: RunContext['steps'];
  connectors: NonNullable<RunContext['connectors']>;
} {
  return {
    incident: ctx.incident,
    run: ctx.run,
    steps: ctx.steps,
    connectors: ctx.connectors ?? {},
  };
}

/** The incident as playbooks see it ({{ incident.* }}). */
export function incidentScope(incident: Incident): Record<string, unknown> {
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    rule: incident.rule,
    ruleTitle: incident.ruleTitle,
    tags: incident.tags,
    group: incident.group,
    groupKey: incident.groupKey,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    matchCount: incident.matchCount,
    eventCount: incident.eventCount,
    retractionCount: incident.retractionCount,
    retracted: incident.retracted,
    aggregate: incident.aggregate,
    createdAt: incident.createdAt,
    ...(incident.acceptedAt === undefined ? {} : { acceptedAt: incident.acceptedAt }),
  };
}
