import type { SecretRef } from '../../config/connectors.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { DiagnosticSink } from '../../shared/yaml.js';
import type { CaseStore } from '../../store/case-store.js';
import type { LimiterStore } from '../../store/limiter-store.js';
import type { ActionContext } from '../executors.js';
import type { PacingStore } from '../http/shared-pacer.js';
import type { OperationSpec } from '../operations.js';
import type { ActionInstance } from './instance-config.js';
import type { SecretSource } from './secrets.js';

/**
 * One kind of system actions act on (Slack, Jira, Kong, the built-in limiter, ...). A type
 * validates its instances' options, creates a client per instance, and offers operations;
 * the registry (registry.ts) lists the types, so adding one is adding a folder.
 */
export interface ConnectorType<C = unknown> {
  readonly type: string;
  readonly description: string;
  /** Talks HTTP: instances take url, auth, timeout, retry, rate_limit and allow_hosts. */
  readonly http: boolean;
  readonly urlRequired?: boolean;
  /** Shown in validation messages. */
  readonly exampleUrl?: string;
  readonly options?: {
    compile(
      value: unknown,
      sink: DiagnosticSink,
      parseSecret: (
        ref: unknown,
        sink: DiagnosticSink,
        path: (string | number)[],
      ) => SecretRef | undefined,
    ): unknown;
    /** Secret references inside the options (PagerDuty routing key), checked at start. */
    secrets?(options: unknown): readonly SecretRef[];
  };
  create(instance: ActionInstance, deps: ConnectorDeps): C;
  readonly operations: Readonly<Record<string, ConnectorOperation<C>>>;
}

/** What an operation promises; several types may implement the same contract. */
export type OperationContract = Omit<OperationSpec, 'connectorTypes'>;

export interface ConnectorOperation<C> {
  readonly contract: OperationContract;
  /** How a retry avoids acting twice (README table). */
  readonly idempotency: string;
  /**
   * `atomic`: the effect writes its own ledger entry (built-in Redis stores), its naming
   * (memo connector, `ctx.connector`) included. `journal`: the executor names the instance,
   * answers a retry from the ledger and records the result after the call.
   */
  readonly ledger: 'atomic' | 'journal';
  run(
    inputs: Readonly<Record<string, unknown>>,
    ctx: OperationContext,
    client: C,
  ): Promise<unknown>;
  /** Restores what `run` changed, from its recorded result (README: "undo"). */
  readonly undoes?: string;
  undo?(undoOf: UndoOf, ctx: OperationContext, client: C): Promise<unknown>;
  /** Containment other runs may hold on the same target at once (holds.ts). */
  readonly holds?: HoldSpec;
}

/**
 * How an operation takes part in overlapping containment (README "Overlapping containment").
 * `hold`: it places a hold on the instance's target (the `key` input); its undo takes back
 * only that hold, so a target another run still holds stays contained. `release`: run as a
 * step of its own (not as an undo), it lifts the target whoever held it, and the holds go.
 * Holds of one `family` on one target stack, newest on top.
 */
export interface HoldSpec {
  readonly family: string;
  readonly role: 'hold' | 'release';
  /**
   * A hold undone from the top of the stack, with holds left beneath, runs the operation of
   * the newest one left again with its inputs (a rate limit: the one beneath is in force
   * again). Without it the target stays as it is (a blocked key stays blocked).
   */
  readonly reapply?: boolean;
}

/** The effect an undo reverses (set on the action context by the playbook runtime). */
export interface UndoOf {
  readonly effectKey: string;
  readonly operation: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly result: unknown;
}

/**
 * Values an operation keeps for its effect key across retries (what it replaced, the ticket it
 * created), stored beside the effect's ledger entry and never returned to runs.
 */
export interface EffectMemo {
  /** The value stored under `name` for this effect, computing and storing it the first time. */
  remember<T>(name: string, compute: () => Promise<T>): Promise<T>;
  /** The stored value, if any. */
  recall<T>(name: string): Promise<T | undefined>;
  /** A value another effect stored (an undo reading what the original kept). */
  recallFrom<T>(effectKey: string, name: string): Promise<T | undefined>;
}

export interface OperationContext extends ActionContext {
  readonly connector: string;
  readonly undoOf?: UndoOf;
  readonly memo: EffectMemo;
}

export interface ConnectorDeps {
  readonly clock: Clock;
  readonly limiter?: LimiterStore;
  readonly cases?: CaseStore;
  readonly secrets: SecretSource;
  readonly logger?: Logger;
  /** Injected so tests run backoff without waiting. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  /** Redis for outbound rate limits shared by every process; absent = per process. */
  readonly pacing?: PacingStore;
}

/** Declares a type with its client type checked, stored in the registry untyped. */
export function defineConnectorType<C>(type: ConnectorType<C>): ConnectorType {
  return type;
}

/** Inputs were validated as scalars; this renders one as text ('' when absent). */
export function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}
