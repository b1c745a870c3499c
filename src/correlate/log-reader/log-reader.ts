import type { RoutedBatch } from '../routing/routed-batch.js';

/** One read of the event log, routed: the events, and where the log reader stands after them. */
export interface LogBatch {
  readonly batch: RoutedBatch;
  /** The log position after it (store/log-position.ts): every partition's last entry read. */
  readonly position: string;
  /** Log entries it stands for, progress marks of quiet partitions included (for lag). */
  readonly consumed: number;
  /** Each event's event-log partition (`seqAt` gives the entry id within it); empty when 1. */
  readonly partitions: Uint8Array;
}

/**
 * Where the live correlator gets its events: the event log read in order (every partition,
 * merged: EventLog.readMerged), each entry parsed, validated and routed (the stateless half of
 * correlation), so the correlator only applies.
 */
export interface LogReader {
  /**
   * Gets ready to read before the first `seek` (a reader thread starts, compiles its rules and
   * connects), so that work overlaps the correlator's restore instead of following it.
   */
  prepare?(): void;
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
  next(): Promise<LogBatch>;
  close(): Promise<void>;
}
