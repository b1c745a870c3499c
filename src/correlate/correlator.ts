import type { Redis } from 'ioredis';
import type { Clock } from '../shared/clock.js';
import type { CrashHook } from '../shared/crash-points.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventLog, LoggedEvent } from '../store/event-log.js';
import type { CorrelationEngine } from './engine.js';

export const CORRELATOR_GROUP = 'correlator';

export interface CorrelatorOptions {
  readonly consumer: string;
  readonly batchSize: number;
  readonly claimIdleMs: number;
  readonly retentionMs: number;
  readonly blockMs?: number;
}

/**
 * Reads the durable event log through a consumer group and feeds the engine. At-least-once:
 * an entry is acknowledged only after its matches, incidents and run starts are recorded;
 * after a restart this consumer first re-reads its own unacknowledged entries, and entries a
 * dead consumer left behind are claimed once idle for `claimIdleMs`.
 */
export class Correlator {
  #stopping = false;
  #loop: Promise<void> | undefined;
  #lastClaim = 0;
  #lastTrim = 0;
  #idle: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly blockingRedis: Redis,
    private readonly engine: CorrelationEngine,
    private readonly options: CorrelatorOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly crash: CrashHook,
  ) {}

  async start(): Promise<void> {
    await this.log.ensureGroup(CORRELATOR_GROUP);
    const drained = await this.engine.drainPending();
    if (drained > 0) this.logger.warn({ drained }, 'delivered matches left in rule outboxes by an earlier crash');
    this.#loop = this.run();
  }

  /** Finishes the batch in hand, acknowledges it and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    // Unblock a pending XREADGROUP BLOCK at once; unacknowledged entries stay pending.
    this.blockingRedis.disconnect();
    await this.#loop;
  }

  private async run(): Promise<void> {
    let pendingPhase = true;
    while (!this.#stopping) {
      try {
        let batch: LoggedEvent[];
        if (pendingPhase) {
          batch = await this.log.read(this.blockingRedis, CORRELATOR_GROUP, this.options.consumer, this.options.batchSize, 0, true);
          if (batch.length === 0) pendingPhase = false;
        } else if (this.clock.now() - this.#lastClaim > Math.min(this.options.claimIdleMs, 30_000)) {
          this.#lastClaim = this.clock.now();
          batch = await this.log.claimStale(CORRELATOR_GROUP, this.options.consumer, this.options.claimIdleMs, this.options.batchSize);
        } else {
          batch = await this.log.read(this.blockingRedis, CORRELATOR_GROUP, this.options.consumer, this.options.batchSize, this.options.blockMs ?? 1_000, false);
        }
        if (batch.length > 0) await this.processBatch(batch);
        await this.maybeTrim();
      } catch (err) {
        if (this.#stopping) break;
        this.logger.error({ err }, 'correlator batch failed; retrying its unacknowledged events');
        pendingPhase = true;
        await this.pause(1_000);
      }
    }
  }

  private async processBatch(batch: readonly LoggedEvent[]): Promise<void> {
    const done: string[] = [];
    try {
      for (const { seq, event } of batch) {
        await this.engine.process(event);
        done.push(seq);
        this.metrics.inc('cordon_correlator_events_total', 'Events correlated.');
      }
    } finally {
      // Whatever was fully processed is acknowledged even if a later event failed.
      if (done.length > 0) {
        this.crash('correlate.before-ack');
        await this.log.ack(CORRELATOR_GROUP, done);
      }
    }
  }

  private async maybeTrim(): Promise<void> {
    const now = this.clock.now();
    if (now - this.#lastTrim < 60_000) return;
    this.#lastTrim = now;
    await this.log.trim(now, this.options.retentionMs);
  }

  private pause(ms: number): Promise<void> {
    this.#idle = new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    return this.#idle;
  }
}
