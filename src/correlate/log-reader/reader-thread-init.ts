import type { EngineOptions } from '../engine/engine.js';
import type { LogBatch } from './log-reader.js';
import type { RuleSource } from '../rule/rule-source.js';

/** How the correlator's reader thread connects and routes (plain data: it crosses threads). */
export interface ReaderThreadOptions {
  readonly redisUrl: string;
  /** Key prefix of this Cordon (the event log's key is derived from it). */
  readonly keyPrefix: string;
  /** CORDON_EVENT_LOG_PARTITIONS (default 1). */
  readonly eventLogPartitions?: number;
  readonly connectionName: string;
  readonly commandTimeoutMs: number;
  /** The rule files: the thread compiles them again, to the same rule set as the correlator. */
  readonly sources: readonly RuleSource[];
}

export interface ReaderThreadInit extends ReaderThreadOptions {
  readonly engineOptions: Omit<EngineOptions, 'owned'>;
  readonly batchSize: number;
  readonly blockMs: number;
  /** Batches read and routed ahead of the one being applied. */
  readonly readAhead: number;
}

/** Main → reader thread. */
export type ReaderCommand =
  | { readonly type: 'seek'; readonly epoch: number; readonly position: string }
  | { readonly type: 'credit'; readonly epoch: number };

/** Reader thread → main. */
export type ReaderReply =
  | {
      readonly type: 'batch';
      readonly epoch: number;
      readonly batch: LogBatch;
    }
  | {
      readonly type: 'error';
      readonly epoch: number;
      readonly message: string;
      readonly name: string;
    };
