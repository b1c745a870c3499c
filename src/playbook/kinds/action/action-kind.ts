import { assign } from 'xstate';
import type { RunContext, RunEvent, StepRecord } from '../../definition/compile-playbook.js';
import { FAILED_STATE } from '../../definition/failed-state.js';
import type { StateKind } from '../state-kind.js';
import type { ActionStateDefinition } from './action-definition.js';
import { cancelAction, performAction, queuedAction, reconcileAction } from './action-runtime.js';
import { actionUndoEntry } from './action-undo.js';
import { validateAction } from './validate-action.js';
import { actionSchema, dryRunAction, graphAction } from './action-tooling.js';

/**
 * `action`: one queued job. Entering the state asks for the `cordon.action` effect (the runner
 * queues the BullMQ job under a deterministic id); the job's outcome comes back as
 * `action.succeeded` / `action.failed`, recorded under `steps.<state>`.
 */
export const actionKind: StateKind<ActionStateDefinition> = {
  key: 'action',
  resting: 'running',
  recordsStep: true,
  validate: validateAction,
  graph: graphAction,
  dryRun: dryRunAction,
  schema: actionSchema,
  edges: (def) => [
    { to: def.next, approved: false },
    ...(def.onFailure ? [{ to: def.onFailure, approved: false }] : []),
  ],
  mutation: (def, operation) =>
    !def.automatic && operation(def.operation)?.mutating ? def.operation : undefined,
  compile: (name, def) => ({
    entry: [{ type: 'cordon.action', params: { state: name } }],
    on: {
      // Guarded by state: inside a parallel state every branch sees every event.
      'action.succeeded': {
        guard: { type: 'actionOf', params: { state: name } },
        target: def.next,
        actions: [{ type: 'recordStep', params: { state: name } }],
      },
      'action.failed': {
        guard: { type: 'actionOf', params: { state: name } },
        target: def.onFailure ?? FAILED_STATE,
        actions: [{ type: 'recordStep', params: { state: name } }],
      },
    },
  }),
  guards: {
    actionOf: (({ event }: { event: RunEvent }, p: { state: string }) =>
      (event as { state?: string }).state === p.state) as never,
  },
  actions: {
    recordStep: assign(
      ({ context, event }: { context: RunContext; event: RunEvent }, params: { state: string }) => {
        if (event.type !== 'action.succeeded' && event.type !== 'action.failed') return {};
        const record: StepRecord =
          event.type === 'action.succeeded'
            ? { status: 'succeeded', result: event.result, attempts: event.attempts }
            : { status: 'failed', error: event.error, attempts: event.attempts };
        // Any gate is single-use: it admitted exactly this step.
        return { steps: { ...context.steps, [params.state]: record }, gate: null };
      },
    ),
  },
  effect: {
    action: 'cordon.action',
    idPrefix: 'act',
    perform: performAction,
    queued: queuedAction,
    timeline: 'action.queued',
    timelineId: 'jobId',
  },
  reconcile: reconcileAction,
  undoable: actionUndoEntry,
  cancel: cancelAction,
  implicitFailure: (def) => def.onFailure === undefined,
};
