import type { RedisClient } from '../../store/redis.js';
import type { EventLog } from '../../store/event-log.js';
import type { CorrelationEngine } from '../engine/engine.js';
import type { RoutedBatch } from '../routing/routed-batch.js';
import type { LogReader } from './log-reader.js';
import { routeEntries } from './route-entries.js';

/**
 * Reads and routes on the correlator's own thread, one batch at a time: for tests, tools and
 * machines with one core (see ThreadedLogReader for the default).
 */
export class InlineLogReader implements LogReader {
  #position = '0-0';

  constructor(
    private readonly log: EventLog,
    private readonly blockingRedis: RedisClient,
    private readonly router: CorrelationEngine,
    private readonly batchSize: number,
    private readonly blockMs: number,
  ) {}

  seek(position: string): void {
    this.#position = position;
  }

  async next(): Promise<RoutedBatch> {
    const entries = await this.log.readAfter(
      this.blockingRedis,
      this.#position,
      this.batchSize,
      this.blockMs,
    );
    const last = entries[entries.length - 1];
    if (last) this.#position = last.seq;
    return routeEntries(this.router, entries);
  }

  async close(): Promise<void> {
    this.blockingRedis.disconnect();
  }
}
