import type { RunContext } from '../definition/compile-playbook.js';
import type { RunParent } from '../kinds/call/call-definition.js';
import type { Effect } from './effects.js';
import type { UndoBook } from './undo-book.js';

/**
 * `undoing`: the run takes back its effects (newest first) before it becomes what its undo
 * pass says (cancelled, failed, or back on its path after a rejection).
 */
export type RunStatus = 'running' | 'waiting' | 'undoing' | 'resolved' | 'failed' | 'cancelled';

export const FINAL_STATUSES: readonly RunStatus[] = ['resolved', 'failed', 'cancelled'];

export interface RunRecord {
  readonly id: string;
  readonly playbookId: string;
  /** The exact playbook version this run executes. */
  readonly playbookHash: string;
  readonly incidentId: string;
  /** Who or what started it (`correlation:<rule>`); may never approve its own steps. */
  readonly initiator: string;
  readonly status: RunStatus;
  /** Current state name. */
  readonly state: string;
  /** Transitions applied so far; identifies the current visit of `state`. */
  readonly step: number;
  /** The xstate value when the run is inside a parallel state (else `state` says it all). */
  readonly value?: unknown;
  /**
   * Every position the run rests at → the step it was entered at: one state, or one per
   * parallel branch still going. Events name a position and apply only while it holds.
   */
  readonly leaves?: Readonly<Record<string, number>>;
  /** Compare-and-set token; bumps on every save. */
  readonly version: number;
  readonly context: RunContext;
  /** Effects decided by the last transition and not yet confirmed performed (outbox). */
  readonly pendingEffects: readonly Effect[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly endedAt: number | undefined;
  /** Effects that declared an undo, and the undo pass in progress (absent on older runs). */
  readonly undo?: UndoBook;
  /**
   * Where the run failed, when an action step failed with no failure path: what a retry
   * restarts (with the approval gate that admitted that step, if any).
   */
  readonly failedAt?: FailedAt;
  /** Set on a sub-run: the run whose call state started it (and rests there until it ends). */
  readonly parent?: RunParent;
  /**
   * The step the run rests at is run in place by the action job that finished the step before
   * it (no job of its own was queued): that job's id and the step. Cleared by the next save.
   */
  readonly held?: HeldStep;
}

/** Who runs a step in place (see RunRecord.held): the holding job, and the step it holds. */
export interface HeldStep {
  readonly by: string;
  readonly step: number;
}

export interface FailedAt {
  /** The action that failed, or the parallel state whose branches failed. */
  readonly state: string;
  readonly gate: RunContext['gate'];
  /**
   * Inside a parallel state: each branch that ended failed at an action (no failure path),
   * with the gate that admitted it. A retry restarts those branches at those actions.
   */
  readonly branches?: Readonly<
    Record<string, { readonly state: string; readonly gate: RunContext['gate'] }>
  >;
}

export type TimelineEntry = {
  readonly at: number;
  readonly type: string;
  readonly [field: string]: unknown;
};
