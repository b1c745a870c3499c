import type { BaseStateDefinition } from '../../definition/types.js';

/** One queued job: connector + operation + inputs, with retry, timeout and optional undo. */
export interface ActionStateDefinition extends BaseStateDefinition {
  readonly kind: 'action';
  readonly operation: string;
  readonly connector: string;
  readonly connectorType: string;
  /** Inputs as written: values may hold {{ templates }}, rendered when the step runs. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly undo: string | undefined;
  readonly retry: {
    readonly attempts: number;
    readonly backoff: 'fixed' | 'exponential';
    readonly delayMs: number;
  };
  readonly timeoutMs: number;
  readonly automatic: boolean;
  readonly next: string;
  /** Where a failed action goes; undefined = the run ends failed. */
  readonly onFailure: string | undefined;
}
