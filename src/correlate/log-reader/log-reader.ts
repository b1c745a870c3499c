import type { RoutedBatch } from '../routing/routed-batch.js';

/**
 * Where the live correlator gets its events: the event log read in order, each entry parsed,
 * validated and routed (the stateless half of correlation), so the correlator only applies.
 */
export interface LogReader {
  /**
   * Reads from just after `position` from now on; anything read ahead of it is dropped. Call
   * before the first `next()` and whenever the correlator restarts from a checkpoint.
   */
  seek(position: string): void;
  /**
   * The next entries after the last batch handed out (or after the sought position), waiting
   * a short while when there are none yet (then the batch is empty). Rejects when reading
   * fails; the correlator then restores and seeks again.
   */
  next(): Promise<RoutedBatch>;
  close(): Promise<void>;
}
