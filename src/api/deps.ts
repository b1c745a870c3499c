import type { HoldsReader } from '../actions/connectors/holds-view.js';
import type { ContainmentReader } from '../actions/containment.js';
import type { ResolvedSenderAuth } from '../ingest/auth/sender-auth.js';
import type { AuditReader } from '../audit/audit-query.js';
import type { AuditRecorder } from '../audit/audit-trail.js';
import type { TokenUseRecorder } from '../audit/token-use.js';
import type { PrincipalDirectory } from '../config/principals.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { CompiledPlaybook } from '../playbook/definition/compile-playbook.js';
import type { Runner } from '../playbook/runtime/runner.js';
import type { IngestBackpressure } from '../ingest/backpressure.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { ApprovalStore } from '../store/approval-store.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { ChangeWatcher } from '../store/change-watcher.js';
import type { RuleHits } from '../store/rule-hits.js';
import type { SourceStats } from '../store/source-stats.js';
import type { RuleCatalog } from '../correlate/rule-catalog.js';
import type { CaseStore } from '../store/case-store.js';
import type { DeadLetterStore } from '../store/dead-letters.js';
import type { EventLog } from '../store/event-log.js';
import type { IncidentStore } from '../store/incident-store.js';
import type { LimiterStore } from '../store/limiter-store.js';
import type { RunStore } from '../store/run-store.js';
import type { RateLimiter } from './rate-limit.js';

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<boolean>;
}

/** What the HTTP layer needs: services and stores, never raw Redis clients. */
export interface ApiDeps {
  readonly principals: PrincipalDirectory;
  readonly ingest: IngestService;
  readonly eventLog: EventLog;
  readonly deadLetters: DeadLetterStore;
  readonly incidents: IncidentStore;
  readonly runs: RunStore;
  readonly approvals: ApprovalStore;
  readonly runner: Runner;
  /** The playbooks loaded from playbooks/ (the current versions); absent = none. */
  readonly playbooks?: readonly CompiledPlaybook[];
  readonly limiter: LimiterStore;
  /** GET /v1/connectors/:name/holds/:key: the outbound gateways' holds (absent = no connectors). */
  readonly holds?: HoldsReader;
  /** GET /v1/containment: the limiter's keys and the gateways' held targets. */
  readonly containment: ContainmentReader;
  readonly cases: CaseStore;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly readiness: readonly ReadinessCheck[];
  readonly ingestBodyLimitBytes: number;
  /** Per source: credentials its senders may present besides Cordon bearer tokens. */
  readonly senderAuth?: ReadonlyMap<string, ResolvedSenderAuth>;
  /** Hooks record decisions into the trail; GET /v1/audit reads it; auth counts token use. */
  readonly audit: {
    readonly trail: AuditRecorder;
    readonly reader: AuditReader;
    readonly tokenUse: TokenUseRecorder;
  };
  /** GET /v1/rules: the loaded rules and their match counters. */
  readonly rules: { readonly catalog: RuleCatalog; readonly hits: RuleHits };
  /** GET /v1/sources: per-source ingest counters. */
  readonly sourceStats: SourceStats;
  /** GET /v1/stream: the change feed, this process's watcher of it, and its limits. */
  readonly stream: {
    readonly feed: ChangeFeed;
    readonly watcher: ChangeWatcher;
    readonly maxPerPrincipal: number;
    readonly heartbeatMs: number;
  };
  /** Timeouts, outages and backpressure; each absent = not enforced (tests that need none). */
  readonly limits?: ApiLimits;
}

export interface ApiLimits {
  readonly http?: {
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  /** False while Redis does not answer: every non-probe route answers 503 at once. */
  readonly redisAvailable?: () => boolean;
  readonly rateLimiter?: RateLimiter;
  readonly backpressure?: IngestBackpressure;
  /** Retry-After of 503 answers, seconds. */
  readonly retryAfterS: number;
}

/** Roles that may read incidents, runs, approvals, cases and dead letters. */
export const READ_ROLES = ['analyst', 'approver', 'admin'] as const;
