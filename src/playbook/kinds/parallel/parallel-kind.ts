import { assign } from 'xstate';
import type { RunContext } from '../../definition/compile-playbook.js';
import { FAILED_STATE } from '../../definition/failed-state.js';
import type { StateDefinition } from '../../definition/types.js';
import type { StateKind } from '../state-kind.js';
import type { ParallelStateDefinition } from './parallel-definition.js';
import { dryRunParallel, graphParallel, parallelSchema } from './parallel-tooling.js';
import { validateParallel } from './validate-parallel.js';

/**
 * `parallel`: branches at the same time, compiled to an xstate parallel state whose regions
 * are the branches. A branch's `end` states (and its own failure end, for an action that fails
 * with no `on_failure`) record how the branch ended in `context.branches`; the join reads
 * that. The runner keeps each branch's position (state and the step it entered it at) in the
 * run record, so an event for one branch never goes stale because another branch moved.
 */
export const parallelKind: StateKind<ParallelStateDefinition> = {
  key: 'parallel',
  resting: 'running',
  validate: validateParallel,
  graph: graphParallel,
  dryRun: dryRunParallel,
  // A getter: branch states take the other kinds' fragments, read once the registry is loaded.
  get schema() {
    return parallelSchema();
  },
  edges: (def) => [
    { to: def.next, approved: false },
    ...(def.onFailure ? [{ to: def.onFailure, approved: false }] : []),
  ],
  implicitFailure: (def) => def.onFailure === undefined,
  joins: (def) => def.join,
  graphs: (def) =>
    Object.entries(def.branches).map(([branch, graph]) => ({
      at: ['parallel', 'branches', branch],
      graph,
    })),
  children: (def) =>
    Object.assign({}, ...Object.values(def.branches).map((b) => b.states)) as Record<
      string,
      StateDefinition
    >,
  compile: (name, def, machine) => {
    const fail = def.onFailure ?? FAILED_STATE;
    const count = Object.keys(def.branches).length;
    const record = (branch: string, outcome: string): object => ({
      type: 'recordBranch',
      params: { state: name, branch, outcome },
    });
    const regions: Record<string, object> = {};
    for (const [branch, b] of Object.entries(def.branches)) {
      const states: Record<string, object> = {};
      for (const [inner, innerDef] of Object.entries(b.states)) {
        const node = machine.compileState(inner, innerDef) as { entry?: unknown[] };
        states[inner] =
          innerDef.kind === 'end'
            ? { ...node, entry: [...(node.entry ?? []), record(branch, innerDef.outcome)] }
            : node;
      }
      // Branch actions without on_failure target "__failed": inside a branch, that ends the
      // branch (failed), not the run; the join decides what the run does.
      states[FAILED_STATE] = { type: 'final', entry: [record(branch, 'failed')] };
      regions[branch] = {
        initial: b.start,
        states,
        ...(def.join === 'any'
          ? {
              onDone: {
                guard: { type: 'branchResolved', params: { state: name, branch } },
                target: `#${machine.playbook.id}.${def.next}`,
              },
            }
          : {}),
      };
    }
    return {
      type: 'parallel',
      entry: [{ type: 'resetBranches', params: { state: name } }],
      states: regions,
      // Every branch ended: with `all`, on if each resolved; with `any`, no branch resolved
      // (one that did would have left already).
      onDone:
        def.join === 'all'
          ? [
              { guard: { type: 'allResolved', params: { state: name, count } }, target: def.next },
              { target: fail },
            ]
          : [{ target: fail }],
    };
  },
  guards: {
    branchResolved: (({ context }: { context: RunContext }, p: { state: string; branch: string }) =>
      context.branches?.[p.state]?.[p.branch] === 'resolved') as never,
    allResolved: (({ context }: { context: RunContext }, p: { state: string; count: number }) => {
      const outcomes = Object.values(context.branches?.[p.state] ?? {});
      return outcomes.length === p.count && outcomes.every((o) => o === 'resolved');
    }) as never,
  },
  actions: {
    resetBranches: assign(({ context }: { context: RunContext }, p: { state: string }) => ({
      branches: { ...context.branches, [p.state]: {} },
    })),
    recordBranch: assign(
      (
        { context }: { context: RunContext },
        p: { state: string; branch: string; outcome: string },
      ) => ({
        branches: {
          ...context.branches,
          [p.state]: { ...context.branches?.[p.state], [p.branch]: p.outcome },
        },
      }),
    ),
  },
};
