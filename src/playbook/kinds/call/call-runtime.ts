import { formatDurationMs } from '../../../shared/duration.js';
import type { CrashHook } from '../../../shared/crash-points.js';
import type { CompiledPlaybook, RunContext, RunEvent } from '../../definition/compile-playbook.js';
import { renderValue } from '../../template.js';
import { stateEffectId, type StateEffect } from '../../runtime/effects.js';
import { FINAL_STATUSES, type RunRecord } from '../../runtime/run-record.js';
import { runScope } from '../../runtime/run-scope.js';
import type { UndoEntry } from '../../runtime/undo-book.js';
import { inForce } from '../../runtime/undo-runtime.js';
import type { RunServices } from '../state-kind.js';
import {
  CALL_ID_PREFIX,
  MAX_CALL_DEPTH,
  type CallStateDefinition,
  type RunParent,
} from './call-definition.js';

export function childRunId(runId: string, state: string, step: number): string {
  return stateEffectId(CALL_ID_PREFIX, runId, state, step);
}

export function callTimeoutName(state: string): string {
  return `call_timeout_${state}`;
}

/** The one event a child's end becomes for its parent (deterministic: resumes at most once). */
export function callEndedEventId(childId: string): string {
  return `${childId}-ended`;
}

type QueueEvent = RunServices['queueEvent'];

/**
 * Entering a call: start the child run through the run queue (job id = child id, so a second
 * perform after a crash adds nothing), on the playbook version pinned now. A call that cannot
 * start fails at once, through the same event as a child that failed.
 */
export async function performCall(
  effect: StateEffect,
  def: CallStateDefinition,
  run: RunRecord,
  _compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const childId = effect.id;
  const at = { state: effect.state, step: effect.step };
  const refuse = (message: string): Promise<void> =>
    services.queueEvent(run.id, at, `${childId}-refused`, {
      type: 'call.ended',
      state: effect.state,
      child: childId,
      outcome: 'failed',
      error: { code: 'CORDON_ERR_RUN_CALL', message: `State "${effect.state}": ${message}` },
    });
  const depth = (run.parent?.depth ?? 0) + 1;
  if (depth > MAX_CALL_DEPTH)
    return refuse(
      `calls nest ${depth} deep here (this run is itself a sub-run); at most ${MAX_CALL_DEPTH} are allowed. The sub-run was not started.`,
    );
  const catalog = services.deps.playbooks;
  const target = def.version ? await catalog.byHash(def.version) : catalog.currentOf(def.playbook);
  if (!target || target.definition.id !== def.playbook)
    return refuse(
      def.version
        ? `playbook "${def.playbook}" version ${def.version} is not stored; remove call.version to call the current version, or deploy that version.`
        : `playbook "${def.playbook}" is not loaded by this installation; add it to playbooks/.`,
    );
  const rendered = renderValue(def.inputs, runScope(run.context));
  if (!rendered.ok) return refuse(`the call inputs do not render: ${rendered.reason}.`);
  const inputs = rendered.value as Record<string, unknown>;
  const missing = Object.entries(target.definition.inputs ?? {})
    .filter(([name, spec]) => spec.required && inputs[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0)
    return refuse(
      `playbook "${def.playbook}" (version ${target.hash.slice(0, 12)}) requires input ${missing.join(', ')}, which the call does not pass.`,
    );
  await catalog.pin(target);
  const parent: RunParent = { runId: run.id, state: effect.state, step: effect.step, depth };
  await services.deps.queues.addRunJob(
    {
      type: 'start',
      runId: childId,
      playbookId: def.playbook,
      playbookHash: target.hash,
      incident: run.context.incident,
      // The parent's initiator: separation of duties follows the call (no self-approval).
      initiator: run.initiator,
      parent,
      inputs,
    },
    { jobId: childId },
  );
}

/**
 * Runs after a sub-run is saved and its effects performed (the runner's flush). A child that
 * ended tells its parent (idempotent: one event id per child); a child just started whose
 * parent no longer rests at the call (cancelled, timed out before the start job ran) is
 * cancelled, so no sub-run outlives the reason it was started.
 */
export async function afterChildFlush(
  run: RunRecord,
  tools: {
    readonly queueEvent: QueueEvent;
    readonly crash: CrashHook;
    readonly getRun: (id: string) => Promise<RunRecord | undefined>;
    readonly cancelRun: (id: string, by: string) => Promise<unknown>;
  },
): Promise<void> {
  const parent = run.parent;
  if (!parent) return;
  if (FINAL_STATUSES.includes(run.status)) {
    // A death here loses the notification: the parent's reconcile sends it again.
    tools.crash('call.before-resume');
    await notifyParent(run, parent, tools.queueEvent);
    return;
  }
  if (run.step !== 1) return;
  const resting = await tools.getRun(parent.runId);
  if (!resting || resting.leaves?.[parent.state] !== parent.step)
    await tools.cancelRun(run.id, `run:${parent.runId}`);
}

function notifyParent(child: RunRecord, parent: RunParent, queueEvent: QueueEvent): Promise<void> {
  return queueEvent(
    parent.runId,
    { state: parent.state, step: parent.step },
    callEndedEventId(child.id),
    { type: 'call.ended', state: parent.state, child: child.id, outcome: child.status },
  );
}

/**
 * Before an event moves a parent resting at a call: the child's end gains the outputs (read
 * from the ended child, whose context no longer changes); a timeout cancels the child first.
 */
export async function beforeCallEvent(
  run: RunRecord,
  def: CallStateDefinition,
  event: RunEvent,
  services: RunServices,
): Promise<RunEvent | 'stale'> {
  const childId = childRunId(run.id, run.state, run.step);
  if (event.type.startsWith('xstate.after.') && event.type.includes(callTimeoutName(run.state))) {
    await services.cancelRun(childId, `timeout:${run.id}`);
    return event;
  }
  if (event.type !== 'call.ended' || event.outcome !== 'resolved' || event.outputs) return event;
  const child = await services.deps.runs.get(childId);
  if (!child) return 'stale';
  const scope = {
    ...runScope(child.context),
    run: { ...child.context.run, outcome: child.status, inputs: child.context.run.inputs ?? {} },
  };
  const rendered = renderValue(def.outputs, scope);
  if (!rendered.ok)
    return {
      type: 'call.ended',
      state: run.state,
      child: childId,
      outcome: 'failed',
      error: {
        code: 'CORDON_ERR_RUN_CALL',
        message: `State "${run.state}": sub-run ${childId} resolved but its outputs do not render: ${rendered.reason}.`,
      },
      // The child resolved all the same: what it left in force is this run's to take back.
      undo: inForce(child),
    };
  return {
    ...event,
    outputs: rendered.value as Record<string, unknown>,
    // Its effects still in force join this run's book (named `<call state>/<child state>`).
    undo: inForce(child),
  };
}

/** A resolved child's effects still in force (beforeCallEvent attached them to its end). */
export function adoptedCallUndo(_def: CallStateDefinition, event: RunEvent): readonly UndoEntry[] {
  return event.type === 'call.ended' ? (event.undo ?? []) : [];
}

/**
 * A parent resting at a call heals a lost start (the child never appeared: start it again)
 * and a lost end (the child ended, the parent never heard: tell it again, same event id).
 */
export async function reconcileCall(
  run: RunRecord,
  _def: CallStateDefinition,
  compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const childId = childRunId(run.id, run.state, run.step);
  const child = await services.deps.runs.get(childId);
  if (!child) {
    await services.perform(run, compiled, {
      kind: 'call',
      id: childId,
      state: run.state,
      step: run.step,
      at: run.updatedAt,
    });
    return;
  }
  if (child.parent && FINAL_STATUSES.includes(child.status))
    await notifyParent(child, child.parent, (runId, at, eventId, event) =>
      services.queueEvent(runId, at, eventId, event),
    );
}

/** The parent is cancelled (or left the call otherwise): the child is cancelled with it. */
export async function cancelCall(
  run: RunRecord,
  _def: CallStateDefinition,
  at: { readonly state: string; readonly step: number },
  services: RunServices,
): Promise<void> {
  await services.cancelRun(childRunId(run.id, at.state, at.step), `run:${run.id}`);
}

/** The step record a call leaves in `steps.<state>` (what the parent keeps of the child). */
export function callStepRecord(
  event: RunEvent,
  def: { readonly timeoutMs: number | undefined },
): RunContext['steps'][string] | undefined {
  if (event.type === 'call.ended') {
    return event.outcome === 'resolved'
      ? { status: 'succeeded', result: event.outputs ?? {}, attempts: 1 }
      : {
          status: 'failed',
          error: event.error ?? {
            code: 'CORDON_ERR_RUN_CALL',
            message: `sub-run ${event.child} ended ${event.outcome}`,
          },
          attempts: 1,
        };
  }
  if (event.type.startsWith('xstate.after.'))
    return {
      status: 'failed',
      error: {
        code: 'CORDON_ERR_RUN_CALL',
        message: `the sub-run did not end within ${formatDurationMs(def.timeoutMs ?? 0)}; it was cancelled`,
      },
      attempts: 1,
    };
  return undefined;
}
