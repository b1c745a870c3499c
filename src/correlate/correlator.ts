import type { Redis } from 'ioredis';
import type { Clock } from '../shared/clock.js';
import type { CrashHook } from '../shared/crash-points.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventLog, LoggedEvent } from '../store/event-log.js';
import type { CorrelationEngine } from './engine.js';

export const CORRELATOR_GROUP = 'correlator';

/** Called for an event that failed correlation `maxAttempts` times; it is then acknowledged. */
export type PoisonHandler = (entry: LoggedEvent, error: unknown) => Promise<void>;

export interface CorrelatorOptions {
  readonly consumer: string;
  /** Failed processings of one event before it is set aside (poison), so it cannot block the log. */
  readonly maxAttempts?: number;
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
  /** Set when processing failed: matches may be waiting in rule outboxes (drained next). */
  #needsDrain = false;
  #idle: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  /** Failures per entry id in this process; a restart gives an event fresh attempts. */
  readonly #failures = new Map<string, number>();

  constructor(
    private readonly log: EventLog,
    private readonly blockingRedis: Redis,
    private readonly engine: CorrelationEngine,
    private readonly options: CorrelatorOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly crash: CrashHook,
    private readonly onPoison: PoisonHandler,
  ) {}

  async start(): Promise<void> {
    await this.log.ensureGroup(CORRELATOR_GROUP);
    const drained = await this.engine.drainPending();
    if (drained > 0)
      this.logger.warn({ drained }, 'delivered matches left in rule outboxes by an earlier crash');
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
        if (this.#needsDrain) {
          // A redelivered event is a duplicate for its window, so its match is only reachable here.
          await this.engine.drainPending();
          this.#needsDrain = false;
        }
        let batch: LoggedEvent[];
        if (pendingPhase) {
          batch = await this.log.read(
            this.blockingRedis,
            CORRELATOR_GROUP,
            this.options.consumer,
            this.options.batchSize,
            0,
            true,
          );
          if (batch.length === 0) pendingPhase = false;
        } else if (
          this.clock.now() - this.#lastClaim >
          Math.min(this.options.claimIdleMs, 30_000)
        ) {
          this.#lastClaim = this.clock.now();
          batch = await this.log.claimStale(
            CORRELATOR_GROUP,
            this.options.consumer,
            this.options.claimIdleMs,
            this.options.batchSize,
          );
        } else {
          batch = await this.log.read(
            this.blockingRedis,
            CORRELATOR_GROUP,
            this.options.consumer,
            this.options.batchSize,
            this.options.blockMs ?? 1_000,
            false,
          );
        }
        if (batch.length > 0) await this.processBatch(batch);
        await this.maybeTrim();
      } catch (err) {
        if (this.#stopping) break;
        if (err instanceof Error && err.message.startsWith('NOGROUP')) {
          // The log or its consumer group vanished (a Redis restarted without persistence, or
          // flushed): recreate the group from the start of whatever the log holds now.
          this.logger.error({ err }, 'event log consumer group missing; recreating it');
          await this.log.ensureGroup(CORRELATOR_GROUP).catch(() => undefined);
        } else {
          this.logger.error({ err }, 'correlator batch failed; retrying its unacknowledged events');
        }
        pendingPhase = true;
        await this.pause(1_000);
      }
    }
  }

  private async processBatch(batch: readonly LoggedEvent[]): Promise<void> {
    const done: string[] = [];
    try {
      for (const entry of batch) {
        try {
          await this.engine.process(entry.event);
        } catch (err) {
          this.#needsDrain = true;
          const failures = (this.#failures.get(entry.seq) ?? 0) + 1;
          this.#failures.set(entry.seq, failures);
          if (failures < (this.options.maxAttempts ?? 5)) throw err;
          // Always failing (a bug, or an event no rule can handle): set it aside, visibly.
          this.logger.error(
            { err, seq: entry.seq, source: entry.event.source, id: entry.event.id },
            'event failed correlation repeatedly; dead-lettered and skipped',
          );
          this.metrics.inc(
            'cordon_correlator_poison_events_total',
            'Events set aside after repeated correlation failures (see dead letters).',
          );
          await this.onPoison(entry, err);
        }
        this.#failures.delete(entry.seq);
        done.push(entry.seq);
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
