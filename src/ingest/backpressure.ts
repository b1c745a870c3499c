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
 *
 * Requests never wait on the measurement: they read the last one and, when it is older than
 * `refreshMs`, start the next in the background (a failed one keeps the last value; whether
 * Redis answers is the outage monitor's business).
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

  /** Measures now: log entries not yet read by the slowest correlator (0 if none ever ran). */
  lag(): Promise<number> {
    this.#measuring ??= this.measure(this.clock.now()).finally(() => {
      this.#measuring = undefined;
    });
    return this.#measuring;
  }

  /** The last measured lag when it exceeds the bound, else undefined (ingest may proceed). */
  exceeded(): number | undefined {
    if (this.options.maxLagEntries <= 0) return undefined;
    const now = this.clock.now();
    if (!this.#measured || now - this.#measured.at >= this.options.refreshMs)
      this.lag().catch(() => undefined);
    const lag = this.#measured?.lag ?? 0;
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
