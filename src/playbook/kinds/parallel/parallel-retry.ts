import { FAILED_STATE } from '../../definition/failed-state.js';
import type { RunContext, RunEvent } from '../../definition/compile-playbook.js';
import type { PlaybookDefinition } from '../../definition/types.js';
import type { FailedAt } from '../../runtime/run-record.js';

/** Where a branch state sits: its parallel state and branch (undefined for a top-level state). */
export function branchOf(
  definition: PlaybookDefinition,
  leaf: string,
): { readonly parallel: string; readonly branch: string } | undefined {
  for (const [parallel, def] of Object.entries(definition.states)) {
    if (def.kind !== 'parallel') continue;
    for (const [branch, b] of Object.entries(def.branches))
      if (leaf in b.states) return { parallel, branch };
  }
  return undefined;
}

/**
 * What a retry would restart, after one transition: `FailedAt` to save, `null` to clear it,
 * undefined to leave it as it is.
 *
 * - An action with no failure path fails the run (top level): restart at it, with its gate.
 * - An action with no failure path ends its branch failed: the branch is noted under its
 *   parallel state (with the gate that admitted the action), whether or not the run fails
 *   now; the note stays while the run is in that parallel state and when it fails at its join,
 *   and is cleared once the run leaves it any other way.
 */
export function failedAtAfter(
  definition: PlaybookDefinition,
  run: { readonly state: string; readonly context: RunContext; readonly failedAt?: FailedAt },
  moved: string,
  event: RunEvent,
  next: {
    readonly state: string;
    readonly failed: boolean;
    readonly leaves: Readonly<Record<string, number>>;
    readonly context: RunContext;
  },
): FailedAt | null | undefined {
  if (event.type === 'action.failed') {
    const where = branchOf(definition, moved);
    if (
      where &&
      !(moved in next.leaves) &&
      next.context.branches?.[where.parallel]?.[where.branch] === 'failed'
    ) {
      const prior = run.failedAt?.state === where.parallel ? run.failedAt.branches : undefined;
      return {
        state: where.parallel,
        gate: null,
        branches: { ...prior, [where.branch]: { state: moved, gate: run.context.gate } },
      };
    }
    if (!where && next.state === FAILED_STATE && definition.states[moved]?.kind === 'action')
      return { state: moved, gate: run.context.gate };
  }
  const noted = run.failedAt?.branches ? run.failedAt.state : undefined;
  if (noted === undefined) return undefined;
  if (next.state === noted) return undefined;
  if (next.failed && next.state === FAILED_STATE && run.state === noted) return undefined;
  return null;
}

/** How a run that failed at a parallel state's join restarts its failed branches. */
export interface BranchRestart {
  /** The xstate value: resolved branches at one of their `resolved` ends, the others at the failed action. */
  readonly value: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The failed actions to run again. */
  readonly states: readonly string[];
  readonly gate: RunContext['gate'];
  /** Branch outcomes with the failed branches' removed. */
  readonly outcomes: Readonly<Record<string, string>>;
  readonly branches: readonly string[];
}

/**
 * The restart of the branches noted in `failedAt`, or why there is none: every branch that did
 * not resolve must have failed at an action (a branch that reached `end: failed` or
 * `end: cancelled` ended as written), and at most one of those actions was admitted by an
 * approval (a run holds one gate: the approver's binding must come back with its action).
 */
export function branchRestart(
  definition: PlaybookDefinition,
  context: RunContext,
  failedAt: FailedAt,
): BranchRestart | { readonly refused: string } {
  const def = definition.states[failedAt.state];
  const noted = failedAt.branches ?? {};
  if (def?.kind !== 'parallel') return { refused: `"${failedAt.state}" is not a parallel state` };
  const outcomes = context.branches?.[failedAt.state] ?? {};
  const value: Record<string, string> = {};
  const kept: Record<string, string> = {};
  const retried: string[] = [];
  for (const [branch, b] of Object.entries(def.branches)) {
    if (outcomes[branch] === 'resolved') {
      const end = Object.entries(b.states).find(
        ([, s]) => s.kind === 'end' && (s as { outcome?: string }).outcome === 'resolved',
      );
      if (!end) return { refused: `branch "${branch}" has no resolved end` };
      value[branch] = end[0];
      kept[branch] = 'resolved';
      continue;
    }
    const at = noted[branch];
    if (!at)
      return {
        refused: `branch "${branch}" ended ${outcomes[branch] ?? 'without an outcome'}, not at a failed action`,
      };
    value[branch] = at.state;
    retried.push(branch);
  }
  const gates = retried.map((b) => noted[b]?.gate).filter((g) => g);
  if (gates.length > 1)
    return { refused: 'more than one failed branch action was admitted by an approval' };
  return {
    value: { [failedAt.state]: value },
    states: retried.map((b) => noted[b]?.state ?? ''),
    gate: gates[0] ?? null,
    outcomes: kept,
    branches: retried,
  };
}
