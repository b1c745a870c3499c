import type { RedisClient } from './redis.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { isRedisConnectionError } from './redis.js';

/** Anything that reports errors the way ioredis clients and BullMQ queues and workers do. */
interface ErrorSource {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Whether Redis answers, decided by a PING every `probeIntervalMs` on the shared command
 * connection (a connection that stays open to a Redis that stopped answering still looks
 * "ready" to ioredis; only a reply proves it answers).
 *
 * One JSON line per transition, however many connections, queues and workers see the outage:
 * their connection errors are counted and trigger an early probe instead of being logged
 * (ioredis reports each failed reconnect; BullMQ each failed poll), so an outage of an hour is
 * two lines, not thousands of stack traces. Other errors from them are logged as they come.
 */
export class RedisOutage {
  #available = true;
  #failures = 0;
  #downSince = 0;
  #timer: NodeJS.Timeout | undefined;
  #probing: Promise<void> | undefined;
  /** Errors before start() (the bounded wait at start) are the start's to report. */
  #started = false;
  #stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly probeIntervalMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /**
     * A probe that has no answer by then fails. The client's command timeout bounds a PING
     * sent to a node, but not one held in a cluster client's offline queue (while it
     * re-discovers the cluster, unbounded): such a probe would never settle, probing would stop
     * and an outage once declared would never end.
     */
    private readonly probeDeadlineMs = 5_000,
  ) {
    metrics.set('cordon_redis_up', 'Whether Redis answered the last probe (1) or not (0).', {}, 1);
    metrics.inc('cordon_redis_outages_total', 'Times Redis stopped answering.', {}, 0);
  }

  /** False from the second failed probe in a row until one succeeds; the API then answers 503 at once. */
  get available(): boolean {
    return this.#available;
  }

  start(): void {
    this.#started = true;
    const tick = (): void => {
      if (this.#stopped) return;
      void this.probe().finally(() => {
        // Faster while down: service resumes within a quarter second of Redis answering.
        const nextMs = this.#available ? this.probeIntervalMs : Math.min(250, this.probeIntervalMs);
        if (!this.#stopped) this.#timer = setTimeout(tick, nextMs);
      });
    };
    this.#timer = setTimeout(tick, this.probeIntervalMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Listens to `source`'s errors: connection errors feed the probe, others are logged. */
  watch(component: string, source: ErrorSource): void {
    source.on('error', (err: Error) => {
      if (this.#stopped || !this.#started) return;
      if (isRedisConnectionError(err)) {
        this.metrics.inc(
          'cordon_redis_connection_errors_total',
          'Connection errors reported by Redis clients, queues and workers.',
          { component },
        );
        if (this.#available) void this.probe();
        return;
      }
      this.logger.error({ component, err }, `${component}: Redis error`);
    });
  }

  /**
   * One PING; concurrent callers share it. Two failures in a row make an outage: a single
   * timeout can be this process's own event loop stalling past the command timeout.
   */
  probe(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#probing ??= this.#pingWithin(this.probeDeadlineMs)
      .then(
        () => {
          this.#failures = 0;
          this.up();
        },
        (err: unknown) => {
          this.#failures += 1;
          if (this.#failures >= 2) this.down(err);
          else if (this.#available) setTimeout(() => void this.probe(), 100).unref();
        },
      )
      .finally(() => {
        this.#probing = undefined;
      });
    return this.#probing;
  }

  async #pingWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      // Unref'd: a probe pending at shutdown must not hold the process open.
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer a PING within ${ms} ms.`)),
        ms,
      ).unref();
    });
    try {
      await Promise.race([this.redis.ping(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private down(err: unknown): void {
    if (this.#stopped || !this.#available) return;
    this.#available = false;
    this.#downSince = this.clock.now();
    this.metrics.set(
      'cordon_redis_up',
      'Whether Redis answered the last probe (1) or not (0).',
      {},
      0,
    );
    this.metrics.inc('cordon_redis_outages_total', 'Times Redis stopped answering.');
    this.logger.error(
      { event: 'redis-unavailable', error: err instanceof Error ? err.message : String(err) },
      'Redis does not answer: the API answers 503 with Retry-After and /readyz reports not ready until it does',
    );
  }

  private up(): void {
    if (this.#available) return;
    this.#available = true;
    this.metrics.set(
      'cordon_redis_up',
      'Whether Redis answered the last probe (1) or not (0).',
      {},
      1,
    );
    this.logger.info(
      { event: 'redis-available', downMs: this.clock.now() - this.#downSince },
      'Redis answers again; service resumed',
    );
  }
}
