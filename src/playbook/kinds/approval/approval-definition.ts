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
}
