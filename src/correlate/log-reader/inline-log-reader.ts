import type { RedisClient } from '../../store/redis.js';
import type { EventLog } from '../../store/event-log.js';
import type { CorrelationEngine } from '../engine/engine.js';
import type { LogBatch, LogReader } from './log-reader.js';
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

  async next(): Promise<LogBatch> {
    const read = await this.log.readMerged(
      this.blockingRedis,
      this.#position,
      this.batchSize,
      this.blockMs,
    );
    this.#position = read.position;
    return routeEntries(this.router, read, this.log.partitions);
  }

  async close(): Promise<void> {
    this.blockingRedis.disconnect();
  }
}
