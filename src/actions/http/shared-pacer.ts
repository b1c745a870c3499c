import type { RedisClient } from '../../store/redis.js';
import type { Logger } from '../../shared/logger.js';
import { ScriptRunner } from '../../store/redis-scripts.js';
import type { Rate } from '../rate.js';
import { OutboundPacer } from './outbound-pacer.js';

/** Where the shared outbound buckets live: the installation's Redis and key prefix. */
export interface PacingStore {
  readonly redis: RedisClient;
  readonly prefix: string;
}

/**
 * The outbound rate limit of one connector instance across every Cordon process: one token
 * bucket in Redis (script takeOutboundToken, time passed in), so N workers together send at
 * most `rate`, not N × rate. `reserve` answers how long to wait before sending, or `refused`
 * with the wait when it exceeds `maxWaitMs` (nothing is booked). When Redis fails, this
 * process paces alone (the in-process limiter) rather than stopping every action, and says so.
 */
export class SharedPacer {
  readonly #scripts: ScriptRunner;
  readonly #key: string;
  readonly #local: OutboundPacer;
  #warned = false;

  constructor(
    private readonly rate: Rate,
    store: PacingStore,
    instance: string,
    private readonly log?: Logger,
  ) {
    this.#scripts = new ScriptRunner(store.redis);
    this.#key = `${store.prefix}:outbound:${instance}:bucket`;
    this.#local = new OutboundPacer(rate);
  }

  async reserve(
    now: number,
    maxWaitMs: number,
  ): Promise<{ readonly waitMs: number; readonly refused: boolean }> {
    try {
      const wait = Number(
        await this.#scripts.run(
          'takeOutboundToken',
          [this.#key],
          [now, this.rate.count, this.rate.windowMs, Math.max(0, Math.floor(maxWaitMs))],
        ),
      );
      return wait < 0 ? { waitMs: -wait, refused: true } : { waitMs: wait, refused: false };
    } catch (err) {
      if (!this.#warned)
        this.log?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'shared outbound rate limit unavailable; pacing this process alone',
        );
      this.#warned = true;
      return { waitMs: this.#local.reserve(now), refused: false };
    }
  }
}
