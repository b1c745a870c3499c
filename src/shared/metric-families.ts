import type { MetricFamily, Metrics } from './metrics.js';

/** Buckets for accept → first action (seconds): from a fast local action to minutes of retries. */
export const CONTAINMENT_BUCKETS = [
  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;

/**
 * The families Cordon exports, declared at start so dashboards and alerts see every counter at
 * zero before anything happens (a series that appears only on its first event breaks `rate()`
 * and absence alerts). Call sites may still name their family as they count: the first
 * declaration wins, and its help text is the one in this list.
 */
export const CORDON_METRICS = {
  ingestEvents: {
    name: 'cordon_ingest_events_total',
    help: 'Events accepted into the durable log.',
    type: 'counter',
    labelNames: ['source'],
  },
  ingestDuplicates: {
    name: 'cordon_ingest_duplicates_total',
    help: 'Events skipped as already accepted (same source and id).',
    type: 'counter',
    labelNames: ['source'],
  },
  ingestRejected: {
    name: 'cordon_ingest_rejected_total',
    help: 'Payloads rejected and dead-lettered.',
    type: 'counter',
    labelNames: ['source', 'reason'],
  },
  ingestRejectedItems: {
    name: 'cordon_ingest_rejected_items_total',
    help: 'Items refused (a whole body counts one; each refused item of a batch counts one).',
    type: 'counter',
    labelNames: ['source'],
  },
  ingestAccept: {
    name: 'cordon_ingest_accept_seconds',
    help: 'Time to accept an ingest request (202: read, validated, normalised and durably appended), seconds.',
    type: 'histogram',
    labelNames: ['source'],
  },
  httpRequests: {
    name: 'cordon_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status, seconds.',
    type: 'histogram',
    labelNames: ['method', 'route', 'status_code'],
  },
  incidentsOpened: {
    name: 'cordon_incidents_opened_total',
    help: 'Incidents opened.',
    type: 'counter',
    labelNames: ['rule'],
  },
  incidentsNotContained: {
    name: 'cordon_incidents_not_contained_total',
    help: 'Incidents opened without starting playbooks (events older than CORDON_CONTAIN_MAX_EVENT_AGE_MS).',
    type: 'counter',
    labelNames: ['rule'],
  },
  acceptToFirstAction: {
    name: 'cordon_accept_to_first_action_seconds',
    help: "From accepting the event that made a rule fire to the completion of the first action of the playbook run it started (the actions of the run's first state), seconds.",
    type: 'histogram',
    labelNames: ['playbook'],
    buckets: CONTAINMENT_BUCKETS,
  },
  limiterDecisions: {
    name: 'cordon_limiter_decisions_total',
    help: 'Gateway decisions by the built-in limiter.',
    type: 'counter',
    labelNames: ['decision'],
  },
  incidentsOpen: {
    name: 'cordon_incidents_open',
    help: 'Open incidents (all processes; read from Redis at scrape time).',
    type: 'gauge',
  },
  approvalsPending: {
    name: 'cordon_approvals_pending',
    help: 'Approvals waiting for a decision (all processes; read from Redis at scrape time).',
    type: 'gauge',
  },
  approvalsOldestPendingAge: {
    name: 'cordon_approvals_oldest_pending_age_seconds',
    help: 'Age of the oldest pending approval, seconds (0 when none; read from Redis at scrape time).',
    type: 'gauge',
  },
  runsActive: {
    name: 'cordon_runs_active',
    help: 'Playbook runs not yet ended, by status (all processes; read from Redis at scrape time).',
    type: 'gauge',
    labelNames: ['status'],
  },
  runsEnded: {
    name: 'cordon_runs_ended_total',
    help: 'Playbook runs that ended, by playbook and outcome (resolved, failed, cancelled).',
    type: 'counter',
    labelNames: ['playbook', 'status'],
  },
  undos: {
    name: 'cordon_undos_total',
    help: "Undos of a run's effects that ended, by playbook and outcome (succeeded, failed: the effect stays in force until its undo is tried again).",
    type: 'counter',
    labelNames: ['playbook', 'outcome'],
  },
  stepSeconds: {
    name: 'cordon_playbook_step_seconds',
    help: 'Time a run spent at a step before moving on (an action running, an approval waiting, a wait), seconds, by the kind of state.',
    type: 'histogram',
    labelNames: ['kind'],
    buckets: CONTAINMENT_BUCKETS,
  },
  queueJobs: {
    name: 'cordon_queue_jobs',
    help: 'Jobs in the runs and actions queues by state (all processes; read from Redis at scrape time).',
    type: 'gauge',
    labelNames: ['queue', 'state'],
  },
} as const satisfies Record<string, MetricFamily>;

/** Run statuses before a run ends (cordon_runs_active). */
export const ACTIVE_RUN_STATUSES = ['running', 'waiting', 'undoing'] as const;
const FINAL_STATUSES = ['resolved', 'failed', 'cancelled'] as const;
/** How an undo ended (cordon_undos_total). */
export const UNDO_OUTCOMES = ['succeeded', 'failed'] as const;

/** Queue states reported by cordon_queue_jobs. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Reasons an ingest payload is rejected (the `reason` label of cordon_ingest_rejected_total). */
const REJECT_REASONS = ['parse', 'validate', 'media-type', 'too-large'] as const;
const LIMITER_DECISIONS = ['allow', 'throttle', 'block'] as const;

/**
 * Declares every family and creates its known series at zero: per source, per alerting rule,
 * per limiter decision, per queue and state.
 */
export function declareCordonMetrics(
  metrics: Metrics,
  known: {
    readonly sources: readonly string[];
    readonly rules: readonly string[];
    readonly queues: readonly string[];
    readonly playbooks?: readonly string[];
  },
): void {
  const m = CORDON_METRICS;
  metrics.declare(...Object.values(m));
  for (const source of known.sources) {
    metrics.inc(m.ingestEvents.name, m.ingestEvents.help, { source }, 0);
    metrics.inc(m.ingestDuplicates.name, m.ingestDuplicates.help, { source }, 0);
    for (const reason of REJECT_REASONS)
      metrics.inc(m.ingestRejected.name, m.ingestRejected.help, { source, reason }, 0);
    metrics.inc(m.ingestRejectedItems.name, m.ingestRejectedItems.help, { source }, 0);
  }
  for (const rule of known.rules) {
    metrics.inc(m.incidentsOpened.name, m.incidentsOpened.help, { rule }, 0);
    metrics.inc(m.incidentsNotContained.name, m.incidentsNotContained.help, { rule }, 0);
  }
  for (const decision of LIMITER_DECISIONS)
    metrics.inc(m.limiterDecisions.name, m.limiterDecisions.help, { decision }, 0);
  for (const queue of known.queues)
    for (const state of QUEUE_STATES)
      metrics.set(m.queueJobs.name, m.queueJobs.help, { queue, state }, 0);
  for (const status of ACTIVE_RUN_STATUSES)
    metrics.set(m.runsActive.name, m.runsActive.help, { status }, 0);
  for (const playbook of known.playbooks ?? []) {
    for (const status of FINAL_STATUSES)
      metrics.inc(m.runsEnded.name, m.runsEnded.help, { playbook, status }, 0);
    for (const outcome of UNDO_OUTCOMES)
      metrics.inc(m.undos.name, m.undos.help, { playbook, outcome }, 0);
  }
}
