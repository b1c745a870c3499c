import { actionInputsHash } from '../../../actions/inputs-hash.js';
import { OPERATIONS, checkInputs } from '../../../actions/operations.js';
import { actionRefused } from '../../../audit/audit-inputs.js';
import type { GatedAction } from '../../../store/approval-store.js';
import type { CompiledPlaybook, RunContext, RunEvent } from '../../definition/compile-playbook.js';
import { renderValue } from '../../template.js';
import { computedSource } from '../../expressions/computed.js';
import { actionEffectId, type StateEffect } from '../../runtime/effects.js';
import { recordedFailure, type ActionJob, type ActionJobOptions } from '../../runtime/jobs.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { runScope } from '../../runtime/run-scope.js';
import type { RunServices } from '../state-kind.js';
import type { ActionStateDefinition } from './action-definition.js';

export type Prepared = { ok: true; gated: GatedAction } | { ok: false; reason: string };

/** Renders an action state's inputs for the current context and hashes what would run. */
export function prepareAction(
  def: ActionStateDefinition,
  ctx: RunContext,
  state: string,
): Prepared {
  const scope = runScope(ctx);
  const rendered = renderValue(def.inputs, scope);
  if (!rendered.ok) {
    // Name the input: a computed value's failure reads better with the input it feeds.
    const key = Object.keys(def.inputs).find((k) => !renderValue(def.inputs[k], scope).ok);
    const where = key !== undefined && computedSource(def.inputs[key]) ? ` input "${key}"` : '';
    return { ok: false, reason: `State "${state}"${where}: ${rendered.reason}.` };
  }
  const inputs = rendered.value as Record<string, unknown>;
  const op = OPERATIONS[def.operation];
  const problems = op ? checkInputs(op, inputs) : [`operation ${def.operation} is unknown`];
  if (problems.length > 0)
    return {
      ok: false,
      reason: `State "${state}" inputs after templating: ${problems.join('; ')}.`,
    };
  const inputsHash = actionInputsHash(def.operation, def.connector, inputs);
  return {
    ok: true,
    gated: { state, operation: def.operation, connector: def.connector, inputs, inputsHash },
  };
}

/** The action job an effect queues (id = effect id), or why the step must not run. */
export function actionJobFor(
  effect: StateEffect,
  def: ActionStateDefinition,
  run: RunRecord,
):
  | { ok: true; job: ActionJob; options: ActionJobOptions }
  | { ok: false; code: string; message: string } {
  const ctx = run.context;
  const prepared = prepareAction(def, ctx, effect.state);
  if (!prepared.ok) return { ok: false, code: 'CORDON_ERR_ACTION_INPUT', message: prepared.reason };
  if (
    ctx.gate &&
    ctx.gate.state === effect.state &&
    ctx.gate.inputsHash !== prepared.gated.inputsHash
  ) {
    return {
      ok: false,
      code: 'CORDON_ERR_ACTION_APPROVAL_MISMATCH',
      message: `State "${effect.state}": the inputs differ from what approval ${ctx.gate.approvalId} approved; the action was not run. Start a new approval for the new inputs.`,
    };
  }
  const job: ActionJob = {
    runId: run.id,
    incidentId: run.incidentId,
    playbookId: run.playbookId,
    state: effect.state,
    step: effect.step,
    effectKey: effect.id,
    operation: def.operation,
    connector: def.connector,
    connectorType: def.connectorType,
    inputs: prepared.gated.inputs,
    inputsHash: prepared.gated.inputsHash,
    timeoutMs: def.timeoutMs,
    approvalId: ctx.gate?.state === effect.state ? ctx.gate.approvalId : null,
    // The run's first actions (none has finished yet) measure accept → first action.
    ...(Object.keys(ctx.steps).length === 0 && typeof ctx.incident.acceptedAt === 'number'
      ? { acceptedAt: ctx.incident.acceptedAt }
      : {}),
  };
  return {
    ok: true,
    job,
    options: {
      jobId: effect.id,
      attempts: def.retry.attempts,
      backoff: { type: def.retry.backoff, delayMs: def.retry.delayMs },
    },
  };
}

/**
 * The job to add in the same script as the save that decides the step (no outbox entry);
 * undefined when the step must not run, which `performAction` then reports from the outbox.
 */
export function queuedAction(
  effect: StateEffect,
  def: ActionStateDefinition,
  run: RunRecord,
): { job: ActionJob; options: ActionJobOptions } | undefined {
  const made = actionJobFor(effect, def, run);
  return made.ok ? { job: made.job, options: made.options } : undefined;
}

/** Queues the action job (id = effect id), or reports the step failed when it must not run. */
export async function performAction(
  effect: StateEffect,
  def: ActionStateDefinition,
  run: RunRecord,
  _compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const made = actionJobFor(effect, def, run);
  if (!made.ok) {
    await services.deps.audit?.record(actionRefused(run, effect, def, made.code));
    await services.reportAction(
      { runId: run.id, state: effect.state, step: effect.step, effectKey: effect.id } as ActionJob,
      { ok: false, code: made.code, message: made.message },
      0,
    );
    return;
  }
  await services.deps.queues.addActionJob(made.job, made.options);
}

/** A run resting in an action: queue the job again if it vanished, report a lost outcome. */
export async function reconcileAction(
  run: RunRecord,
  _def: ActionStateDefinition,
  compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const effectId = actionEffectId(run.id, run.state, run.step);
  const job = await services.deps.queues.actionJobState(effectId);
  if (job.state === 'unknown' && (await heldInPlace(run, services))) return;
  if (job.state === 'unknown') {
    services.deps.logger.warn(
      { runId: run.id, state: run.state },
      'action job missing; queueing it again',
    );
    await services.perform(run, compiled, {
      kind: 'action',
      id: effectId,
      state: run.state,
      step: run.step,
      at: run.updatedAt,
    });
  } else if (job.state === 'completed') {
    // The job finished but its result never moved the run (its report was lost): report it.
    await services.reportAction(
      { runId: run.id, state: run.state, step: run.step, effectKey: effectId } as ActionJob,
      { ok: true, result: job.returnValue ?? null },
      job.attempts,
    );
  } else if (job.state === 'failed') {
    const failedEvent = `${effectId}-failed`;
    const event: RunEvent = {
      type: 'action.failed',
      state: run.state,
      error: recordedFailure(job.failedReason, 'the action job failed'),
      attempts: job.attempts,
    };
    await services.queueEvent(run.id, { state: run.state, step: run.step }, failedEvent, event);
  }
}

/**
 * The step has no job because the job that finished the step before holds it (runs it in
 * place, RunRecord.held), and that job is still going: active, or waiting for its retry after
 * a crash (it then runs this step again). A holder finished or gone, with the run still here
 * after it, leaves the step to its own job, queued by the caller.
 */
async function heldInPlace(run: RunRecord, services: RunServices): Promise<boolean> {
  if (run.held?.step !== run.step) return false;
  const holder = await services.deps.queues.actionJobState(run.held.by);
  if (['active', 'waiting', 'delayed', 'prioritized'].includes(holder.state)) return true;
  // The holder may have moved the run on just before it finished: then leave it to the next pass.
  const now = await services.deps.runs.get(run.id);
  return now?.version !== run.version;
}

/** The run no longer wants this step: a job still waiting is removed (one already running finishes). */
export async function cancelAction(
  run: RunRecord,
  _def: ActionStateDefinition,
  at: { readonly state: string; readonly step: number },
  services: RunServices,
): Promise<void> {
  await services.deps.queues.removeActionJob(actionEffectId(run.id, at.state, at.step));
}
