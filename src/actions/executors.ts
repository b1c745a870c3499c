import type { CaseStore } from '../store/case-store.js';
import type { LimiterStore } from '../store/limiter-store.js';
import { builtinExecutorTable } from './connectors/executor-table.js';

export interface ActionContext {
  /** The connector instance (connectors/*.yaml name) the action names. */
  readonly connector?: string;
  /** Idempotency key of this side effect; the same key never acts twice. */
  readonly effectKey: string;
  readonly runId: string;
  readonly incidentId: string;
  readonly now: number;
  readonly signal: AbortSignal;
  /** How long this attempt may take (its signal aborts then); absent = not bounded here. */
  readonly timeoutMs?: number;
  /** This is the step's last attempt: no retry of this effect follows a failure. */
  readonly lastAttempt?: boolean;
  /**
   * Set when this call takes back an earlier effect (a playbook `undo`): that effect's key,
   * operation, inputs and result, so the connector can restore what the original replaced.
   */
  readonly undoOf?: {
    readonly effectKey: string;
    readonly operation: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly result: unknown;
  };
}

export type Executor = (
  inputs: Readonly<Record<string, unknown>>,
  ctx: ActionContext,
) => Promise<unknown>;

/**
 * Implementations by connector type, then operation; built from the connector-type registry
 * by src/actions/connectors/executor-table.ts.
 */
export type ExecutorTable = Readonly<Record<string, Readonly<Record<string, Executor>>>>;

/** The built-in connectors alone (the limiter and case store), with no connectors/ instances. */
export function builtinExecutors(deps: { limiter: LimiterStore; cases: CaseStore }): ExecutorTable {
  return builtinExecutorTable(deps);
}
