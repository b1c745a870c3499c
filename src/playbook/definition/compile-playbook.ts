import { assign, setup, type AnyStateMachine } from 'xstate';
import { sha256Hex, stableStringify } from '../../shared/hash.js';
import type { PlaybookDefinition } from './types.js';

/** What a run's machine holds; persisted with every transition. */
export interface RunContext {
  readonly incident: Readonly<Record<string, unknown>>;
  readonly run: { readonly id: string; readonly playbook: string; readonly startedAt: number };
  readonly steps: Readonly<Record<string, StepRecord>>;
  readonly approvals: Readonly<Record<string, ApprovalRecord>>;
  /** Set when an approval lets a run into an action: the inputs hash the approver saw. */
  readonly gate: {
    readonly state: string;
    readonly approvalId: string;
    readonly inputsHash: string;
  } | null;
}

export interface StepRecord {
  readonly status: 'succeeded' | 'failed';
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
  readonly attempts: number;
}

export interface ApprovalRecord {
  readonly id: string;
  readonly decision: 'approved' | 'rejected' | 'timeout';
  readonly by: readonly string[];
  readonly at: number;
}

export type RunEvent =
  | { type: 'action.succeeded'; state: string; result: unknown; attempts: number }
  | {
      type: 'action.failed';
      state: string;
      error: { code: string; message: string };
      attempts: number;
    }
  | {
      type: 'approval.approved';
      state: string;
      approvalId: string;
      by: string[];
      inputsHash: string;
      at: number;
    }
  | { type: 'approval.rejected'; state: string; approvalId: string; by: string[]; at: number }
  | { type: `xstate.after.${string}`; approvalId?: string; at?: number };

export interface CompiledPlaybook {
  readonly definition: PlaybookDefinition;
  /** sha256 of the definition: the version runs are pinned to. */
  readonly hash: string;
  readonly machine: AnyStateMachine;
}

/** Name of the implicit final state a failed action leads to when no on_failure is given. */
export const FAILED_STATE = '__failed';

export function playbookHash(def: PlaybookDefinition): string {
  return sha256Hex(stableStringify(def));
}

export function approvalDelayName(state: string): string {
  return `approval_${state}`;
}

/**
 * Compiles a validated definition into an xstate v5 machine whose side effects are *named*
 * actions (`cordon.action`, `cordon.approval`, `cordon.end`) with no implementation: the
 * runtime takes them from xstate's pure `transition()` and performs them durably.
 */
export function compilePlaybook(def: PlaybookDefinition): CompiledPlaybook {
  const delays: Record<string, number> = {};
  const states: Record<string, object> = {};
  let needsFailed = false;

  for (const [name, state] of Object.entries(def.states)) {
    switch (state.kind) {
      case 'action':
        needsFailed ||= state.onFailure === undefined;
        states[name] = {
          entry: [{ type: 'cordon.action', params: { state: name } }],
          on: {
            'action.succeeded': {
              target: state.next,
              actions: [{ type: 'recordStep', params: { state: name } }],
            },
            'action.failed': {
              target: state.onFailure ?? FAILED_STATE,
              actions: [{ type: 'recordStep', params: { state: name } }],
            },
          },
        };
        break;
      case 'approval': {
        const delay = approvalDelayName(name);
        delays[delay] = state.timeoutMs;
        const gatesAction = def.states[state.on.approved]?.kind === 'action';
        states[name] = {
          entry: [{ type: 'cordon.approval', params: { state: name } }],
          on: {
            'approval.approved': {
              target: state.on.approved,
              actions: [
                { type: 'recordApproval', params: { state: name, decision: 'approved' } },
                ...(gatesAction
                  ? [{ type: 'openGate', params: { state: state.on.approved } }]
                  : []),
              ],
            },
            'approval.rejected': {
              target: state.on.rejected,
              actions: [{ type: 'recordApproval', params: { state: name, decision: 'rejected' } }],
            },
          },
          after: {
            [delay]: {
              target: state.on.timeout,
              actions: [{ type: 'recordApproval', params: { state: name, decision: 'timeout' } }],
            },
          },
        };
        break;
      }
      case 'end':
        states[name] = {
          type: 'final',
          entry: [{ type: 'cordon.end', params: { outcome: state.outcome } }],
        };
        break;
    }
  }
  if (needsFailed) {
    states[FAILED_STATE] = {
      type: 'final',
      entry: [{ type: 'cordon.end', params: { outcome: 'failed' } }],
    };
  }

  const machine = setup({
    types: { context: {} as RunContext, events: {} as RunEvent, input: {} as RunContext },
    actions: {
      // Performed by the runtime, durably, from the action list transition() returns.
      'cordon.action': () => undefined,
      'cordon.approval': () => undefined,
      'cordon.end': () => undefined,
      recordStep: assign(({ context, event }, params: { state: string }) => {
        if (event.type !== 'action.succeeded' && event.type !== 'action.failed') return {};
        const record: StepRecord =
          event.type === 'action.succeeded'
            ? { status: 'succeeded', result: event.result, attempts: event.attempts }
            : { status: 'failed', error: event.error, attempts: event.attempts };
        // Any gate is single-use: it admitted exactly this step.
        return { steps: { ...context.steps, [params.state]: record }, gate: null };
      }),
      recordApproval: assign(
        ({ context, event }, params: { state: string; decision: ApprovalRecord['decision'] }) => {
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
      openGate: assign(({ event }, params: { state: string }) => {
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
    delays,
  }).createMachine({
    id: def.id,
    initial: def.start,
    context: ({ input }: { input: RunContext }) => input,
    states,
  } as never);

  return {
    definition: def,
    hash: playbookHash(def),
    machine: machine as unknown as AnyStateMachine,
  };
}
