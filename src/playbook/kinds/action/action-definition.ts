import type { BaseStateDefinition } from '../../definition/types.js';

/** One queued job: connector + operation + inputs, with retry, timeout and optional undo. */
export interface ActionStateDefinition extends BaseStateDefinition {
  readonly kind: 'action';
  readonly operation: string;
  readonly connector: string;
  readonly connectorType: string;
  /** The route (connectors/, type route) the state named, which picked `connector`. */
  readonly via?: string;
  /** Inputs as written: values may hold {{ templates }}, rendered when the step runs. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The operation that reverses this one, when declared (`undo:`). */
  readonly undo: string | undefined;
  /**
   * Inputs of the undo as written (`undo: { action, with }`, may hold templates); undefined =
   * the action's own rendered inputs, kept to those the undo operation takes.
   */
  readonly undoInputs?: Readonly<Record<string, unknown>>;
  /** Undo this step's effect when a later approval of the run is rejected. */
  readonly undoOnReject?: boolean;
  /** Undo this step's effect automatically this long after it took effect (`expires:`). */
  readonly expiresMs?: number;
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
