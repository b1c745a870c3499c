import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import {
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../definition/compile-playbook.js';
import { stateKind } from '../kinds/registry.js';
import type { DryRunExit, DryRunStep, ExitInput, PlannedCall } from '../kinds/tooling.js';
import {
  isStateEffect,
  isTimer,
  isCancelTimer,
  toEffects,
  type TimerEffect,
  type XstateAction,
} from '../runtime/effects.js';
import type { RunStatus } from '../runtime/run-record.js';
import type { UndoEntry, UndoReason } from '../runtime/undo-book.js';
import { OPERATIONS } from '../../actions/operations.js';
import { positionOf, statusOf } from '../runtime/run-positions.js';

/** A connector's stubbed reply to one call. */
export type StubReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What a test does while the run rests, in order. */
export type ScriptStep =
  | { readonly approve: string; readonly by: readonly string[] }
  | { readonly reject: string; readonly by: readonly string[] }
  | { readonly advanceMs: number }
  | { readonly change: Readonly<Record<string, unknown>> }
  /** Cancel the run where it rests (POST /v1/runs/:id/cancel): its undos run, newest first. */
  | { readonly cancel: true; readonly by: readonly string[] }
  /** Answer this state's connector call next (parallel branches: the order calls come back). */
  | { readonly answer: string };

export interface SimulationInput {
  readonly incident: Readonly<Record<string, unknown>>;
  /** Replies per action state, one per visit (the last repeats); none = ok with a null result. */
  readonly replies: Readonly<Record<string, readonly StubReply[]>>;
  /** Replies to the undo of a state's effect (default: success); the run goes on either way. */
  readonly undoReplies?: Readonly<Record<string, StubReply>>;
  readonly script: readonly ScriptStep[];
  readonly startAt: number;
}

export interface SimulatedCall extends PlannedCall {
  readonly at: number;
  readonly reply: StubReply;
  /** Set for an undo the run performs (of `state`'s effect): why it was taken back. */
  readonly undoOf?: UndoReason;
}

export interface SimulationResult {
  /** Every state the run entered or passed, in order (the implicit failure state as __failed). */
  readonly path: readonly string[];
  readonly calls: readonly SimulatedCall[];
  readonly status: RunStatus;
  readonly state: string;
  readonly context: RunContext;
  /** Script steps that did not fit where the run was (each makes a test fail). */
  readonly problems: readonly string[];
  /** States whose effect's undo failed (the runner marks them undo-failed and goes on). */
  readonly undoFailed: readonly string[];
}

const RUN_ID = 'dry-run';
const MAX_TRANSITIONS = 1_000;

/**
 * A pure interpreter for a compiled playbook: the same machine, the same xstate `transition()`
 * and effect mapping the runner uses, with Redis, BullMQ and connectors replaced by a fake
 * clock, stubbed replies and a script of decisions. How a run leaves each state (which event a
 * reply or a decision becomes) is the state kind's own `dryRun` hook.
 */
export function simulate(compiled: CompiledPlaybook, input: SimulationInput): SimulationResult {
  const def = compiled.definition;
  let now = input.startAt;
  let step = 1;
  const timers = new Map<string, TimerEffect>();
  const calls: SimulatedCall[] = [];
  const problems: string[] = [];
  const visits = new Map<string, number>();
  const script = [...input.script];
  // The rest of an advance cut short by a call (pushed back onto the script): when the run
  // ends meanwhile, the clock just stops there, as when a timeout leads straight to an end.
  const continuations = new WeakSet<ScriptStep>();

  const context: RunContext = {
    incident: input.incident,
    run: { id: RUN_ID, playbook: def.id, startedAt: now },
    steps: {},
    ...(def.connectors ? { connectors: def.connectors } : {}),
    approvals: {},
    gate: null,
  };
  let [snapshot, actions] = initialTransition(compiled.machine, context);
  const path: string[] = [];
  // States entered with an effect not yet answered (one per parallel branch at most).
  const pending = new Set<string>();

  // Each resting state → the step it was entered at (one per parallel branch), as the runner
  // keeps them: a timer is cancelled under the step its state was entered at.
  let leaves: Record<string, number> = {};

  const after = (
    before: RunContext,
    next: AnyMachineSnapshot,
    acts: readonly XstateAction[],
    prevStep: number,
    event?: RunEvent,
  ): void => {
    const state = nameOf(next);
    const passed = passedThrough(compiled, before, next.context as RunContext);
    const active = restingStates(compiled, next);
    const was = leaves;
    leaves = positionOf(next, compiled, was, event && movedState(event), step).leaves;
    if (typeof next.value === 'string') path.push(...passed, state);
    else {
      // Inside a parallel state: the parallel once, then each branch state as it is entered
      // (branch end states are not listed: the join, or the branch's silence, tells).
      const top = topState(next);
      path.push(
        ...passed,
        ...(top in was || Object.keys(was).some((l) => isIn(top, l)) ? [] : [top]),
      );
      path.push(...active.filter((a) => leaves[a] === step));
    }
    for (const p of [...pending]) if (!active.includes(p)) pending.delete(p);
    const position = { state, step, prevStep, at: now, stepOf: (leaf: string) => was[leaf] };
    for (const effect of toEffects(acts, RUN_ID, position))
      if (isTimer(effect)) timers.set(effect.id, effect);
      else if (isCancelTimer(effect)) timers.delete(effect.id);
      else if (isStateEffect(effect) && active.includes(effect.state)) pending.add(effect.state);
  };
  /** Whether `leaf` is a branch state of the parallel state `top`. */
  const isIn = (top: string, leaf: string): boolean => {
    const parent = compiled.states[top];
    const children = parent && stateKind(parent.kind)?.children?.(parent);
    return children !== undefined && leaf in children;
  };
  after(context, snapshot, actions, 0);

  const send = (event: RunEvent): boolean => {
    const before = snapshot.context as RunContext;
    const [next, acts] = transition(compiled.machine, snapshot, { ...event, at: now });
    if (nameOf(next) === nameOf(snapshot) && acts.length === 0 && next.context === before)
      return false;
    const prevStep = step;
    step += 1;
    snapshot = next;
    actions = acts;
    after(before, next, acts, prevStep, event);
    bookUndo(event, before);
    return true;
  };

  // The undo book, as the runner keeps it: a step that declared an undo joins it when it
  // succeeds; the run failing takes back every effect still applied, a rejection those marked
  // undo_on_reject (newest first), `expires` each one at its time. Undo calls succeed unless
  // the test's undo_replies says otherwise; a failed one is marked and the pass goes on.
  const book: { entry: UndoEntry; undone: boolean }[] = [];
  const undoFailed: string[] = [];
  let cancelled = false;
  function bookUndo(event: RunEvent, before: RunContext): void {
    const ctx = snapshot.context as RunContext;
    if (event.type === 'action.succeeded') {
      const stateDef = compiled.states[event.state];
      const entry =
        stateDef &&
        stateKind(stateDef.kind)?.undoable?.(stateDef, {
          effectKey: `${event.state}-${step}`,
          state: event.state,
          before,
          after: ctx,
          result: event.result,
          at: now,
        });
      if (entry) book.push({ entry, undone: false });
    }
    const failed = statusOf(snapshot, compiled, positionOf(snapshot, compiled, {}, undefined, 0));
    if (failed === 'failed') undoAll('failed', () => true);
    else if (event.type === 'approval.rejected') undoAll('rejected', (e) => e.undoOnReject);
  }
  function undoAll(reason: UndoReason, pick: (e: UndoEntry) => boolean): void {
    for (const b of [...book].reverse()) if (!b.undone && pick(b.entry)) undoOne(b, reason);
  }
  function undoOne(b: { entry: UndoEntry; undone: boolean }, reason: UndoReason): void {
    b.undone = true;
    const { entry } = b;
    const reply = input.undoReplies?.[entry.state] ?? { ok: true, result: null };
    if (!reply.ok) undoFailed.push(entry.state);
    calls.push({
      state: entry.state,
      connector: entry.connector,
      operation: entry.undo.operation,
      inputs: entry.undo.inputs,
      unresolved: [],
      automatic: true,
      mutating: OPERATIONS[entry.undo.operation]?.mutating === true,
      at: now,
      reply,
      undoOf: reason,
    });
  }
  const nextExpiry = (until: number) =>
    book
      .filter((b) => !b.undone && b.entry.expiresAt !== undefined && b.entry.expiresAt <= until)
      .sort((a, b) => (a.entry.expiresAt ?? 0) - (b.entry.expiresAt ?? 0))[0];

  const dryRunOf = (state: string): DryRunStep | undefined => {
    const stateDef = compiled.states[state];
    return (
      stateDef &&
      stateKind(stateDef.kind)?.dryRun?.(stateDef, {
        name: state,
        context: snapshot.context as RunContext,
        known: 'all',
      })
    );
  };
  /**
   * The state whose connector call is answered next: the one the script's next `answer` step
   * names when it is waiting, else the first (in branch order) still to be answered.
   */
  const nextCall = (): [string, DryRunStep] | undefined => {
    const wanted = script[0] && 'answer' in script[0] ? script[0].answer : undefined;
    const resting = restingStates(compiled, snapshot);
    const order =
      wanted !== undefined && pending.has(wanted)
        ? [wanted, ...resting.filter((r) => r !== wanted)]
        : resting;
    if (wanted !== undefined && order[0] === wanted && dryRunOf(wanted)?.call) script.shift();
    for (const state of order) {
      if (!pending.has(state)) continue;
      const dry = dryRunOf(state);
      if (dry?.call) return [state, dry];
      pending.delete(state); // an approval or a wait: nothing to answer
    }
    return undefined;
  };

  for (let n = 0; n < MAX_TRANSITIONS; n += 1) {
    const active = cancelled ? [] : restingStates(compiled, snapshot);
    if (active.length === 0) {
      // The run ended; the clock may still move to see an expiry undo its effect.
      const last = script[0];
      if (last && 'advanceMs' in last && book.some((b) => !b.undone && b.entry.expiresAt)) {
        script.shift();
        advance(last.advanceMs);
        continue;
      }
      break;
    }

    // Entering a state that calls a connector: the stub answers at once. In a parallel state
    // the branches' calls are answered one at a time, in the order the branches are written.
    const calling = nextCall();
    if (calling) {
      const [state, dry] = calling;
      const call = dry.call as PlannedCall;
      pending.delete(state);
      const visit = visits.get(state) ?? 0;
      visits.set(state, visit + 1);
      const stubs = input.replies[state] ?? [];
      const reply: StubReply = call.refused
        ? { ok: false, ...call.refused }
        : (stubs[Math.min(visit, stubs.length - 1)] ?? { ok: true, result: null });
      calls.push({ ...call, at: now, reply });
      const exit = find(dry.exits, 'reply', reply.ok ? 'succeeded' : 'failed');
      const sent =
        exit?.event &&
        send(
          exit.event(
            reply.ok
              ? { at: now, result: reply.result }
              : { at: now, error: { code: reply.code, message: reply.message } },
          ),
        );
      if (!sent) {
        problems.push(`State "${state}" did not accept its connector's reply.`);
        break;
      }
      continue;
    }

    const next = script.shift();
    if (!next) break; // The run rests here; the test's expectations judge whether it should.
    if ('advanceMs' in next) {
      advance(next.advanceMs);
      continue;
    }
    if ('cancel' in next) {
      // What the run waited for is withdrawn; every effect still applied is taken back.
      cancelled = true;
      timers.clear();
      pending.clear();
      undoAll('cancelled', () => true);
      continue;
    }
    if ('answer' in next) {
      problems.push(
        `The script says answer ${next.answer}, but no call of "${next.answer}" is waiting (the run rests at "${active.join('", "')}").`,
      );
      continue;
    }
    const taken = scriptedExit(next, active, problems);
    if (!taken) continue;
    const [exit, exitInput] = taken;
    const accepted = exit.event !== undefined && send(exit.event(exitInput));
    // A change to a field the wait does not watch moves nothing, as in a real run.
    if (!accepted && !('change' in next)) {
      problems.push(`State "${active.join('", "')}" did not accept ${describeStep(next)}.`);
    }
  }

  function advance(ms: number): void {
    const until = now + ms;
    for (;;) {
      const due = [...timers.values()]
        .filter((t) => t.fireAt <= until && restingStates(compiled, snapshot).length > 0)
        .sort((a, b) => a.fireAt - b.fireAt || (a.id < b.id ? -1 : 1))[0];
      const expiry = nextExpiry(until);
      if (expiry && (!due || (expiry.entry.expiresAt ?? 0) <= due.fireAt)) {
        now = Math.max(now, expiry.entry.expiresAt ?? now);
        undoOne(expiry, 'expiry');
        continue;
      }
      if (!due) break;
      timers.delete(due.id);
      now = Math.max(now, due.fireAt);
      // A timer that acts without moving the run (an approval's escalation): its call, if any.
      const timed = dryRunOf(due.state)?.timed?.find((t) =>
        due.event.type.startsWith(`xstate.after.${t.delay}.`),
      );
      if (timed) {
        if (timed.call) calls.push({ ...timed.call, at: now, reply: { ok: true, result: null } });
        continue;
      }
      send(due.event as RunEvent);
      // A state entered on the way calls its connector before the clock moves on.
      if (nextCall()) {
        const rest = { advanceMs: until - now };
        continuations.add(rest);
        script.unshift(rest);
        return;
      }
    }
    now = until;
  }

  function scriptedExit(
    next: Exclude<ScriptStep, { advanceMs: number } | { cancel: true } | { answer: string }>,
    active: readonly string[],
    out: string[],
  ): [DryRunExit, ExitInput] | undefined {
    if ('change' in next) {
      const incident = { ...(snapshot.context as RunContext).incident, ...next.change };
      // Nothing watches the incident here: the change is recorded nowhere, as in a real run.
      const exit = active
        .map((state) => find(dryRunOf(state)?.exits ?? [], 'incident', 'changed'))
        .find((e) => e !== undefined);
      return exit ? [exit, { at: now, incident }] : undefined;
    }
    const [verb, target, label] =
      'approve' in next
        ? ['approve', next.approve, 'approved']
        : ['reject', next.reject, 'rejected'];
    const exit = active.includes(target)
      ? find(dryRunOf(target)?.exits ?? [], 'decision', label)
      : undefined;
    if (!exit) {
      const at = active.length === 1 ? `"${active[0]}"` : `"${active.join('", "')}" (in parallel)`;
      out.push(
        `The script says ${verb} ${target}, but the run rests at ${at}${active.includes(target) ? ', which takes no decision' : ''}.`,
      );
      return undefined;
    }
    return [exit, { at: now, by: next.by }];
  }

  const position = positionOf(snapshot, compiled, {}, undefined, step);
  return {
    path,
    calls,
    undoFailed,
    status: cancelled ? 'cancelled' : statusOf(snapshot, compiled, position),
    state: position.state,
    context: snapshot.context as RunContext,
    problems: [
      ...problems,
      ...(script.some((s) => !continuations.has(s))
        ? [
            `The run ${cancelled || isFinal(compiled, snapshot) ? 'ended' : `rested at "${position.state}"`} with script steps left: ${script
              .filter((s) => !continuations.has(s))
              .map(describeStep)
              .join(', ')}.`,
          ]
        : []),
    ],
  };
}

/**
 * Where the run rests: its state, or inside a parallel state each branch's state that has not
 * ended, in the order the branches are written. Empty once the run ended.
 */
function restingStates(compiled: CompiledPlaybook, snapshot: AnyMachineSnapshot): string[] {
  if (snapshot.status === 'done') return [];
  const value = snapshot.value as unknown;
  if (typeof value === 'string') {
    const kind = stateKind(compiled.states[value]?.kind ?? '');
    return kind && kind.resting !== 'final' ? [value] : [];
  }
  return Object.keys(positionOf(snapshot, compiled, {}, undefined, 0).leaves);
}

/** The state an event moves (the runner's `expect.state`): its own, or a timer's. */
function movedState(event: RunEvent): string | undefined {
  const own = (event as { state?: unknown }).state;
  if (typeof own === 'string') return own;
  return event.type.startsWith('xstate.after.')
    ? event.type.slice(event.type.lastIndexOf('.') + 1)
    : undefined;
}

function topState(snapshot: AnyMachineSnapshot): string {
  const value = snapshot.value as unknown;
  return typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? '');
}

function find(
  exits: readonly DryRunExit[],
  trigger: DryRunExit['trigger'],
  label: string,
): DryRunExit | undefined {
  return exits.find((e) => e.trigger === trigger && e.label === label);
}

/** Transient states (choices) the run passed on its way, in the order it passed them. */
function passedThrough(
  compiled: CompiledPlaybook,
  before: RunContext,
  after: RunContext,
): string[] {
  const passed = new Map<string, string>();
  for (const [name, def] of Object.entries(compiled.states)) {
    const to = stateKind(def.kind)?.passedTo?.(name, before, after);
    if (to !== undefined) passed.set(name, to);
  }
  const targets = new Set(passed.values());
  let at = [...passed.keys()].find((n) => !targets.has(n));
  const out: string[] = [];
  while (at !== undefined && !out.includes(at)) {
    out.push(at);
    const to = passed.get(at) as string;
    at = passed.has(to) ? to : undefined;
  }
  return out;
}

function nameOf(snapshot: AnyMachineSnapshot): string {
  return typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
}

function isFinal(compiled: CompiledPlaybook, snapshot: AnyMachineSnapshot): boolean {
  const s = statusOf(snapshot, compiled, positionOf(snapshot, compiled, {}, undefined, 0));
  return s === 'resolved' || s === 'failed' || s === 'cancelled';
}

function describeStep(step: ScriptStep): string {
  if ('approve' in step) return `approve ${step.approve}`;
  if ('reject' in step) return `reject ${step.reject}`;
  if ('advanceMs' in step) return `advance ${step.advanceMs}ms`;
  if ('cancel' in step) return 'cancel';
  if ('answer' in step) return `answer ${step.answer}`;
  return `change ${JSON.stringify(step.change)}`;
}
