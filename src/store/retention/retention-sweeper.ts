import type { RedisClient } from '../redis.js';
import type { CorrelationStateStore } from '../../correlate/state-store.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import type { EventLog } from '../event-log.js';
import { minPosition } from '../log-position.js';
import type { Keys } from '../keys.js';
import { sum, type RecordSweep } from './record-sweep.js';
import { isRedisConnectionError } from '../redis.js';
import { CorrelatorProgress } from '../correlator-progress.js';

/**
 * Rounds one pass gives each kind of record. A kind still deleting after them makes the next
 * pass start at once instead of after the interval, so the sweep keeps up with any write rate
 * while each pass stays short (at most MAX_ROUNDS x batch records per kind).
 */
const MAX_ROUNDS = 20;

/**
 * A correlator's published progress outlives it by this long (ingest backpressure reads it);
 * the furthest one is always kept, so a stopped deployment still counts its backlog.
 */
const PROGRESS_KEEP_MS = 86_400_000;

export interface RetentionSweeperOptions {
  /** This process's name (holds the sweep lock). */
  readonly member: string;
  readonly intervalMs: number;
  /** Records examined per kind per round. */
  readonly batch: number;
  readonly eventRetentionMs: number;
  readonly eventsMax: number;
  readonly dedupeWindowMs: number;
  /** Correlation-state partitions: the log is kept from the oldest one's checkpoint. */
  readonly partitions: number;
  /** Correlator members silent this long are forgotten. */
  readonly memberLeaseMs: number;
}

export interface SweepReport {
  /** False when another process holds the sweep lock (it sweeps instead). */
  readonly swept: boolean;
  /** Records deleted (resolved, for incidents closed by retention), by kind. */
  readonly removed: Readonly<Record<string, number>>;
  /** Some kind had more due than one pass does: the next pass starts at once. */
  readonly behind: boolean;
  readonly eventLogLength: number;
}

/**
 * Enforces retention on every kind of record Cordon writes (README "Retention"): the event
 * log by age and count (never past a correlator's checkpoint), the ingest dedupe memory past
 * its window, silent correlator members and their published progress, and each record sweep
 * given. One process sweeps at a
 * time (a lock that only saves work: every deletion is guarded and idempotent).
 */
export class RetentionSweeper {
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #progress: CorrelatorProgress;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly log: EventLog,
    private readonly state: CorrelationStateStore,
    private readonly records: readonly RecordSweep[],
    private readonly options: RetentionSweeperOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.#progress = new CorrelatorProgress(redis, keys);
  }

  start(): void {
    for (const kind of [
      'event',
      'event_id',
      'correlator_progress',
      ...this.records.map((r) => r.record),
    ])
      this.metrics.inc('cordon_retention_removed_total', REMOVED_HELP, { record: kind }, 0);
    this.#loop = this.run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    // Hand the duty on at once rather than when the lock expires.
    if ((await this.redis.get(this.keys.retentionLock)) === this.options.member)
      await this.redis.del(this.keys.retentionLock);
  }

  /** One pass over every kind of record (the loop runs these; tests call it directly). */
  async pass(): Promise<SweepReport> {
    const now = this.clock.now();
    if (!(await this.holdLock())) {
      return { swept: false, removed: {}, behind: false, eventLogLength: await this.log.length() };
    }
    const removed: Record<string, number> = {};
    const offsets = await this.state.offsets(this.options.partitions);
    const keepFrom =
      offsets.length === 0
        ? '0-0'
        : // Each event-log partition's earliest checkpointed entry (one id when not split).
          minPosition(offsets, this.log.partitions);
    removed.event = await this.log.trim(
      now,
      this.options.eventRetentionMs,
      keepFrom,
      this.options.eventsMax,
    );
    let behind = false;
    removed.event_id = 0;
    for (let round = 0; ; round += 1) {
      const n = await this.log.forget(
        now - this.options.dedupeWindowMs,
        this.options.batch * 10,
        now,
      );
      removed.event_id += n;
      if (n < this.options.batch * 10) break;
      if (round + 1 >= MAX_ROUNDS) {
        behind = true;
        break;
      }
    }
    await this.state.heartbeat('', now, this.options.memberLeaseMs);
    removed.correlator_progress = await this.#progress.prune(now, PROGRESS_KEEP_MS);
    for (const sweep of this.records) {
      for (let round = 0; ; round += 1) {
        const result = await sweep.round(now, this.options.batch, { keepFrom });
        sum(removed, result.removed);
        if (!result.more) break;
        if (round + 1 >= MAX_ROUNDS) {
          behind = true;
          break;
        }
        // Rounds of a big backlog leave room for the requests this process also serves.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    for (const [record, n] of Object.entries(removed))
      if (n > 0) this.metrics.inc('cordon_retention_removed_total', REMOVED_HELP, { record }, n);
    const eventLogLength = await this.log.length();
    this.metrics.set(
      'cordon_retention_event_log_entries',
      'Entries in the event log after the last retention pass.',
      {},
      eventLogLength,
    );
    if (behind) this.logger.warn({ removed }, 'retention is behind; sweeping again at once');
    else this.logger.debug({ removed, eventLogLength }, 'retention pass');
    return { swept: true, removed, behind, eventLogLength };
  }

  private async run(): Promise<void> {
    while (!this.#stopping) {
      let behind = false;
      try {
        behind = (await this.pass()).behind;
      } catch (err) {
        this.metrics.inc('cordon_retention_errors_total', 'Retention passes that failed.');
        // A Redis outage is logged once by the outage monitor, not here at every pass.
        if (isRedisConnectionError(err))
          this.logger.debug({ error: (err as Error).message }, 'Redis unavailable; retrying');
        else this.logger.error({ err }, 'retention pass failed; retrying after the interval');
      }
      if (this.#stopping) break;
      await this.pause(behind ? 0 : this.options.intervalMs);
    }
  }

  /** Takes or renews the sweep lock; its expiry only hands the duty on when a sweeper dies. */
  private async holdLock(): Promise<boolean> {
    const ttl = Math.max(1_000, this.options.intervalMs * 3);
    const key = this.keys.retentionLock;
    if ((await this.redis.set(key, this.options.member, 'PX', ttl, 'NX')) === 'OK') return true;
    if ((await this.redis.get(key)) !== this.options.member) return false;
    await this.redis.pexpire(key, ttl);
    return true;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

const REMOVED_HELP =
  'Records removed by retention, by kind (incidents: deleted; closed ones are counted apart).';
