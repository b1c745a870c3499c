import type { RedisClient } from './redis.js';
import type { Rate } from '../actions/operations.js';
import type { Keys } from './keys.js';
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

export interface LimiterHistoryEntry {
  readonly op: 'set' | 'clear';
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

  /** Counts the request and decides. */
  async check(key: string, now: number): Promise<LimitDecision> {
    const json = await this.#scripts.run(
      'checkLimit',
      [this.keys.limiterRule(key), this.keys.limiterCounter(key)],
      [now],
    );
    return JSON.parse(String(json)) as LimitDecision;
  }

  async rule(key: string): Promise<LimitRule | undefined> {
    const h = await this.redis.hgetall(this.keys.limiterRule(key));
    if (!h.key) return undefined;
    return {
      key: h.key,
      mode: h.mode === 'block' ? 'block' : 'throttle',
      count: Number(h.count),
      windowMs: Number(h.windowMs),
      expiresAt: Number(h.expiresAt),
      setAt: Number(h.setAt),
      setBy: h.setBy ?? '',
      reason: h.reason ?? '',
    };
  }

  async history(key: string): Promise<LimiterHistoryEntry[]> {
    const raw = await this.redis.lrange(this.keys.limiterHistory(key), 0, -1);
    return raw.map((r) => JSON.parse(r) as LimiterHistoryEntry);
  }
}
