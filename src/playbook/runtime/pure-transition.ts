import {
  createActor,
  type AnyActorRef,
  type AnyActorScope,
  type AnyStateMachine,
  type EventObject,
  type MachineSnapshot,
} from 'xstate';

/**
 * xstate's pure `transition()` / `initialTransition()` without their fixed cost. Each call of
 * xstate's builds a throwaway actor for the machine (its constructor computes the machine's
 * initial state, a whole initial transition) only to hand it to the transition as `self`:
 * about 3 % of a playbook run's CPU (bench/playbook-runs.mjs, profiled). Here that actor is
 * built once per machine and shared; the scope around it is new on every call, as xstate's.
 * Safe for Cordon's machines: their actions are assigns and named effects the runner
 * performs, never spawned or invoked actors (the only users of the scope's system).
 */
type Snapshot = MachineSnapshot<any, any, any, any, any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Action = Parameters<AnyActorScope['actionExecutor']>[0];
/** The scope a machine's own `transition` takes. */
type Scope = Parameters<AnyStateMachine['transition']>[2];

const selves = new WeakMap<AnyStateMachine, AnyActorRef>();

function scope(machine: AnyStateMachine, actions: Action[]): Scope {
  let self = selves.get(machine);
  if (!self) {
    self = createActor(machine);
    selves.set(machine, self);
  }
  return {
    self: self as Scope['self'],
    defer: () => undefined,
    id: '',
    logger: () => undefined,
    sessionId: '',
    stopChild: () => undefined,
    system: self.system,
    emit: () => undefined,
    actionExecutor: (action: Action) => {
      actions.push(action);
    },
  } as Scope;
}

/** `transition(machine, snapshot, event)` of xstate: the next snapshot and its actions. */
export function pureTransition(
  machine: AnyStateMachine,
  snapshot: Snapshot,
  event: EventObject,
): [Snapshot, Action[]] {
  const actions: Action[] = [];
  const next = machine.transition(snapshot, event, scope(machine, actions)) as Snapshot;
  return [next, actions];
}

/** `initialTransition(machine, input)` of xstate: the first snapshot and its actions. */
export function pureInitialTransition(
  machine: AnyStateMachine,
  input: unknown,
): [Snapshot, Action[]] {
  const actions: Action[] = [];
  const first = machine.getInitialSnapshot(scope(machine, actions), input) as Snapshot;
  return [first, actions];
}
