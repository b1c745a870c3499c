/** The API's shapes the console reads (a subset of each; see the OpenAPI document at /docs). */

/** informational, low, medium, high or critical (Sigma levels). */
export type Severity = string;

export interface Incident {
  id: string;
  title: string;
  status: 'open' | 'resolved';
  rule: string;
  ruleTitle?: string;
  ruleType?: string;
  severity: Severity;
  tags?: string[];
  group?: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  firstSeen?: number;
  lastSeen?: number;
  matchCount?: number;
  eventCount?: number;
  resolvedAt?: number;
  resolvedBy?: string;
  containment?: string;
}

export interface Match {
  matchId: string;
  rule: string;
  count?: number;
  firstTime?: number;
  lastTime?: number;
  windowStart?: number;
  windowEnd?: number;
  firedAt?: number;
  refs?: string[];
}

export interface IncidentDetail extends Incident {
  matches?: Match[];
  runs?: string[];
}

export interface GatedAction {
  state: string;
  operation: string;
  connector: string;
  inputs: Record<string, unknown>;
}

export interface Vote {
  by: string;
  role: string;
  decision: 'approved' | 'rejected';
  comment: string;
  at: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface Approval {
  id: string;
  status: ApprovalStatus;
  runId: string;
  playbookId: string;
  incidentId?: string;
  state: string;
  roles: string[];
  quorum: number;
  message?: string;
  initiator?: string;
  gated?: GatedAction | null;
  votes?: Vote[];
  createdAt: number;
  expiresAt: number;
  decidedAt?: number;
}

export type RunStatus = 'running' | 'waiting' | 'undoing' | 'resolved' | 'failed' | 'cancelled';

export interface Run {
  id: string;
  playbookId: string;
  playbookHash: string;
  incidentId?: string;
  initiator?: string;
  status: RunStatus;
  state: string;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  leaves?: Record<string, number>;
  undo?: { entries?: unknown[] };
}

export interface TimelineEntry {
  at: number;
  type: string;
  state?: string;
  from?: string;
  to?: string;
  event?: string;
  by?: string[] | string;
  attempts?: number;
  approvalId?: string;
  outcome?: string;
  error?: unknown;
  [key: string]: unknown;
}

export interface RunDetail extends Run {
  timeline: TimelineEntry[];
  approvals: Approval[];
}

export interface WhoAmI {
  principal: string;
  roles: string[];
}

export interface RuleSummary {
  id: string;
  title: string;
  level?: string;
  type?: string;
  tags?: string[];
  file?: string;
  hits?: number;
  incidents?: number;
  /** Match counts per bucket (sparklineBucketMs each), oldest first, ending at sparklineEndsAt. */
  sparkline?: number[];
  sparklineBucketMs?: number;
  sparklineEndsAt?: number;
}

export interface RuleDetail extends RuleSummary {
  yaml?: string;
  /** Names of the rule tests that check it. */
  tests?: string[];
}

export interface SourceSummary {
  name: string;
  type: string;
  accepted?: number;
  duplicates?: number;
  refused?: number;
  lastAcceptedAt?: number | null;
  deadLetters?: number;
}

export interface DeadLetterError {
  path: string;
  reason: string;
}

export interface DeadLetter {
  id: string;
  source: string;
  reason: string;
  errors: DeadLetterError[];
  contentType?: string;
  principal?: string;
  received: number;
  size?: number;
  truncated?: boolean;
  body?: string;
  encoding?: string;
}

/** GET /v1/incidents/{id}/events: the contributing events and each match's window. */
export interface IncidentEvidence {
  incidentId: string;
  rule: {
    id: string;
    type: string;
    timespanMs?: number;
    condition?:
      { kind: 'threshold'; bounds: { op: ThresholdOp; value: number }[] } | { kind: 'boolean' };
  } | null;
  matches: {
    matchId: string;
    windowStart: number;
    windowEnd: number;
    lastTime?: number;
    count?: number;
    eventTimes?: number[];
  }[];
  events: { ref: string; seq?: string; event: Omit<ContributingEvent, 'ref'> }[];
  missing?: string[];
  truncated?: boolean;
}

export type ThresholdOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface ContributingEvent {
  ref: string;
  source?: string;
  kind?: string;
  name?: string;
  time: number;
  entity?: Record<string, unknown>;
}

/** One match as the chart draws it. */
export interface MatchWindow {
  matchId: string;
  windowStart: number;
  windowEnd: number;
  threshold?: number | undefined;
  condition?: string | undefined;
  /** Times of the events the match lists (its refs are capped: maybe fewer than count). */
  eventTimes: number[];
  /** Contributing events in all, and when the last one happened. */
  count: number;
  lastTime?: number | undefined;
}

/** One holder of a contained target: the run whose effect placed it (newest first). */
export interface ContainmentHolder {
  run: string;
  /** The run's status now: 'unknown' when the run is gone or a person set the limit. */
  runStatus: string;
  effect: string;
  at: number;
  expiresAt: number | null;
  /**
   * Its entry in the run's undo book: 'applied', 'undoing', 'undo-failed' (the undo failed after
   * its retries and left it in force), or null (no undo declared, or no run).
   */
  undo: string | null;
}

/** GET /v1/containment: one target Cordon keeps contained now. */
export interface Containment {
  /** null: Cordon's built-in limiter (every builtin-limiter connector shares it). */
  connector: string | null;
  /** The connector type: builtin-limiter, kong, litellm-proxy or aws-apigateway. */
  type: string;
  /** Limiter: throttle or block; outbound gateways: ratelimit, key or access. */
  kind: string;
  key: string;
  /** When containment was last placed on it (a hold or a limit): the list's order. */
  at: number;
  /** When it lifts by itself; null: only on undo or an explicit release. */
  expiresAt: number | null;
  holders: ContainmentHolder[];
  /** The API path with this target's full story (holds or limiter layers). */
  detail: string;
}

export interface ContainmentListing {
  items: Containment[];
  next: string | null;
}

/** POST /v1/limiter/keys/{key}/clear: every limit on the key lifted at once. */
export interface LimitCleared {
  key: string;
  /** false: nothing was in force on the key any more. */
  existed: boolean;
  /** true: an earlier post of the same confirmation lifted it (this answers that one). */
  repeated: boolean;
  /** Absent on a repeat. */
  clearedAt?: number;
  by: string;
  effect: string;
}
