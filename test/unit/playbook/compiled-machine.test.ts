import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import {
  FAILED_STATE,
  approvalDelayName,
  compilePlaybook,
  playbookHash,
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../../../src/playbook/definition/compile-playbook.js';
import type {
  PlaybookContext,
  PlaybookDefinition,
} from '../../../src/playbook/definition/types.js';
import {
  actionEffectId,
  approvalEffectId,
  timerEffectId,
  toEffects,
  type Effect,
} from '../../../src/playbook/runtime/effects.js';
import { SHIPPED_ROUTES } from '../../helpers/shipped-routes.js';

/**
 * The compiled machine of the shipped playbook, driven with xstate's pure transition functions
 * exactly as the runner drives it: step 1 is the start state, every transition adds one, and the
 * effects of a transition are derived from its action list with `toEffects`.
 */
const REPO = new URL('../../../', import.meta.url);
const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
  routes: SHIPPED_ROUTES,
  rules: new Map([['model_extraction_by_query_volume', ['api_key']]]),
};

function compile(relative: string): CompiledPlaybook {
  const text = readFileSync(new URL(relative, REPO), 'utf8');
  const { playbooks, diagnostics } = buildPlaybooks([{ file: relative, text }], CTX);
  const [compiled] = playbooks ?? [];
  if (!compiled || diagnostics.length > 0)
    throw new Error(`${relative} does not build: ${JSON.stringify(diagnostics)}`);
  return compiled;
}

// The shipped playbook's throttle → approval → case shape, frozen: the shipped file has grown a
// critical-only block branch since, which a single fixed incident cannot reach.
const SHAPE = 'test/fixtures/playbooks/valid/contain-abusive-key-throttle-and-case.yaml';
const SHIPPED = compile(SHAPE);
const RUN_ID = 'run-0001';
const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const MINUTE = 60_000;
const AFTER_ASK = 'xstate.after.approval_ask_case.contain-abusive-key.ask_case';

const INPUT: RunContext = {
  incident: { id: 'inc-1', title: 'Model extraction by key k-1', group: { api_key: 'k-1' } },
  run: { id: RUN_ID, playbook: 'contain-abusive-key', startedAt: T0 },
  steps: {},
  approvals: {},
  gate: null,
};

/** A run as the runner keeps it: the snapshot, its step number, and the effects of each move. */
class Run {
  snapshot: AnyMachineSnapshot;
  step = 1;
  effects: Effect[];

  constructor(
    readonly machine: AnyStateMachine,
    at = T0,
  ) {
    const [snapshot, actions] = initialTransition(machine, INPUT);
    this.snapshot = snapshot;
    this.effects = toEffects(actions, RUN_ID, { state: this.state, step: 1, prevStep: 0, at });
  }

  get state(): string {
    return String(this.snapshot.value);
  }

  get context(): RunContext {
    return this.snapshot.context as RunContext;
  }

  send(event: RunEvent, at: number): this {
    const [next, actions] = transition(this.machine, this.snapshot, event);
    this.snapshot = next;
    const prevStep = this.step;
    this.step += 1;
    this.effects = toEffects(actions, RUN_ID, { state: this.state, step: this.step, prevStep, at });
    return this;
  }
}

const succeeded = (state: string, result: unknown = { ok: true }): RunEvent => ({
  type: 'action.succeeded',
  state,
  result,
  attempts: 1,
});
const failed = (state: string): RunEvent => ({
  type: 'action.failed',
  state,
  error: { code: 'CORDON_ERR_ACTION_FAILED', message: 'limiter said no' },
  attempts: 5,
});
const approved = (at: number): RunEvent => ({
  type: 'approval.approved',
  state: 'ask_case',
  approvalId: approvalEffectId(RUN_ID, 'ask_case', 2),
  by: ['alice'],
  inputsHash: 'hash-of-open-case-inputs',
  at,
});
const rejected = (at: number): RunEvent => ({
  type: 'approval.rejected',
  state: 'ask_case',
  approvalId: approvalEffectId(RUN_ID, 'ask_case', 2),
  by: ['bob'],
  at,
});

/** The run after the throttle succeeded: waiting in ask_case at step 2. */
function atApproval(): Run {
  return new Run(SHIPPED.machine).send(succeeded('throttle', { limited: 'k-1' }), T0 + 1_000);
}

describe('start', () => {
  const run = new Run(SHIPPED.machine);

  it('enters the start state, active', () => {
    expect(run.state).toBe('throttle');
    expect(run.snapshot.status).toBe('active');
  });

  it('asks for exactly one action effect with a deterministic id', () => {
    expect(run.effects).toEqual([
      {
        kind: 'action',
        id: actionEffectId(RUN_ID, 'throttle', 1),
        state: 'throttle',
        step: 1,
        at: T0,
      },
    ]);
    expect(run.effects[0]!.id).toMatch(/^act_[0-9a-f]{24}$/);
  });

  it('starts with the input as context', () => {
    expect(run.context).toEqual(INPUT);
  });
});

describe('throttle succeeds → approval', () => {
  const run = atApproval();
  const at = T0 + 1_000;

  it('moves to ask_case and records the step', () => {
    expect(run.state).toBe('ask_case');
    expect(run.context.steps).toEqual({
      throttle: { status: 'succeeded', result: { limited: 'k-1' }, attempts: 1 },
    });
    expect(run.context.gate).toBeNull();
  });

  it('asks for the approval and a timer 30 minutes later', () => {
    expect(run.effects).toEqual([
      {
        kind: 'approval',
        id: approvalEffectId(RUN_ID, 'ask_case', 2),
        state: 'ask_case',
        step: 2,
        at,
      },
      {
        kind: 'timer',
        id: timerEffectId(RUN_ID, AFTER_ASK, 2),
        state: 'ask_case',
        step: 2,
        fireAt: at + 30 * MINUTE,
        event: { type: AFTER_ASK },
      },
    ]);
  });

  it('names the timeout event after the approval delay and the state node', () => {
    expect(AFTER_ASK).toBe(
      `xstate.after.${approvalDelayName('ask_case')}.contain-abusive-key.ask_case`,
    );
  });
});

describe('approve path', () => {
  const run = atApproval();
  const at = T0 + 5 * MINUTE;
  run.send(approved(at), at);
  const afterApproval = {
    state: run.state,
    context: run.context,
    effects: run.effects,
    step: run.step,
  };

  it('moves into the gated action', () => {
    expect(afterApproval.state).toBe('open_case');
    expect(run.snapshot.status).toBe('active');
  });

  it('records the approval', () => {
    expect(afterApproval.context.approvals).toEqual({
      ask_case: {
        id: approvalEffectId(RUN_ID, 'ask_case', 2),
        decision: 'approved',
        by: ['alice'],
        at,
      },
    });
  });

  it('opens a gate for open_case bound to the approved inputs hash', () => {
    expect(afterApproval.context.gate).toEqual({
      state: 'open_case',
      approvalId: approvalEffectId(RUN_ID, 'ask_case', 2),
      inputsHash: 'hash-of-open-case-inputs',
    });
  });

  it('cancels the approval timer (by the step it was set in) and queues the action', () => {
    expect(afterApproval.effects).toEqual([
      { kind: 'cancel-timer', id: timerEffectId(RUN_ID, AFTER_ASK, 2) },
      {
        kind: 'action',
        id: actionEffectId(RUN_ID, 'open_case', 3),
        state: 'open_case',
        step: 3,
        at,
      },
    ]);
  });

  it('ends resolved when the case opens, closing the gate behind the action', () => {
    run.send(succeeded('open_case', { caseId: 'c-1' }), at + 1_000);
    expect(run.state).toBe('done');
    expect(run.snapshot.status).toBe('done');
    expect(run.context.gate).toBeNull();
    expect(run.context.steps.open_case).toEqual({
      status: 'succeeded',
      result: { caseId: 'c-1' },
      attempts: 1,
    });
    expect(run.context.steps.throttle?.status).toBe('succeeded');
    expect(run.effects).toEqual([]);
  });
});

describe('approved, then the gated action fails', () => {
  it('closes the gate and ends in the implicit failed state', () => {
    const run = atApproval();
    run.send(approved(T0 + MINUTE), T0 + MINUTE).send(failed('open_case'), T0 + 2 * MINUTE);
    expect(run.state).toBe(FAILED_STATE);
    expect(run.snapshot.status).toBe('done');
    expect(run.context.gate).toBeNull();
    expect(run.context.steps.open_case).toEqual({
      status: 'failed',
      error: { code: 'CORDON_ERR_ACTION_FAILED', message: 'limiter said no' },
      attempts: 5,
    });
  });
});

describe('reject path', () => {
  const run = atApproval();
  const at = T0 + 7 * MINUTE;
  run.send(rejected(at), at);

  it('ends resolved without a case', () => {
    expect(run.state).toBe('closed_without_case');
    expect(run.snapshot.status).toBe('done');
  });

  it('records the rejection and opens no gate', () => {
    expect(run.context.approvals.ask_case).toEqual({
      id: approvalEffectId(RUN_ID, 'ask_case', 2),
      decision: 'rejected',
      by: ['bob'],
      at,
    });
    expect(run.context.gate).toBeNull();
  });

  it('only cancels the timer', () => {
    expect(run.effects).toEqual([
      { kind: 'cancel-timer', id: timerEffectId(RUN_ID, AFTER_ASK, 2) },
    ]);
  });
});

describe('timeout path', () => {
  const run = atApproval();
  const at = T0 + 31 * MINUTE;
  run.send({ type: AFTER_ASK, approvalId: approvalEffectId(RUN_ID, 'ask_case', 2), at }, at);

  it('goes to the timeout target and ends', () => {
    expect(run.state).toBe('closed_without_case');
    expect(run.snapshot.status).toBe('done');
  });

  it('records a timeout decision with no deciders', () => {
    expect(run.context.approvals.ask_case).toEqual({
      id: approvalEffectId(RUN_ID, 'ask_case', 2),
      decision: 'timeout',
      by: [],
      at,
    });
    expect(run.context.gate).toBeNull();
  });

  it('cancels its own (already fired) timer, which is harmless', () => {
    expect(run.effects).toEqual([
      { kind: 'cancel-timer', id: timerEffectId(RUN_ID, AFTER_ASK, 2) },
    ]);
  });
});

describe('action-failed path', () => {
  const run = new Run(SHIPPED.machine).send(failed('throttle'), T0 + 30_000);

  it('ends in the implicit __failed final state', () => {
    expect(run.state).toBe('__failed');
    expect(run.snapshot.status).toBe('done');
  });

  it('records the failure and asks for no effect', () => {
    expect(run.context.steps).toEqual({
      throttle: {
        status: 'failed',
        error: { code: 'CORDON_ERR_ACTION_FAILED', message: 'limiter said no' },
        attempts: 5,
      },
    });
    expect(run.effects).toEqual([]);
  });
});

describe('events that do not apply', () => {
  it('ignores an approval while an action runs', () => {
    const run = new Run(SHIPPED.machine);
    run.send(approved(T0), T0);
    expect(run.state).toBe('throttle');
    expect(run.context.approvals).toEqual({});
    expect(run.effects).toEqual([]);
  });

  it('ignores an action result while waiting for an approval', () => {
    const run = atApproval();
    run.send(succeeded('open_case'), T0 + MINUTE);
    expect(run.state).toBe('ask_case');
    expect(run.context.steps).not.toHaveProperty('open_case');
    expect(run.effects).toEqual([]);
  });

  it('ignores a timeout of another state', () => {
    const run = new Run(SHIPPED.machine);
    run.send({ type: AFTER_ASK, at: T0 }, T0);
    expect(run.state).toBe('throttle');
  });
});

describe('on_failure (valid/on-failure.yaml)', () => {
  const compiled = compile('test/fixtures/playbooks/valid/on-failure.yaml');

  it('sends a failed action to its on_failure target', () => {
    const run = new Run(compiled.machine).send(failed('throttle'), T0);
    expect(run.state).toBe('ask_case');
    expect(run.snapshot.status).toBe('active');
    expect(run.context.steps.throttle?.status).toBe('failed');
  });

  it('uses the approval’s own timeout (1 h) for its timer', () => {
    const run = new Run(compiled.machine).send(failed('throttle'), T0);
    const timer = run.effects.find((e) => e.kind === 'timer');
    expect(timer).toMatchObject({
      fireAt: T0 + 60 * MINUTE,
      event: { type: 'xstate.after.approval_ask_case.with-on-failure.ask_case' },
    });
  });
});

describe('approvals that do not lead into an action', () => {
  const def: PlaybookDefinition = {
    apiVersion: 'cordon/v1',
    id: 'ask-then-end',
    title: 'ask-then-end',
    description: '',
    trigger: { rules: ['r'], severities: [] },
    start: 'ask',
    states: {
      ask: {
        kind: 'approval',
        roles: ['approver'],
        quorum: 1,
        timeoutMs: 1_000,
        message: 'ok?',
        on: { approved: 'yes', rejected: 'no', timeout: 'no' },
      },
      yes: { kind: 'end', outcome: 'resolved' },
      no: { kind: 'end', outcome: 'cancelled' },
    },
  };

  it('opens no gate when the approved target is not an action', () => {
    const machine = compilePlaybook(def).machine;
    const run = new Run(machine);
    run.send(
      {
        type: 'approval.approved',
        state: 'ask',
        approvalId: 'a',
        by: ['u'],
        inputsHash: 'h',
        at: T0,
      },
      T0,
    );
    expect(run.state).toBe('yes');
    expect(run.context.gate).toBeNull();
  });

  it('adds no implicit failed state when there is no action', () => {
    expect(Object.keys(compilePlaybook(def).machine.root.states).sort()).toEqual([
      'ask',
      'no',
      'yes',
    ]);
  });
});

describe('playbookHash', () => {
  const def = SHIPPED.definition;

  /** A deep copy with every object's keys in reverse order. */
  function reorder(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reorder);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, reorder(v)]),
      );
    }
    return value;
  }

  /** Every leaf of the definition (undefined optional fields included), as a path. */
  function leaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
    if (value && typeof value === 'object')
      return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
    return [at];
  }

  function withChanged(path: readonly (string | number)[]): PlaybookDefinition {
    const copy = structuredClone(def) as unknown as Record<string | number, unknown>;
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const old = node[last];
    node[last] =
      typeof old === 'number'
        ? old + 1
        : typeof old === 'boolean'
          ? !old
          : typeof old === 'string'
            ? `${old}x`
            : 'now-set';
    return copy as unknown as PlaybookDefinition;
  }

  it('is the hash the compiled playbook carries, 64 hex digits', () => {
    expect(SHIPPED.hash).toBe(playbookHash(def));
    expect(SHIPPED.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order', () => {
    const reordered = reorder(def) as PlaybookDefinition;
    expect(Object.keys(reordered.states)[0]).toBe('closed_without_case');
    expect(playbookHash(reordered)).toBe(playbookHash(def));
  });

  it('is the same for the same file built twice', () => {
    expect(compile(SHAPE).hash).toBe(SHIPPED.hash);
  });

  const paths = leaves(def);
  it('has leaves to change', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(paths.map((p) => [p.join('.'), p] as const))('changes when %s changes', (_name, path) => {
    expect(playbookHash(withChanged(path))).not.toBe(playbookHash(def));
  });

  it('changes when list order changes', () => {
    const swapped = structuredClone(def) as unknown as { trigger: { severities: string[] } };
    swapped.trigger.severities.reverse();
    expect(playbookHash(swapped as unknown as PlaybookDefinition)).not.toBe(playbookHash(def));
  });
});

describe('graph of the compiled shipped playbook (xstate/graph)', () => {
  // Outcomes name their state (a parallel state's branches all see every event).
  const events: RunEvent[] = [
    ...Object.entries(SHIPPED.definition.states).flatMap(([state, def]): RunEvent[] =>
      def.kind === 'action'
        ? [succeeded(state), failed(state)]
        : def.kind === 'approval'
          ? [
              {
                type: 'approval.approved',
                state,
                approvalId: 'a',
                by: ['u'],
                inputsHash: 'h',
                at: 1,
              },
              { type: 'approval.rejected', state, approvalId: 'a', by: ['u'], at: 1 },
            ]
          : [],
    ),
    { type: AFTER_ASK, approvalId: 'a', at: 1 },
  ];
  const paths = getSimplePaths(SHIPPED.machine, {
    input: INPUT,
    events,
    serializeState: (snapshot) => JSON.stringify(snapshot.value),
  });
  const trail = (p: (typeof paths)[number]): string =>
    p.steps.map((s) => String(s.state.value)).join(' → ');

  it('reaches every state of the machine', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(Object.keys(SHIPPED.machine.root.states).sort());
    expect([...reached].sort()).toEqual(
      [...Object.keys(SHIPPED.definition.states), FAILED_STATE].sort(),
    );
  });

  it('ends every maximal simple path in a final state', () => {
    const all = paths.map(trail);
    const maximal = paths.filter((p) => !all.some((other) => other.startsWith(`${trail(p)} → `)));
    expect(maximal.map((p) => [trail(p), p.state.status])).toEqual(
      maximal.map((p) => [trail(p), 'done']),
    );
    expect(maximal.map(trail).sort()).toEqual(
      [
        'throttle → __failed',
        'throttle → ask_case → closed_without_case',
        'throttle → ask_case → closed_without_case',
        'throttle → ask_case → open_case → __failed',
        'throttle → ask_case → open_case → done',
      ].sort(),
    );
  });
});
