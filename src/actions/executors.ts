export interface ActionContext {
  /** The connector instance (connectors/*.yaml name) the action names. */
  readonly connector?: string;
  /** Idempotency key of this side effect; the same key never acts twice. */
  readonly effectKey: string;
  readonly runId: string;
  readonly incidentId: string;
  readonly now: number;
  readonly signal: AbortSignal;
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
