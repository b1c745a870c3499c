import { CordonError } from '../shared/errors.js';
import { createRedis, unlinkMatching, type RedisClient } from '../store/redis.js';

const LOCK_TTL_MS = 30_000;

/**
 * The demo's own Redis key prefix (`<prefix>-demo`): emptied before it starts (what a killed
 * demo left behind) and after it ends, so a demo never mixes with, or leaves data in, a real
 * installation sharing the Redis. A lock beside the prefix keeps two demos off the same
 * namespace.
 */
export class DemoNamespace {
  readonly #redis: RedisClient;
  readonly #lockKey: string;
  readonly #owner = `${process.pid}-${Date.now()}`;
  #renew: NodeJS.Timeout | undefined;

  constructor(
    redisUrl: string,
    readonly prefix: string,
  ) {
    this.#redis = createRedis(redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: false });
    this.#lockKey = `${prefix}.lock`;
  }

  async claim(): Promise<void> {
    const ok = await this.#redis.set(this.#lockKey, this.#owner, 'PX', LOCK_TTL_MS, 'NX');
    if (ok !== 'OK') {
      this.#redis.disconnect();
      throw new CordonError(
        'CORDON_ERR_CONFIG_INVALID',
        `Another cordon demo is running on this Redis (its lock ${this.#lockKey} is held). Stop it first, or give this one another namespace with CORDON_REDIS_PREFIX.`,
      );
    }
    this.#renew = setInterval(() => {
      void this.#redis.pexpire(this.#lockKey, LOCK_TTL_MS).catch(() => undefined);
    }, LOCK_TTL_MS / 3);
    this.#renew.unref();
    await this.clear();
  }

  /** Deletes every key under `<prefix>:` (BullMQ's included). */
  async clear(): Promise<void> {
    await unlinkMatching(this.#redis, `${this.prefix}:*`);
  }

  async release(): Promise<void> {
    if (this.#renew) clearInterval(this.#renew);
    try {
      await this.clear();
      if ((await this.#redis.get(this.#lockKey)) === this.#owner)
        await this.#redis.del(this.#lockKey);
    } finally {
      this.#redis.disconnect();
    }
  }
}
