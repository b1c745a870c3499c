/**
 * Every Redis key name Cordon uses, in one place. Keys of one correlation-state partition share
 * the hash tag `{p<n>}` so a checkpoint stays in one cluster slot.
 */
/** User-chosen names inside key names are encoded so `:` or `{}` in them cannot collide or move slots. */
const enc = (part: string): string => encodeURIComponent(part);

export class Keys {
  constructor(readonly prefix: string) {}

  /** BullMQ's own prefix; queue names are appended by BullMQ. */
  get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  // audit trail: one hash tag, so the append script's two keys share a cluster slot
  get auditLog(): string {
    return `${this.prefix}:{audit}:log`;
  }
  get auditHead(): string {
    return `${this.prefix}:{audit}:head`;
  }

  // ingest
  get eventLog(): string {
    return `${this.prefix}:events:log`;
  }
  /** The ingest dedupe memory's ids in accept order (a LIST), so they can be forgotten. */
  get eventSeenOrder(): string {
    return `${this.prefix}:events:seen-order`;
  }
  /** The same, as earlier versions kept it (a time-scored ZSET): drained, no longer written. */
  get eventSeenLegacy(): string {
    return `${this.prefix}:events:seen`;
  }
  get eventWhere(): string {
    return `${this.prefix}:events:where`;
  }
  /** Prompt/response text (and raw) of logged events, by stream entry id, kept apart for retention. */
  get eventText(): string {
    return `${this.prefix}:events:text`;
  }
  /** The same entries' ids in accept order (a LIST of "<ms>:<entry id>"), so text can expire. */
  get eventTextOrder(): string {
    return `${this.prefix}:events:text-order`;
  }
  /** One entry of a source's bounded join/delta memory (src/ingest/sources/source-kind.ts). */
  sourceMemory(source: string, key: string): string {
    return `${this.prefix}:srcmem:${source}:${key}`;
  }
  get deadLetters(): string {
    return `${this.prefix}:deadletters`;
  }
  get deadLetterCounts(): string {
    return `${this.prefix}:deadletters:count`;
  }
  get deadLetterBodies(): string {
    return `${this.prefix}:deadletters:bodies`;
  }
  get deadLetterBytes(): string {
    return `${this.prefix}:deadletters:bytes`;
  }

  // correlation state: partitions of (rule, group); one hash tag per partition, so a
  // checkpoint touches one cluster slot
  partitionMeta(partition: number): string {
    return `${this.prefix}:corr:{p${partition}}:meta`;
  }
  partitionGroups(partition: number): string {
    return `${this.prefix}:corr:{p${partition}}:groups`;
  }
  partitionRules(partition: number): string {
    return `${this.prefix}:corr:{p${partition}}:rules`;
  }
  partitionOutbox(partition: number): string {
    return `${this.prefix}:corr:{p${partition}}:outbox`;
  }
  get correlatorMembers(): string {
    return `${this.prefix}:corr:members`;
  }
  /** member -> "<entries read> <at ms>": how far each correlator has read, for backpressure. */
  get correlatorProgress(): string {
    return `${this.prefix}:corr:progress`;
  }
  get correlatorConfig(): string {
    return `${this.prefix}:corr:config`;
  }

  // incidents
  incident(id: string): string {
    return `${this.prefix}:inc:${id}`;
  }
  incidentMatches(id: string): string {
    return `${this.prefix}:inc:${id}:matches`;
  }
  get incidentIndex(): string {
    return `${this.prefix}:inc:index`;
  }
  get incidentOpen(): string {
    return `${this.prefix}:inc:open`;
  }
  get incidentByMatch(): string {
    return `${this.prefix}:inc:bymatch`;
  }

  // playbook runs
  run(id: string): string {
    return `${this.prefix}:run:${id}`;
  }
  runTimeline(id: string): string {
    return `${this.prefix}:run:${id}:timeline`;
  }
  runApplied(id: string): string {
    return `${this.prefix}:run:${id}:applied`;
  }
  get runIndex(): string {
    return `${this.prefix}:run:index`;
  }
  get runActive(): string {
    return `${this.prefix}:run:active`;
  }
  incidentRuns(incidentId: string): string {
    return `${this.prefix}:inc:${incidentId}:runs`;
  }
  playbookSource(hash: string): string {
    return `${this.prefix}:playbook:src:${hash}`;
  }

  // approvals
  approval(id: string): string {
    return `${this.prefix}:apr:${id}`;
  }
  get approvalIndex(): string {
    return `${this.prefix}:apr:index`;
  }
  runApprovals(runId: string): string {
    return `${this.prefix}:run:${runId}:approvals`;
  }
  get approvalPending(): string {
    return `${this.prefix}:apr:pending`;
  }

  // effects ledger: one hash per side effect, written atomically with built-in effects
  effect(key: string): string {
    return `${this.prefix}:effect:${enc(key)}`;
  }
  /** ZSET effect key -> time it was recorded (ms), for retention. */
  get effectIndex(): string {
    return `${this.prefix}:effects:index`;
  }

  // built-in limiter
  limiterRule(key: string): string {
    return `${this.prefix}:lim:rule:${enc(key)}`;
  }
  limiterCounter(key: string): string {
    return `${this.prefix}:lim:count:${enc(key)}`;
  }
  limiterHistory(key: string): string {
    return `${this.prefix}:lim:history:${enc(key)}`;
  }
  get limiterIndex(): string {
    return `${this.prefix}:lim:rules`;
  }
  /** ZSET limited key -> time of its last set/clear (ms), for retention of its history. */
  get limiterHistoryIndex(): string {
    return `${this.prefix}:lim:histories`;
  }

  // built-in case store
  case(id: string): string {
    return `${this.prefix}:case:${id}`;
  }
  get caseIndex(): string {
    return `${this.prefix}:case:index`;
  }
  get caseDedupe(): string {
    return `${this.prefix}:case:dedupe`;
  }

  // change feed
  /** STREAM of {k: kind, id}: every change of an incident, approval or run (GET /v1/stream). */
  get changes(): string {
    return `${this.prefix}:changes`;
  }

  /** HASH of one rule's match counters: hits, incidents, b:<half-hour bucket> (rule-hits.ts). */
  ruleHits(rule: string): string {
    return `${this.prefix}:rulehits:${enc(rule)}`;
  }
  /** HASH of one source's ingest counters: accepted, duplicates, refused, lastAcceptedAt. */
  sourceStats(source: string): string {
    return `${this.prefix}:srcstats:${enc(source)}`;
  }

  // retention
  /** Which process sweeps now (an efficiency lock: sweeps are idempotent and guarded). */
  get retentionLock(): string {
    return `${this.prefix}:retention:lock`;
  }
}
