import type { Clock } from '../shared/clock.js';
import {
  ACTIVE_RUN_STATUSES,
  CORDON_METRICS,
  QUEUE_STATES,
  type QueueState,
} from '../shared/metric-families.js';
import type { Metrics, ScrapeCollector } from '../shared/metrics.js';
import type { ApprovalStore } from './approval-store.js';
import type { IncidentStore } from './incident-store.js';
import type { RunStore } from './run-store.js';

export interface BacklogSources {
  readonly incidents: Pick<IncidentStore, 'openCount'>;
  readonly approvals: Pick<ApprovalStore, 'pendingSummary'>;
  /** Runs not yet ended, by status; absent in processes that do not report them. */
  readonly runs?: Pick<RunStore, 'activeStatusCounts'>;
  /** Job counts by state of each queue (BullMQ `getJobCounts`). */
  readonly queues: ReadonlyMap<
    string,
    (states: readonly QueueState[]) => Promise<Record<string, number>>
  >;
  readonly clock: Clock;
}

/**
 * Reads the backlogs every process shares (open incidents, pending approvals, queue depths)
 * from Redis when /metrics is scraped: a few O(1) reads per scrape, nothing when nobody
 * scrapes, and the values are as fresh as the scrape. They are cluster-wide: every API process
 * reports the same figures (aggregate with max, not sum).
 */
export function backlogCollector(metrics: Metrics, from: BacklogSources): ScrapeCollector {
  const m = CORDON_METRICS;
  return async () => {
    const [open, pending, runs, ...queues] = await Promise.all([
      from.incidents.openCount(),
      from.approvals.pendingSummary(),
      from.runs?.activeStatusCounts(),
      ...[...from.queues].map(
        async ([queue, counts]) => [queue, await counts(QUEUE_STATES)] as const,
      ),
    ]);
    metrics.set(m.incidentsOpen.name, m.incidentsOpen.help, {}, open);
    metrics.set(m.approvalsPending.name, m.approvalsPending.help, {}, pending.count);
    const ageMs =
      pending.oldestCreatedAt === undefined ? 0 : from.clock.now() - pending.oldestCreatedAt;
    metrics.set(
      m.approvalsOldestPendingAge.name,
      m.approvalsOldestPendingAge.help,
      {},
      Math.max(0, ageMs) / 1000,
    );
    if (runs)
      for (const status of ACTIVE_RUN_STATUSES)
        metrics.set(m.runsActive.name, m.runsActive.help, { status }, runs[status] ?? 0);
    for (const [queue, counts] of queues)
      for (const state of QUEUE_STATES)
        metrics.set(m.queueJobs.name, m.queueJobs.help, { queue, state }, counts[state] ?? 0);
  };
}
