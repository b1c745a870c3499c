import type { Clock } from '../shared/clock.js';
import type { CorrelatorProgress } from '../store/correlator-progress.js';
import type { EventLog } from '../store/event-log.js';

export interface BackpressureOptions {
  /** Ingest is refused while correlation is this many log entries behind; 0: never. */
  readonly maxLagEntries: number;
  /** A correlator that reported within this long counts as live. */
  readonly liveMs: number;
  /** How long one measurement is reused (two Redis reads per measurement, not per request). */
  readonly refreshMs: number;
}

/**
 * Ingest backpressure: when the slowest live correlator is more than `maxLagEntries` behind
 * the log, new events would only lengthen the log and the time to containment, so the API
 * refuses them (503 with Retry-After) until correlation catches up. Senders keep them and
 * retry; nothing accepted is ever dropped.
 */
export class IngestBackpressure {
  #measured: { at: number; lag: number } | undefined;
  #measuring: Promise<number> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly progress: CorrelatorProgress,
    private readonly clock: Clock,
    private readonly options: BackpressureOptions,
  ) {}

  get maxLagEntries(): number {
    return this.options.maxLagEntries;
  }

  /** Log entries not yet read by the slowest correlator (0 when none has ever run). */
  async lag(): Promise<number> {
    const now = this.clock.now();
    if (this.#measured && now - this.#measured.at < this.options.refreshMs)
      return this.#measured.lag;
    this.#measuring ??= this.measure(now).finally(() => {
      this.#measuring = undefined;
    });
    return this.#measuring;
  }

  /** The lag when it exceeds the bound, undefined when ingest may proceed. */
  async exceeded(): Promise<number | undefined> {
    if (this.options.maxLagEntries <= 0) return undefined;
    const lag = await this.lag();
    return lag > this.options.maxLagEntries ? lag : undefined;
  }

  private async measure(now: number): Promise<number> {
    const [read, { added }] = await Promise.all([
      this.progress.slowestRead(now, this.options.liveMs),
      this.log.counters(),
    ]);
    const lag = read === undefined ? 0 : Math.max(0, added - read);
    this.#measured = { at: now, lag };
    return lag;
  }
}
