import { setup, type AnyStateMachine } from 'xstate';
import { sha256Hex, stableStringify } from '../../shared/hash.js';
import type { ChoiceRecord } from '../kinds/choice/choice-kind.js';
import { stateKind, STATE_KINDS } from '../kinds/registry.js';
import type { MachineParts } from '../kinds/state-kind.js';
import type { WaitRecord } from '../kinds/wait/wait-kind.js';
import { FAILED_STATE } from './failed-state.js';
import type { BranchOutcomes } from '../kinds/parallel/parallel-definition.js';
import type { UndoEntry } from '../runtime/undo-book.js';
import type { PlaybookDefinition, StateDefinition } from './types.js';

export { FAILED_STATE } from './failed-state.js';
export { approvalDelayName } from '../kinds/approval/approval-runtime.js';

/** What a run's machine holds; persisted with every transition. */
export interface RunContext {
  readonly incident: Readonly<Record<string, unknown>>;
  readonly run: {
    readonly id: string;
    readonly playbook: string;
    readonly startedAt: number;
    /** What the caller passed, for a sub-run started by a call state. */
    readonly inputs?: Readonly<Record<string, unknown>>;
  };
  readonly steps: Readonly<Record<string, StepRecord>>;
  /** `connectors.<name>.enabled` as the run's definition pinned it (PlaybookDefinition.connectors). */
  readonly connectors?: PlaybookDefinition['connectors'];
  readonly approvals: Readonly<Record<string, ApprovalRecord>>;
  /** Set when an approval lets a run into an action: the inputs hash the approver saw. */
  readonly gate: {
    readonly state: string;
    readonly approvalId: string;
    readonly inputsHash: string;
  } | null;
  /** Branches taken at choice states (absent on runs started before choices existed). */
  readonly choices?: Readonly<Record<string, ChoiceRecord>>;
  /** How wait states ended. */
  readonly waits?: Readonly<Record<string, WaitRecord>>;
  /** How each branch of each parallel state ended (`resolved`, `failed` …). */
  readonly branches?: BranchOutcomes;
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
  | { type: 'incident.changed'; incident: Readonly<Record<string, unknown>>; at?: number }
  /** A call's sub-run ended (or could not start); `outputs` are added as it is applied. */
  | {
      type: 'call.ended';
      state: string;
      child: string;
      outcome: string;
      outputs?: Readonly<Record<string, unknown>>;
      /** The sub-run's effects still in force when it resolved (the parent adopts them). */
      undo?: readonly UndoEntry[];
      error?: { code: string; message: string };
      at?: number;
    }
  | { type: `xstate.after.${string}`; approvalId?: string; at?: number }
  /** An undo job finished (the runner applies it to the undo book, outside the machine). */
  | {
      type: 'undo.done';
      effectKey: string;
      ok: boolean;
      result?: unknown;
      error?: { code: string; message: string };
      /** Set when another run's undo job took the effect back (UndoEntry.alsoIn): that run. */
      by?: string;
      at?: number;
    }
  /** An effect declared with `expires` is due to be undone. */
  | { type: 'undo.expire'; effectKey: string; at?: number };

export interface CompiledPlaybook {
  readonly definition: PlaybookDefinition;
  /** sha256 of the definition: the version runs are pinned to. */
  readonly hash: string;
  readonly machine: AnyStateMachine;
  /** Every state by name, nested ones (parallel branches') included: names are unique. */
  readonly states: Readonly<Record<string, StateDefinition>>;
  /**
   * Each state's xstate node id (`<playbook>.<state>`, or `<playbook>.<parallel>.<branch>.<state>`
   * inside a branch): delayed events are named after it.
   */
  readonly nodeIds: Readonly<Record<string, string>>;
}

export function playbookHash(def: PlaybookDefinition): string {
  return sha256Hex(stableStringify(def));
}

/**
 * Compiles a validated definition into an xstate v5 machine, each state by its kind
 * (src/playbook/kinds/). Side effects are *named* actions (`cordon.action`, `cordon.approval`,
 * …) with no implementation: the runtime takes them from xstate's pure `transition()` and
 * performs them durably.
 */
export function compilePlaybook(def: PlaybookDefinition): CompiledPlaybook {
  const parts: MachineParts = {
    playbook: def,
    delays: {},
    compileState: (name, state) => {
      const kind = stateKind(state.kind);
      if (!kind)
        throw new Error(`Playbook ${def.id}: state "${name}" has unknown kind ${state.kind}.`);
      return kind.compile(name, state, parts);
    },
  };
  const states: Record<string, object> = {};
  let needsFailed = false;

  for (const [name, state] of Object.entries(def.states)) {
    const kind = stateKind(state.kind);
    if (!kind)
      throw new Error(`Playbook ${def.id}: state "${name}" has unknown kind ${state.kind}.`);
    needsFailed ||= kind.implicitFailure?.(state) ?? false;
    states[name] = kind.compile(name, state, parts);
  }
  if (needsFailed) {
    states[FAILED_STATE] = {
      type: 'final',
      entry: [{ type: 'cordon.end', params: { outcome: 'failed' } }],
    };
  }

  // Kinds name their implementations by string; xstate's typed maps cannot see that far.
  const actions: Record<string, never> = {};
  const guards: Record<string, never> = {};
  for (const kind of STATE_KINDS) {
    // Effects are performed by the runtime, durably, from the action list transition() returns.
    if (kind.effect) actions[kind.effect.action] = (() => undefined) as never;
    Object.assign(actions, kind.actions);
    Object.assign(guards, kind.guards);
  }

  const machine = setup({
    types: { context: {} as RunContext, events: {} as RunEvent, input: {} as RunContext },
    actions,
    guards,
    delays: parts.delays as Record<string, never>,
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
    states: allStates(def.states),
    nodeIds: nodeIdsOf((machine as unknown as AnyStateMachine).root),
  };
}

interface NodeLike {
  readonly key: string;
  readonly id: string;
  readonly states: Readonly<Record<string, NodeLike>>;
}

function nodeIdsOf(root: NodeLike): Record<string, string> {
  const out: Record<string, string> = {};
  // Breadth first: a top-level name (the run's own `__failed`) wins over a branch's.
  const queue = Object.values(root.states);
  for (let node = queue.shift(); node; node = queue.shift()) {
    out[node.key] ??= node.id;
    queue.push(...Object.values(node.states));
  }
  return out;
}

function allStates(
  states: Readonly<Record<string, StateDefinition>>,
): Record<string, StateDefinition> {
  const out: Record<string, StateDefinition> = { ...states };
  for (const state of Object.values(states)) {
    const children = stateKind(state.kind)?.children?.(state);
    if (children) Object.assign(out, allStates(children));
  }
  return out;
}
