import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import {
  FAILED_STATE,
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../definition/compile-playbook.js';
import { stateKind } from '../kinds/registry.js';
import type { DryRunExit, ExitInput, PlannedCall } from '../kinds/tooling.js';
import {
  isStateEffect,
  isTimer,
  isCancelTimer,
  toEffects,
  type TimerEffect,
  type XstateAction,
} from '../runtime/effects.js';
import type { RunStatus } from '../runtime/run-record.js';

/** A connector's stubbed reply to one call. */
export type StubReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What a test does while the run rests, in order. */
export type ScriptStep =
  | { readonly approve: string; readonly by: readonly string[] }
  | { readonly reject: string; readonly by: readonly string[] }
  | { readonly advanceMs: number }
  | { readonly change: Readonly<Record<string, unknown>> };

export interface SimulationInput {
  readonly incident: Readonly<Record<string, unknown>>;
  /** Replies per action state, one per visit (the last repeats); none = ok with a null result. */
  readonly replies: Readonly<Record<string, readonly StubReply[]>>;
  readonly script: readonly ScriptStep[];
  readonly startAt: number;
}

export interface SimulatedCall extends PlannedCall {
  readonly at: number;
  readonly reply: StubReply;
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
    approvals: {},
    gate: null,
  };
  let [snapshot, actions] = initialTransition(compiled.machine, context);
  const path: string[] = [];
  let pendingCall = false;

  const after = (
    before: RunContext,
    next: AnyMachineSnapshot,
    acts: readonly XstateAction[],
    prevStep: number,
  ): void => {
    const state = nameOf(next);
    path.push(...passedThrough(compiled, before, next.context as RunContext), state);
    pendingCall = false;
    for (const effect of toEffects(acts, RUN_ID, { state, step, prevStep, at: now })) {
      if (isTimer(effect)) timers.set(effect.id, effect);
      else if (isCancelTimer(effect)) timers.delete(effect.id);
      else if (isStateEffect(effect) && effect.state === state) pendingCall = true;
    }
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
    after(before, next, acts, prevStep);
    return true;
  };

  for (let n = 0; n < MAX_TRANSITIONS; n += 1) {
    const state = nameOf(snapshot);
    const stateDef = def.states[state];
    const kind = stateDef && stateKind(stateDef.kind);
    if (snapshot.status === 'done' || !stateDef || !kind || kind.resting === 'final') break;
    const dry = kind.dryRun?.(stateDef, {
      name: state,
      context: snapshot.context as RunContext,
      known: 'all',
    });
    const exits = dry?.exits ?? [];

    // Entering a state that calls a connector: the stub answers at once.
    if (dry?.call && pendingCall) {
      const visit = visits.get(state) ?? 0;
      visits.set(state, visit + 1);
      const stubs = input.replies[state] ?? [];
      const reply: StubReply = dry.call.refused
        ? { ok: false, ...dry.call.refused }
        : (stubs[Math.min(visit, stubs.length - 1)] ?? { ok: true, result: null });
      calls.push({ ...dry.call, at: now, reply });
      const exit = find(exits, 'reply', reply.ok ? 'succeeded' : 'failed');
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
    const taken = scriptedExit(next, state, exits, problems);
    if (!taken) continue;
    const [exit, exitInput] = taken;
    const accepted = exit.event !== undefined && send(exit.event(exitInput));
    // A change to a field the wait does not watch moves nothing, as in a real run.
    if (!accepted && !('change' in next)) {
      problems.push(`State "${state}" did not accept ${describeStep(next)}.`);
    }
  }

  function advance(ms: number): void {
    const until = now + ms;
    for (;;) {
      const due = [...timers.values()]
        .filter((t) => t.fireAt <= until)
        .sort((a, b) => a.fireAt - b.fireAt || (a.id < b.id ? -1 : 1))[0];
      if (!due) break;
      timers.delete(due.id);
      now = Math.max(now, due.fireAt);
      send(due.event as RunEvent);
      // A state entered on the way calls its connector before the clock moves on.
      if (pendingCall) {
        const rest = { advanceMs: until - now };
        continuations.add(rest);
        script.unshift(rest);
        return;
      }
    }
    now = until;
  }

  function scriptedExit(
    next: Exclude<ScriptStep, { advanceMs: number }>,
    state: string,
    exits: readonly DryRunExit[],
    out: string[],
  ): [DryRunExit, ExitInput] | undefined {
    if ('change' in next) {
      const exit = find(exits, 'incident', 'changed');
      const incident = { ...(snapshot.context as RunContext).incident, ...next.change };
      if (!exit) {
        // Nothing watches the incident here: the change is recorded nowhere, as in a real run.
        return undefined;
      }
      return [exit, { at: now, incident }];
    }
    const [verb, target, label] =
      'approve' in next
        ? ['approve', next.approve, 'approved']
        : ['reject', next.reject, 'rejected'];
    const exit = find(exits, 'decision', label);
    if (target !== state || !exit) {
      out.push(
        `The script says ${verb} ${target}, but the run rests at "${state}"${exit ? '' : ', which takes no decision'}.`,
      );
      return undefined;
    }
    return [exit, { at: now, by: next.by }];
  }

  const final = nameOf(snapshot);
  return {
    path,
    calls,
    status: statusOf(compiled, snapshot),
    state: final,
    context: snapshot.context as RunContext,
    problems: [
      ...problems,
      ...(script.some((s) => !continuations.has(s))
        ? [
            `The run ${isFinal(compiled, snapshot) ? 'ended' : `rested at "${final}"`} with script steps left: ${script
              .filter((s) => !continuations.has(s))
              .map(describeStep)
              .join(', ')}.`,
          ]
        : []),
    ],
  };
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
  for (const [name, def] of Object.entries(compiled.definition.states)) {
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
  const s = statusOf(compiled, snapshot);
  return s === 'resolved' || s === 'failed' || s === 'cancelled';
}

/** The run status the runner would record (runner.ts statusOf). */
function statusOf(compiled: CompiledPlaybook, snapshot: AnyMachineSnapshot): RunStatus {
  const name = nameOf(snapshot);
  if (name === FAILED_STATE) return 'failed';
  const def = compiled.definition.states[name];
  const kind = def && stateKind(def.kind);
  if (snapshot.status === 'done' || kind?.resting === 'final')
    return (def && kind?.outcome?.(def)) ?? 'failed';
  return kind?.resting === 'waiting' ? 'waiting' : 'running';
}

function describeStep(step: ScriptStep): string {
  if ('approve' in step) return `approve ${step.approve}`;
  if ('reject' in step) return `reject ${step.reject}`;
  if ('advanceMs' in step) return `advance ${step.advanceMs}ms`;
  return `change ${JSON.stringify(step.change)}`;
}
