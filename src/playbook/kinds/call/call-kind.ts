import { assign } from 'xstate';
import type { RunContext, RunEvent } from '../../definition/compile-playbook.js';
import { FAILED_STATE } from '../../definition/failed-state.js';
import type { StateKind } from '../state-kind.js';
import { CALL_ID_PREFIX, type CallStateDefinition } from './call-definition.js';
import {
  adoptedCallUndo,
  beforeCallEvent,
  cancelCall,
  callStepRecord,
  childRunId,
  callTimeoutName,
  performCall,
  reconcileCall,
} from './call-runtime.js';
import { callSchema, dryRunCall, graphCall } from './call-tooling.js';
import { validateCall } from './validate-call.js';

/**
 * `call`: another playbook as a sub-run. Entering the state asks for the `cordon.call` effect
 * (the runner queues the child's start job; the effect id is the child's run id); the child's
 * end comes back as one `call.ended` event (its id derived from the child's), recorded under
 * `steps.<state>` with the outputs. An optional timeout cancels the child and fails the call.
 */
export const callKind: StateKind<CallStateDefinition> = {
  key: 'call',
  resting: 'running',
  recordsStep: true,
  validate: validateCall,
  graph: graphCall,
  dryRun: dryRunCall,
  schema: callSchema,
  edges: (def) => [
    { to: def.next, approved: false },
    ...(def.onFailure ? [{ to: def.onFailure, approved: false }] : []),
  ],
  implicitFailure: (def) => def.onFailure === undefined,
  compile: (name, def, machine) => {
    const fail = def.onFailure ?? FAILED_STATE;
    const record = [{ type: 'recordCall', params: { state: name, timeoutMs: def.timeoutMs } }];
    const after: Record<string, object> = {};
    if (def.timeoutMs !== undefined) {
      machine.delays[callTimeoutName(name)] = def.timeoutMs;
      after[callTimeoutName(name)] = { target: fail, actions: record };
    }
    return {
      entry: [{ type: 'cordon.call', params: { state: name } }],
      on: {
        'call.ended': [
          {
            guard: { type: 'callResolved', params: { state: name } },
            target: def.next,
            actions: record,
          },
          { guard: { type: 'callOf', params: { state: name } }, target: fail, actions: record },
        ],
      },
      after,
    };
  },
  guards: {
    callOf: (({ event }: { event: RunEvent }, p: { state: string }) =>
      event.type === 'call.ended' && event.state === p.state) as never,
    callResolved: (({ event }: { event: RunEvent }, p: { state: string }) =>
      event.type === 'call.ended' &&
      event.state === p.state &&
      event.outcome === 'resolved') as never,
  },
  actions: {
    recordCall: assign(
      (
        { context, event }: { context: RunContext; event: RunEvent },
        p: { state: string; timeoutMs: number | undefined },
      ) => {
        const record = callStepRecord(event, p);
        return record ? { steps: { ...context.steps, [p.state]: record } } : {};
      },
    ),
  },
  effect: {
    action: 'cordon.call',
    idPrefix: CALL_ID_PREFIX,
    perform: performCall,
    timeline: 'call.started',
    timelineId: 'childRunId',
  },
  beforeEvent: beforeCallEvent,
  adoptedUndo: adoptedCallUndo,
  reconcile: reconcileCall,
  cancel: cancelCall,
  subRun: (run, _def, at) => childRunId(run.id, at.state, at.step),
  // A timeout: the sub-run beforeCallEvent cancelled may not have existed yet, and its start
  // may land before the parent's move is saved (createSubRun lets it in): cancelled after too.
  leavesBehind: (_def, event) => event.type !== 'call.ended',
};
