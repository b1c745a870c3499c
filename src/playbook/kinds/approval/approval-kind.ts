import { assign } from 'xstate';
import type { ApprovalRecord, RunContext, RunEvent } from '../../definition/compile-playbook.js';
import type { StateKind } from '../state-kind.js';
import type { ApprovalStateDefinition } from './approval-definition.js';
import {
  approvalDelayName,
  beforeApprovalEvent,
  cancelApproval,
  performApproval,
  reconcileApproval,
} from './approval-runtime.js';
import { validateApproval } from './validate-approval.js';
import { escalationAfterMs, escalationDelayName } from './approval-escalation.js';
import { approvalSchema, dryRunApproval, graphApproval } from './approval-tooling.js';

/**
 * `approval`: entering asks for the `cordon.approval` effect (an approval record, bound to the
 * exact inputs of the action it lets run); decisions arrive as events, the timeout is an
 * xstate `after` the runner keeps as a durable delayed job.
 */
export const approvalKind: StateKind<ApprovalStateDefinition> = {
  key: 'approval',
  resting: 'waiting',
  validate: validateApproval,
  graph: graphApproval,
  dryRun: dryRunApproval,
  schema: approvalSchema,
  edges: (def) => [
    { to: def.on.approved, approved: true },
    { to: def.on.rejected, approved: false },
    { to: def.on.timeout, approved: false },
  ],
  compile: (name, def, machine) => {
    const delay = approvalDelayName(name);
    machine.delays[delay] = def.timeoutMs;
    const gatesAction = machine.playbook.states[def.on.approved]?.kind === 'action';
    return {
      entry: [{ type: 'cordon.approval', params: { state: name } }],
      on: {
        // Guarded by state: inside a parallel state every branch sees every event.
        'approval.approved': {
          guard: { type: 'decisionOf', params: { state: name } },
          target: def.on.approved,
          actions: [
            { type: 'recordApproval', params: { state: name, decision: 'approved' } },
            ...(gatesAction ? [{ type: 'openGate', params: { state: def.on.approved } }] : []),
          ],
        },
        'approval.rejected': {
          guard: { type: 'decisionOf', params: { state: name } },
          target: def.on.rejected,
          actions: [{ type: 'recordApproval', params: { state: name, decision: 'rejected' } }],
        },
      },
      after: {
        [delay]: {
          target: def.on.timeout,
          actions: [{ type: 'recordApproval', params: { state: name, decision: 'timeout' } }],
        },
        // Escalations: timers with no target; the runner takes them in beforeEvent.
        ...Object.fromEntries(
          (def.escalate ?? []).map((step, i) => {
            // A computed delay is computed as the approval is entered, from the run's context;
            // one that never happens waits past the timeout (leaving the state cancels it).
            machine.delays[escalationDelayName(name, i)] =
              step.after === undefined
                ? step.afterMs
                : ({ context }: { context: RunContext }): number =>
                    escalationAfterMs(step, context, def.timeoutMs) ?? def.timeoutMs + 1;
            return [escalationDelayName(name, i), { actions: [] }];
          }),
        ),
      },
    };
  },
  guards: {
    decisionOf: (({ event }: { event: RunEvent }, p: { state: string }) =>
      (event as { state?: string }).state === p.state) as never,
  },
  actions: {
    recordApproval: assign(
      (
        { context, event }: { context: RunContext; event: RunEvent },
        params: { state: string; decision: ApprovalRecord['decision'] },
      ) => {
        const e = event as { approvalId?: string; by?: string[]; at?: number };
        const record: ApprovalRecord = {
          id: e.approvalId ?? '',
          decision: params.decision,
          by: e.by ?? [],
          at: e.at ?? 0,
        };
        return { approvals: { ...context.approvals, [params.state]: record } };
      },
    ),
    openGate: assign(({ event }: { event: RunEvent }, params: { state: string }) => {
      const e = event as { approvalId?: string; inputsHash?: string };
      return {
        gate: {
          state: params.state,
          approvalId: e.approvalId ?? '',
          inputsHash: e.inputsHash ?? '',
        },
      };
    }),
  },
  effect: {
    action: 'cordon.approval',
    idPrefix: 'apr',
    perform: performApproval,
    timeline: 'approval.requested',
    timelineId: 'approvalId',
  },
  beforeEvent: beforeApprovalEvent,
  reconcile: reconcileApproval,
  cancel: cancelApproval,
};
