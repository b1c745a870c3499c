import type { Severity } from '../../ingest/canonical-event.js';

/**
 * A validated playbook with every default applied and every reference resolved. This, not
 * the YAML, is what gets compiled, hashed and stored with runs: a run always resumes on the
 * exact definition it started with, even after the file changes.
 */
export interface PlaybookDefinition {
  readonly apiVersion: 'cordon/v1';
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly trigger: {
    /** Rule keys (name or id) whose incidents start this playbook. */
    readonly rules: readonly string[];
    /** Empty = any severity. */
    readonly severities: readonly Severity[];
  };
  readonly start: string;
  readonly states: Readonly<Record<string, StateDefinition>>;
}

export type StateDefinition = ActionStateDefinition | ApprovalStateDefinition | EndStateDefinition;

export interface ActionStateDefinition {
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

export interface ApprovalStateDefinition {
  readonly kind: 'approval';
  /** A decider must hold at least one. */
  readonly roles: readonly string[];
  /** Distinct approvers needed; any one rejection rejects. */
  readonly quorum: number;
  readonly timeoutMs: number;
  readonly message: string;
  readonly on: { readonly approved: string; readonly rejected: string; readonly timeout: string };
}

export type EndOutcome = 'resolved' | 'failed' | 'cancelled';

export interface EndStateDefinition {
  readonly kind: 'end';
  readonly outcome: EndOutcome;
}

/** What validation needs to know about the rest of the installation. */
export interface PlaybookContext {
  /** Action connectors by name → type. */
  readonly connectors: ReadonlyMap<string, string>;
  /**
   * Rules that open incidents, by key (name or id) → their group-by field names. Undefined
   * when rules are not known (the playbook is validated alone); references are then not checked.
   */
  readonly rules: ReadonlyMap<string, readonly string[]> | undefined;
}
