import type { EntityField } from '../canonical-event.js';
import type { KeepPolicy } from '../keep-policy.js';
import type { PreparedBatch } from '../stored-batch.js';

/** A source as an ingest worker thread knows it (plain data; options as compiled). */
export interface PoolSource {
  readonly name: string;
  readonly type: string;
  readonly options: unknown;
  readonly keep: KeepPolicy | undefined;
  readonly partitionBy?: EntityField;
}

/** Given to each worker thread as its workerData. */
export interface PoolWorkerInit {
  readonly sources: readonly PoolSource[];
  readonly maxDepth: number | undefined;
}

/** One body to read (main → worker). The body is a copy, transferred. */
export interface PoolJob {
  readonly id: number;
  readonly source: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly endpoint?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly now: number;
}

/** Worker → main: the prepared batch, or the error the kind threw (a bug, as inline). */
export type PoolReply =
  | { readonly id: number; readonly result: PreparedBatch }
  | { readonly id: number; readonly failure: { readonly name: string; readonly message: string } };
