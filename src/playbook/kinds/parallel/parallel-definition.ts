import type { BaseStateDefinition, StateDefinition } from '../../definition/types.js';

/** One branch: its own small state machine, ending in its own `end` states. */
export interface ParallelBranch {
  readonly start: string;
  readonly states: Readonly<Record<string, StateDefinition>>;
}

/**
 * Branches run at the same time. `all` joins when every branch has ended (on to `next` if all
 * ended `resolved`); `any` joins on the first branch to end `resolved` and withdraws the
 * others. Anything else takes `onFailure` (undefined = the run ends failed).
 */
export interface ParallelStateDefinition extends BaseStateDefinition {
  readonly kind: 'parallel';
  readonly join: 'all' | 'any';
  readonly branches: Readonly<Record<string, ParallelBranch>>;
  readonly next: string;
  readonly onFailure: string | undefined;
}

/** How each branch of each parallel state ended (run context `branches`). */
export type BranchOutcomes = Readonly<Record<string, Readonly<Record<string, string>>>>;
