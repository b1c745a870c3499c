import type { RedisClient } from './redis.js';
import type { Rate } from '../actions/operations.js';
import type { Keys } from './keys.js';
import { newestFirst, type Scored } from './newest-first.js';
import { ScriptRunner } from './redis-scripts.js';

export interface LimitDecision {
  readonly decision: 'allow' | 'throttle' | 'block';
  readonly limit?: number;
  readonly remaining?: number;
  readonly resetMs?: number;
  /** Epoch ms when the limit lifts by itself; 0 = never. */
  readonly expiresAt?: number;
}

export interface SetLimitResult {
  readonly applied: boolean;
  readonly key: string;
  readonly mode: 'throttle' | 'block';
  readonly count: number;
  readonly windowMs: number;
  readonly expiresAt: number;
  readonly setAt: number;
}

export interface ClearLimitResult {
  readonly applied: boolean;
  readonly key: string;
  readonly existed: boolean;
}

/** What undoing one effect's limit did (undoLimit). */
export interface UndoLimitResult {
  readonly applied: boolean;
  readonly key: string;
  /** The effect's limit was still in force (not cleared or lifted since). */
  readonly existed: boolean;
  /** The effect key of the limit in force on the key now; '' when none is. */
  readonly restored: string;
}

export interface LimiterHistoryEntry {
  readonly op: 'set' | 'clear' | 'undo';
  readonly at: number;
  readonly effect: string;
  readonly [field: string]: unknown;
}

export interface LimitRule {
  readonly key: string;
  readonly mode: 'throttle' | 'block';
  readonly count: number;
  readonly windowMs: number;
  readonly expiresAt: number;
  readonly setAt: number;
  readonly setBy: string;
  readonly reason: string;
  /** The effect that set it. */
  readonly effect: string;
  /**
   * The limits it went over and that have not lifted, newest first: in force again when it is
   * undone or lifts (see setLimit).
   */
  readonly under: readonly Omit<LimitRule, 'key' | 'under'>[];
}

/** Cordon's built-in gateway limiter: rules set by playbooks, decisions asked by gateways. */
export class LimiterStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  /** The keys setLimit and clearLimit both touch: rule, history, indexes, effect ledger entry. */
  #ruleKeys(key: string, effectKey: string): string[] {
    return [
      this.keys.limiterRule(key),
      this.keys.limiterHistory(key),
      this.keys.limiterIndex,
      this.keys.effect(effectKey),
      this.keys.limiterHistoryIndex,
      this.keys.effectIndex,
    ];
  }

  async set(
    effectKey: string,
    key: string,
    rate: Rate,
    expiresAt: number,
    by: string,
    reason: string,
    now: number,
    /** The connector instance that acts: named in the effect's ledger entry by the same script. */
    connector?: string,
  ): Promise<SetLimitResult> {
    const json = await this.#scripts.run('setLimit', this.#ruleKeys(key, effectKey), [
      now,
      effectKey,
      key,
      rate.mode,
      rate.count,
      rate.windowMs,
      expiresAt,
      by,
      reason,
      connector === undefined ? '' : JSON.stringify(connector),
    ]);
    return JSON.parse(String(json)) as SetLimitResult;
  }

  async clear(
    effectKey: string,
    key: string,
    by: string,
    reason: string,
    now: number,
    /** As for `set`. */
    connector?: string,
  ): Promise<ClearLimitResult> {
    const json = await this.#scripts.run('clearLimit', this.#ruleKeys(key, effectKey), [
      now,
      effectKey,
      key,
      by,
      reason,
      connector === undefined ? '' : JSON.stringify(connector),
    ]);
    return JSON.parse(String(json)) as ClearLimitResult;
  }

  /**
   * Takes back the limit effect `of` set on `key` (the undo of ratelimit.set and key.block):
   * the limits it went over are in force again, and one set over it since stays. Exactly once
   * per `effectKey`, as set and clear are.
   */
  async undo(
    effectKey: string,
    key: string,
    of: string,
    by: string,
    reason: string,
    now: number,
    /** As for `set`. */
    connector?: string,
  ): Promise<UndoLimitResult> {
    const json = await this.#scripts.run('undoLimit', this.#ruleKeys(key, effectKey), [
      now,
      effectKey,
      key,
      by,
      reason,
      connector === undefined ? '' : JSON.stringify(connector),
      of,
    ]);
    return JSON.parse(String(json)) as UndoLimitResult;
  }

  /** Counts the request and decides. */
  async check(key: string, now: number): Promise<LimitDecision> {
    const json = await this.#scripts.run(
      'checkLimit',
      [this.keys.limiterRule(key), this.keys.limiterCounter(key)],
      [now],
    );
    return JSON.parse(String(json)) as LimitDecision;
  }

  /**
   * The limit in force on `key` at `now`: the one on top, or when it has lifted the newest it
   * went over that has not (as checkLimit decides), with those beneath it; undefined when none.
   * Without `now`, the limit on top as stored, lifted or not, with every one beneath it.
   */
  async rule(key: string, now?: number): Promise<LimitRule | undefined> {
    const h = await this.redis.hgetall(this.keys.limiterRule(key));
    if (!h.key) return undefined;
    const live = (l: { readonly expiresAt: number }): boolean =>
      now === undefined || l.expiresAt === 0 || l.expiresAt > now;
    const layers = [
      {
        mode: h.mode === 'block' ? ('block' as const) : ('throttle' as const),
        count: Number(h.count),
        windowMs: Number(h.windowMs),
        expiresAt: Number(h.expiresAt),
        setAt: Number(h.setAt),
        setBy: h.setBy ?? '',
        reason: h.reason ?? '',
        effect: h.effect ?? '',
      },
      ...(h.under ? (JSON.parse(h.under) as Omit<LimitRule, 'key' | 'under'>[]) : []),
    ].filter(live);
    const [top, ...under] = layers;
    return top ? { key: h.key, ...top, under } : undefined;
  }

  /**
   * Takes `key` off the index of limited keys if every limit on it has lifted by `now`
   * (forgetLifted-2.lua); answers whether it did.
   */
  async forgetLifted(key: string, now: number): Promise<boolean> {
    const removed = await this.#scripts.run(
      'forgetLifted',
      [this.keys.limiterRule(key), this.keys.limiterIndex],
      [key, now],
    );
    return Number(removed) === 1;
  }

  /**
   * Keys with a limit set (lifted ones too, until retention deletes their rule), newest set
   * first, from the top or from a page's last time `from` (store/newest-first.ts says what
   * comes back).
   */
  async limitedKeys(
    count: number,
    from?: number,
  ): Promise<{ items: readonly Scored[]; more: boolean }> {
    return newestFirst(this.#scripts, this.keys.limiterIndex, count, from);
  }

  async history(key: string): Promise<LimiterHistoryEntry[]> {
    const raw = await this.redis.lrange(this.keys.limiterHistory(key), 0, -1);
    return raw.map((r) => JSON.parse(r) as LimiterHistoryEntry);
  }
}
