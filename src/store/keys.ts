/**
 * Every Redis key name Cordon uses, in one place. Every Lua script and MULTI touches keys of one
 * hash tag, so each is one cluster slot on Redis Cluster (test/integration/store/key-slots.test.ts
 * checks it over the end-to-end flow). The names are the same on a single Redis:
 * - `<prefix>:{c}:…`   the control plane (incidents, runs, approvals, cases, effects ledger,
 *   built-in limiter, change feed, dead letters, counters): small volume, scripts cross
 *   these records (a run and its incident, an effect and its case), so one slot;
 * - `<prefix>:{e<n>}:events:…` event-log partition n (the log, its dedupe memory, its text);
 * - `<prefix>:corr:{p<n>}:…` correlation-state partition n (a checkpoint touches one);
 * - `<prefix>:{audit}:…` the audit chain; `<prefix>:{c}:bull:<queue>:…` BullMQ (its documented
 *   cluster requirement is a hash-tagged prefix; it shares the control plane's, because a
 *   playbook step saves its run and adds its next job in one script);
 * - keys only ever touched one at a time (source memory, outbound buckets) carry no tag.
 * Earlier versions named the first two groups without tags: store/key-layout-migration.ts
 * renames them on a single Redis.
 */
/** One event-log partition's keys (see Keys.eventPartition and the getters named event…). */
export interface EventLogKeys {
  readonly log: string;
  readonly seenOrder: string;
  readonly seenLegacy: string;
  readonly where: string;
  readonly text: string;
  readonly textOrder: string;
  readonly textOrderFor: (periodMs: number) => string;
  readonly textPeriods: string;
}

/** User-chosen names inside key names are encoded so `:` or `{}` in them cannot collide or move slots. */
const enc = (part: string): string => encodeURIComponent(part);

export class Keys {
  constructor(readonly prefix: string) {}

  /** The control plane's hash tag, after the prefix. */
  get control(): string {
    return `${this.prefix}:{c}`;
  }

  /** Event-log partition `n`'s hash tag, after the prefix. */
  events(partition: number): string {
    return `${this.prefix}:{e${partition}}`;
  }

  /** BullMQ's own prefix; queue names are appended by BullMQ. */
  get bullPrefix(): string {
    return `${this.control}:bull`;
  }

  // audit trail: one hash tag, so the append script's two keys share a cluster slot
  get auditLog(): string {
    return `${this.prefix}:{audit}:log`;
  }
  get auditHead(): string {
    return `${this.prefix}:{audit}:head`;
  }
  /** HASH once-key -> seq: records the trail must hold at most once (appendAudit). */
  get auditOnce(): string {
    return `${this.prefix}:{audit}:once`;
  }

  // ingest: every getter below is partition 0's key (the whole log when it is not split)
  /** The keys of event-log partition `partition` (CORDON_EVENT_LOG_PARTITIONS), one hash tag. */
  eventPartition(partition: number): EventLogKeys {
    const tag = this.events(partition);
    return {
      log: `${tag}:events:log`,
      seenOrder: `${tag}:events:seen-order`,
      seenLegacy: `${tag}:events:seen`,
      where: `${tag}:events:where`,
      text: `${tag}:events:text`,
      textOrder: `${tag}:events:text-order`,
      textOrderFor: (periodMs: number) => `${tag}:events:text-order:${periodMs}`,
      textPeriods: `${tag}:events:text-periods`,
    };
  }
  get eventLog(): string {
    return this.eventPartition(0).log;
  }
  /** The ingest dedupe memory's ids in accept order (a LIST), so they can be forgotten. */
  get eventSeenOrder(): string {
    return this.eventPartition(0).seenOrder;
  }
  /** The same, as earlier versions kept it (a time-scored ZSET): drained, no longer written. */
  get eventSeenLegacy(): string {
    return this.eventPartition(0).seenLegacy;
  }
  get eventWhere(): string {
    return this.eventPartition(0).where;
  }
  /** Prompt/response text (and raw) of logged events, by stream entry id, kept apart for retention. */
  get eventText(): string {
    return this.eventPartition(0).text;
  }
  /** The same entries' ids in accept order (a LIST of "<ms>:<entry id>"), so text can expire. */
  get eventTextOrder(): string {
    return this.eventPartition(0).textOrder;
  }
  /**
   * The accept-order list of the texts of sources with their own text period (`keep.text_ms`),
   * one list per period, so each list stays in due order and is swept with its own horizon.
   */
  eventTextOrderFor(periodMs: number): string {
    return this.eventPartition(0).textOrderFor(periodMs);
  }
  /** The periods (ms) that have a list of their own: what the text sweep walks (a SET). */
  get eventTextPeriods(): string {
    return this.eventPartition(0).textPeriods;
  }
  /** One entry of a source's bounded join/delta memory (src/ingest/sources/source-kind.ts). */
  sourceMemory(source: string, key: string): string {
    return `${this.prefix}:srcmem:${source}:${key}`;
  }
  get deadLetters(): string {
    return `${this.control}:deadletters`;
  }
  get deadLetterCounts(): string {
    return `${this.control}:deadletters:count`;
  }
  /** Dead letters by when their source's text period ends (a ZSET of entry ids). */
  get deadLetterExpiry(): string {
    return `${this.control}:deadletters:expiry`;
  }
  get deadLetterBodies(): string {
    return `${this.control}:deadletters:bodies`;
  }
  get deadLetterBytes(): string {
    return `${this.control}:deadletters:bytes`;
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
    return `${this.control}:corr:members`;
  }
  /** member -> "<entries read> <at ms>": how far each correlator has read, for backpressure. */
  get correlatorProgress(): string {
    return `${this.control}:corr:progress`;
  }
  get correlatorConfig(): string {
    return `${this.control}:corr:config`;
  }

  // incidents
  incident(id: string): string {
    return `${this.control}:inc:${id}`;
  }
  incidentMatches(id: string): string {
    return `${this.control}:inc:${id}:matches`;
  }
  get incidentIndex(): string {
    return `${this.control}:inc:index`;
  }
  get incidentOpen(): string {
    return `${this.control}:inc:open`;
  }
  get incidentByMatch(): string {
    return `${this.control}:inc:bymatch`;
  }

  // playbook runs
  run(id: string): string {
    return `${this.control}:run:${id}`;
  }
  runTimeline(id: string): string {
    return `${this.control}:run:${id}:timeline`;
  }
  runApplied(id: string): string {
    return `${this.control}:run:${id}:applied`;
  }
  /** What an Idempotency-Key of POST /v1/runs was first used for (the run it names). */
  runIdempotency(id: string): string {
    return `${this.control}:run:${id}:idem`;
  }
  get runIndex(): string {
    return `${this.control}:run:index`;
  }
  get runActive(): string {
    return `${this.control}:run:active`;
  }
  incidentRuns(incidentId: string): string {
    return `${this.control}:inc:${incidentId}:runs`;
  }
  playbookSource(hash: string): string {
    return `${this.control}:playbook:src:${hash}`;
  }

  // approvals
  approval(id: string): string {
    return `${this.control}:apr:${id}`;
  }
  get approvalIndex(): string {
    return `${this.control}:apr:index`;
  }
  runApprovals(runId: string): string {
    return `${this.control}:run:${runId}:approvals`;
  }
  get approvalPending(): string {
    return `${this.control}:apr:pending`;
  }

  // effects ledger: one hash per side effect, written atomically with built-in effects
  effect(key: string): string {
    return `${this.control}:effect:${enc(key)}`;
  }
  /**
   * SET of the runs that asked for undo job `jobId` while another run's job under that id was
   * queued or running (told how it ends: Runner.undoJobEnded).
   */
  undoWatchers(jobId: string): string {
    return `${this.control}:undo:${enc(jobId)}:watchers`;
  }
  /**
   * SET of the undo jobs whose end other runs are still to be told of (watchers, or the `tell`
   * of a failure): reconcile tells them when the notice after the job's end was lost.
   */
  get undoAnnounce(): string {
    return `${this.control}:undo:announce`;
  }
  /** ZSET effect key -> time it was recorded (ms), for retention. */
  get effectIndex(): string {
    return `${this.control}:effects:index`;
  }
  /**
   * HASH of the effects holding one kind of containment (`family`) on `target` through a
   * connector instance outside Redis (store/scripts/holdEffect-4.lua); gone when none holds.
   */
  holds(instance: string, family: string, target: string): string {
    return `${this.control}:holds:${enc(instance)}:${enc(family)}:${enc(target)}`;
  }
  /**
   * ZSET of the targets held now (at least one hold on them), member JSON [instance, family,
   * target] -> time of the newest hold placed (ms): GET /v1/containment pages through it.
   */
  get heldTargets(): string {
    return `${this.control}:holds:held`;
  }

  // built-in limiter
  limiterRule(key: string): string {
    return `${this.control}:lim:rule:${enc(key)}`;
  }
  limiterCounter(key: string): string {
    return `${this.control}:lim:count:${enc(key)}`;
  }
  limiterHistory(key: string): string {
    return `${this.control}:lim:history:${enc(key)}`;
  }
  get limiterIndex(): string {
    return `${this.control}:lim:rules`;
  }
  /** ZSET limited key -> time of its last set/clear (ms), for retention of its history. */
  get limiterHistoryIndex(): string {
    return `${this.control}:lim:histories`;
  }

  // built-in case store
  case(id: string): string {
    return `${this.control}:case:${id}`;
  }
  get caseIndex(): string {
    return `${this.control}:case:index`;
  }
  get caseDedupe(): string {
    return `${this.control}:case:dedupe`;
  }

  // change feed
  /** STREAM of {k: kind, id}: every change of an incident, approval or run (GET /v1/stream). */
  get changes(): string {
    return `${this.control}:changes`;
  }

  /** HASH of one rule's match counters: hits, incidents, b:<half-hour bucket> (rule-hits.ts). */
  ruleHits(rule: string): string {
    return `${this.control}:rulehits:${enc(rule)}`;
  }
  /** HASH of one source's ingest counters: accepted, duplicates, refused, lastAcceptedAt. */
  sourceStats(source: string): string {
    return `${this.control}:srcstats:${enc(source)}`;
  }

  // retention
  /** Which process sweeps now (an efficiency lock: sweeps are idempotent and guarded). */
  get retentionLock(): string {
    return `${this.control}:retention:lock`;
  }
}
