import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { compileFieldGetter, type FieldGetter } from '../ingest/canonical-event.js';
import type { Clock } from '../shared/clock.js';
import { deterministicId, sha256Hex, stableStringify } from '../shared/hash.js';
import type { Metrics } from '../shared/metrics.js';
import type { CorrelationStore, RawMatch } from '../store/correlation-store.js';
import type { Match } from './match.js';
import type { CompiledCorrelation, CompiledDetection, CompiledRuleSet } from './rule/types.js';

/** Receives every match; must be idempotent by `matchId` (matches are redelivered after crashes). */
export type MatchSink = (match: Match) => Promise<void>;

/**
 * Runs one event through every rule: detection predicates in memory, correlation windows in
 * Redis (one atomic script per event and correlation). A match is handed to the sink and only
 * then removed from the rule's outbox, so a crash between the two re-delivers it.
 */
export class CorrelationEngine {
  readonly #byDetection = new Map<string, CompiledCorrelation[]>();
  /** Group-by readers per correlation and detection, compiled once. */
  readonly #groupGetters = new Map<string, (FieldGetter | undefined)[]>();

  constructor(
    private readonly rules: CompiledRuleSet,
    private readonly store: CorrelationStore,
    private readonly sink: MatchSink,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    for (const corr of rules.correlations) {
      for (const key of corr.rules) {
        const list = this.#byDetection.get(key) ?? [];
        list.push(corr);
        this.#byDetection.set(key, list);
        this.#groupGetters.set(
          `${corr.key}\n${key}`,
          corr.groupBy.map((g) => {
            const path = g.pathByRule[key];
            return path === undefined ? undefined : compileFieldGetter(path);
          }),
        );
      }
    }
  }

  async process(event: CanonicalEvent): Promise<void> {
    const ref = `${event.source}/${event.id}`;
    const now = this.clock.now();
    for (const detection of this.rules.detections.values()) {
      if (!detection.matches(event)) continue;
      this.metrics.inc('cordon_rule_detections_total', 'Events matched by a detection rule.', {
        rule: detection.key,
      });
      if (detection.standalone) await this.sink(detectionMatch(detection, event, ref, now));
      for (const corr of this.#byDetection.get(detection.key) ?? []) {
        await this.count(corr, detection.key, event, ref, now);
      }
    }
  }

  /** Hands over matches a crash left in the outboxes. */
  async drainPending(): Promise<number> {
    let drained = 0;
    for (const corr of this.rules.correlations) {
      for (const raw of await this.store.pendingMatches(corr.key)) {
        await this.deliver(corr, raw);
        drained += 1;
      }
    }
    return drained;
  }

  private async count(
    corr: CompiledCorrelation,
    detectionKey: string,
    event: CanonicalEvent,
    ref: string,
    now: number,
  ): Promise<void> {
    const values: string[] = [];
    for (const getter of this.#groupGetters.get(`${corr.key}\n${detectionKey}`) ?? []) {
      const value = getter?.(event);
      // Events without a value for a group-by field do not belong to any group of this rule.
      if (value === undefined || value === null || value === '' || typeof value === 'object') {
        this.metrics.inc(
          'cordon_rule_events_without_group_total',
          'Events skipped by a correlation because a group-by field was empty.',
          { rule: corr.key },
        );
        return;
      }
      values.push(typeof value === 'string' ? value : JSON.stringify(value));
    }
    const key = stableStringify(values);
    const outcome = await this.store.recordEventCount(
      corr,
      { key, hash: sha256Hex(key).slice(0, 24) },
      ref,
      event.time,
      now,
    );
    if (outcome.evictedGroups > 0) {
      this.metrics.inc(
        'cordon_rule_groups_evicted_total',
        'Correlation groups evicted at the per-rule cap.',
        { rule: corr.key },
        outcome.evictedGroups,
      );
    }
    if (outcome.status === 'too-late') {
      this.metrics.inc(
        'cordon_rule_late_dropped_total',
        'Events older than the watermark minus allowed lateness, not counted (still in the event log).',
        { rule: corr.key },
      );
    }
    if (outcome.match) await this.deliver(corr, outcome.match);
  }

  private async deliver(corr: CompiledCorrelation, raw: RawMatch): Promise<void> {
    const values = JSON.parse(raw.groupKey) as string[];
    const group = Object.fromEntries(corr.groupBy.map((g, i) => [g.name, values[i] ?? '']));
    await this.sink({
      ...raw,
      ruleTitle: corr.title,
      ruleType: corr.kind,
      level: corr.level,
      tags: corr.tags,
      group,
    });
    await this.store.clearPending(corr.key, raw.matchId);
    this.metrics.inc('cordon_rule_matches_total', 'Matches fired by a rule.', { rule: corr.key });
  }
}

function detectionMatch(
  rule: CompiledDetection,
  event: CanonicalEvent,
  ref: string,
  now: number,
): Match {
  return {
    matchId: deterministicId('m', rule.key, ref),
    rule: rule.key,
    ruleTitle: rule.title,
    ruleType: 'detection',
    level: rule.level,
    tags: rule.tags,
    groupKey: '[]',
    group: {},
    count: 1,
    firstTime: event.time,
    lastTime: event.time,
    windowStart: event.time,
    windowEnd: event.time,
    firedAt: now,
    late: false,
    partial: false,
    refs: [ref],
  };
}
