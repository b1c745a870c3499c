import type { ActionStateDefinition } from './action/action-definition.js';
import { actionKind } from './action/action-kind.js';
import type { ApprovalStateDefinition } from './approval/approval-definition.js';
import { approvalKind } from './approval/approval-kind.js';
import type { CallStateDefinition } from './call/call-definition.js';
import { callKind } from './call/call-kind.js';
import { choiceKind, type ChoiceStateDefinition } from './choice/choice-kind.js';
import { endKind, type EndStateDefinition } from './end/end-kind.js';
import type { ParallelStateDefinition } from './parallel/parallel-definition.js';
import { parallelKind } from './parallel/parallel-kind.js';
import type { StateKind } from './state-kind.js';
import { waitKind, type WaitStateDefinition } from './wait/wait-kind.js';

/**
 * Every playbook state kind, one folder each. The validator, compiler, graph checks and runner
 * know kinds only through this list and the StateKind interface.
 */
export const STATE_KINDS: readonly StateKind[] = [
  actionKind,
  approvalKind,
  choiceKind,
  waitKind,
  parallelKind,
  callKind,
  endKind,
] as readonly StateKind[];

/** The definitions of the kinds that run (the registry's second line to touch for a new kind). */
export type KnownStateDefinition =
  | ActionStateDefinition
  | ApprovalStateDefinition
  | ChoiceStateDefinition
  | WaitStateDefinition
  | ParallelStateDefinition
  | CallStateDefinition
  | EndStateDefinition;

const BY_KEY = new Map(STATE_KINDS.map((k) => [k.key, k]));

export function stateKind(key: string): StateKind | undefined {
  return BY_KEY.get(key);
}

/** The kind whose entry effect is the named xstate action (`cordon.action` …). */
export function kindByEffectAction(action: string): StateKind | undefined {
  return STATE_KINDS.find((k) => k.effect?.action === action);
}
