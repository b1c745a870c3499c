import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/**
 * Reads the effects ledger: one entry per side effect, keyed by its idempotency key. Built-in
 * connectors write their entry in the same Lua script as the effect, so an entry with status
 * `done` proves the effect happened exactly once, with this result.
 */
export class EffectLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

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
}
