import type { BaseStateDefinition } from '../../definition/types.js';

/** Who may approve, how many, for how long; outcomes approved / rejected / timeout. */
export interface ApprovalStateDefinition extends BaseStateDefinition {
  readonly kind: 'approval';
  /** A decider must hold at least one. */
  readonly roles: readonly string[];
  /** Distinct approvers needed; any one rejection rejects. */
  readonly quorum: number;
  readonly timeoutMs: number;
  readonly message: string;
  readonly on: { readonly approved: string; readonly rejected: string; readonly timeout: string };
  /** What happens while nobody decides, in order of `afterMs` (`escalate:`); absent = nothing. */
  readonly escalate?: readonly ApprovalEscalationDefinition[];
}

/** One escalation step: after this long undecided, notify someone and/or widen the roles. */
export interface ApprovalEscalationDefinition {
  /** From when the approval was asked for (0 when `after` is computed). */
  readonly afterMs: number;
  /**
   * A computed `after` (`${{ <CEL> }}`, a duration): its CEL source, evaluated over the run's
   * context when the approval is entered; absent for a fixed delay.
   */
  readonly after?: string;
  /** Roles added to those that may decide (votes cast afterwards may use them). */
  readonly roles: readonly string[];
  /** `roles: { set: [...] }`: the roles replace those that may decide instead of adding. */
  readonly setRoles?: true;
  /** A non-mutating operation to run (a notification); inputs may hold templates. */
  readonly notify?: {
    readonly operation: string;
    readonly connector: string;
    readonly connectorType: string;
    readonly inputs: Readonly<Record<string, unknown>>;
  };
}
