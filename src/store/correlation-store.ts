import type { Redis } from 'ioredis';
import type { Match } from '../correlate/match.js';
import type { CompiledEventCount } from '../correlate/rule/types.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

/** A match as the window script stores it, before the engine adds rule metadata. */
export type RawMatch = Omit<Match, 'ruleTitle' | 'ruleType' | 'level' | 'tags' | 'group'>;

export type RecordStatus = 'counted' | 'matched' | 'duplicate' | 'too-late';

export interface RecordOutcome {
  readonly status: RecordStatus;
  readonly count: number;
  readonly match?: RawMatch;
  /** Groups evicted to make room (stalest first). */
  readonly evictedGroups: number;
}

export interface WindowLimits {
  readonly maxGroupsPerRule: number;
  readonly maxEventsPerGroup: number;
  readonly maxRefsPerMatch: number;
  /** Bounded out-of-orderness: the watermark trails the latest event time by this much. */
  readonly maxOutOfOrdernessMs?: number;
  /** A group idle this long (processing time) is garbage-collected. */
  readonly groupIdleMs?: number;
}

export const DEFAULT_OUT_OF_ORDERNESS_MS = 30_000;
export const DEFAULT_GROUP_IDLE_MS = 86_400_000;

const STATUS: Record<number, RecordStatus> = {
  0: 'counted',
  1: 'matched',
  2: 'duplicate',
  3: 'too-late',
};

/** Redis side of the correlation engine: windowed state per (rule, group) behind Lua scripts. */
export class CorrelationStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: WindowLimits,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async recordEventCount(
    rule: CompiledEventCount,
    group: { key: string; hash: string },
    eventRef: string,
    eventTime: number,
    now: number,
  ): Promise<RecordOutcome> {
    let evictedGroups = 0;
    // A few rounds at most: each round evicts one stale group to make room for a new one.
    for (let round = 0; round < 5; round += 1) {
      const reply = (await this.#scripts.run(
        'recordEventCount',
        [
          this.keys.groupWindow(rule.key, group.hash),
          this.keys.groupConsumed(rule.key, group.hash),
          this.keys.ruleState(rule.key),
          this.keys.rulePending(rule.key),
          this.keys.ruleGroups(rule.key),
        ],
        [
          eventRef,
          eventTime,
          rule.timespanMs,
          rule.allowedLatenessMs,
          rule.condition.value,
          rule.condition.op,
          this.limits.maxEventsPerGroup,
          now,
          rule.key,
          group.key,
          group.hash,
          this.limits.maxGroupsPerRule,
          this.limits.maxRefsPerMatch,
          this.limits.maxOutOfOrdernessMs ?? DEFAULT_OUT_OF_ORDERNESS_MS,
          // Collect idle groups only well after anything in them could still count.
          Math.max(
            this.limits.groupIdleMs ?? DEFAULT_GROUP_IDLE_MS,
            2 * (rule.timespanMs + rule.allowedLatenessMs) + DEFAULT_GROUP_IDLE_MS,
          ),
        ],
      )) as [number, number, string, string];
      const [code, count, , matchJson] = reply;
      if (code === 4) {
        if (await this.evictStalestGroup(rule.key)) evictedGroups += 1;
        continue;
      }
      const status = STATUS[code] ?? 'counted';
      return status === 'matched'
        ? { status, count, match: JSON.parse(matchJson) as RawMatch, evictedGroups }
        : { status, count, evictedGroups };
    }
    throw new Error(`Rule ${rule.key}: could not make room for a new group after 5 evictions.`);
  }

  private async evictStalestGroup(ruleKey: string): Promise<boolean> {
    const [hash] = await this.redis.zrange(this.keys.ruleGroups(ruleKey), 0, 0);
    if (!hash) return false;
    const existed = await this.#scripts.run(
      'evictGroup',
      [
        this.keys.groupWindow(ruleKey, hash),
        this.keys.groupConsumed(ruleKey, hash),
        this.keys.ruleGroups(ruleKey),
        this.keys.ruleState(ruleKey),
      ],
      [hash],
    );
    return existed === 1;
  }

  /** Matches whose incident is not yet recorded (outbox); drained after a crash. */
  async pendingMatches(ruleKey: string): Promise<RawMatch[]> {
    const raw = await this.redis.hvals(this.keys.rulePending(ruleKey));
    return raw.map((m) => JSON.parse(m) as RawMatch);
  }

  async clearPending(ruleKey: string, matchId: string): Promise<void> {
    await this.redis.hdel(this.keys.rulePending(ruleKey), matchId);
  }

  async ruleStats(ruleKey: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.keys.ruleState(ruleKey));
    const groups = await this.redis.zcard(this.keys.ruleGroups(ruleKey));
    return { ...Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)])), groups };
  }
}
