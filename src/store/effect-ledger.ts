import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

/**
 * The effects ledger: one entry per side effect, keyed by its idempotency key. Built-in
 * connectors write their entry in the same Lua script as the effect, so an entry with status
 * `done` proves the effect happened exactly once, with this result. Outbound connectors record
 * theirs after the call (`record`) and keep what they need across retries (`remember`); their
 * own dedupe look-ups cover the gap between the call and the record.
 */
export class EffectLedger {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  /** The stored result of a completed effect, or undefined if it has not happened. */
  async result(
    effectKey: string,
  ): Promise<{ readonly found: true; readonly result: unknown } | undefined> {
    const [status, result] = await this.redis.hmget(
      this.keys.effect(effectKey),
      'status',
      'result',
    );
    if (status !== 'done' || typeof result !== 'string') return undefined;
    return { found: true, result: JSON.parse(result) as unknown };
  }

  /** Records a result once; returns the result stored first (a racing retry's, maybe). */
  async record(effectKey: string, runId: string, result: unknown, now: number): Promise<unknown> {
    const stored = await this.#scripts.run(
      'recordEffect',
      [this.keys.effect(effectKey), this.keys.effectIndex],
      [now, effectKey, JSON.stringify(result ?? null), runId],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /** Stores `value` under `name` for the effect unless a value is there; returns the stored one. */
  async remember(
    effectKey: string,
    runId: string,
    name: string,
    value: unknown,
    now: number,
  ): Promise<unknown> {
    const stored = await this.#scripts.run(
      'rememberEffect',
      [this.keys.effect(effectKey), this.keys.effectIndex],
      [now, effectKey, name, JSON.stringify(value ?? null), runId],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  async recall(effectKey: string, name: string): Promise<unknown> {
    const raw = await this.redis.hget(this.keys.effect(effectKey), `memo:${name}`);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }
}
