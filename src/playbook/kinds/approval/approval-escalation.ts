import { checkInputs, OPERATIONS } from '../../../actions/operations.js';
import { actionInputsHash } from '../../../actions/inputs-hash.js';
import { approvalEscalated } from '../../../audit/audit-inputs.js';
import { deterministicId } from '../../../shared/hash.js';
import type { ApprovalEscalation } from '../../../store/approval-store.js';
import type { CompiledPlaybook, RunContext, RunEvent } from '../../definition/compile-playbook.js';
import { approvalEffectId, timerEffectId } from '../../runtime/effects.js';
import type { ActionJob } from '../../runtime/jobs.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { runScope } from '../../runtime/run-scope.js';
import { renderValue } from '../../template.js';
import { computeValue } from '../../expressions/computed.js';
import { parseDuration } from '../../../shared/duration.js';
import type { RunServices } from '../state-kind.js';
import type { DryRunTimed, PlannedCall } from '../tooling.js';
import type { ApprovalStateDefinition } from './approval-definition.js';

/**
 * Approval escalation. Each declared step is an xstate `after` delay on the approval state with
 * no target, so the runner keeps it as a durable delayed run job with a deterministic id, like
 * the approval's timeout, and leaving the state cancels it. When it fires, the approval kind
 * takes the step here instead of a transition (the run stays where it is, at the same step, so
 * decisions and the timeout still apply): one atomic Redis script widens the roles, records the
 * step and appends the timeline entry, at most once per approval and step however often the
 * timer is delivered; the notification is an action job whose id (and effect key) is derived
 * from the approval and the step, so the worker's effects ledger runs it once.
 */

const PREFIX = 'approval_escalate_';

export function escalationDelayName(state: string, index: number): string {
  return `${PREFIX}${index}_${state}`;
}

/** The escalation index a delayed event stands for, when it is one of `state`'s. */
export function escalationIndex(eventType: string, state: string): number | undefined {
  const m = /^xstate\.after\.approval_escalate_(\d+)_([^.]+)\./.exec(eventType);
  return m && m[2] === state ? Number(m[1]) : undefined;
}

/** The effect key (and action job id) of an escalation's notification. */
export function escalationNotifyKey(approvalId: string, index: number): string {
  return deterministicId('esc', approvalId, String(index));
}

/**
 * How long after the approval was asked for step `step` happens: its fixed delay, or its
 * computed one over the run's context (undefined: it never happens — the CEL could not be
 * computed, or gave a duration not shorter than the approval's timeout).
 */
export function escalationAfterMs(
  step: NonNullable<ApprovalStateDefinition['escalate']>[number],
  context: RunContext,
  timeoutMs: number,
): number | undefined {
  if (step.after === undefined) return step.afterMs;
  const computed = computeValue(step.after, runScope(context));
  const parsed = computed.ok ? parseDuration(computed.value) : undefined;
  if (!parsed?.ok || parsed.ms >= timeoutMs) return undefined;
  return parsed.ms;
}

/** When the first step after `index` that happens at all does, for an approval created at `createdAt`. */
export function nextEscalationAt(
  def: ApprovalStateDefinition,
  context: RunContext,
  createdAt: number,
  index: number,
): number | undefined {
  let next: number | undefined;
  for (const step of (def.escalate ?? []).slice(index + 1)) {
    const ms = escalationAfterMs(step, context, def.timeoutMs);
    if (ms !== undefined && (next === undefined || createdAt + ms < next)) next = createdAt + ms;
  }
  return next;
}

/** Takes escalation step `index` of the approval the run rests at (`run.state`/`run.step`). */
export async function escalateApproval(
  run: RunRecord,
  def: ApprovalStateDefinition,
  index: number,
  services: RunServices,
): Promise<void> {
  const step = def.escalate?.[index];
  if (!step) return;
  const { approvals, clock, logger } = services.deps;
  const approvalId = approvalEffectId(run.id, run.state, run.step);
  const approval = await approvals.get(approvalId);
  if (!approval) throw new Error(`Approval ${approvalId} to escalate is missing; retried.`);
  const now = clock.now();
  const notify = step.notify ? prepareNotify(step, run, approvalId, index) : undefined;
  const record: ApprovalEscalation = {
    index,
    at: now,
    roles: step.roles,
    ...(step.setRoles ? { set: true } : {}),
    ...(step.notify
      ? { notify: { operation: step.notify.operation, connector: step.notify.connector } }
      : {}),
  };
  const roles = step.setRoles ? [...step.roles] : [...new Set([...approval.roles, ...step.roles])];
  const outcome = await approvals.escalate(
    approvalId,
    run.id,
    record,
    nextEscalationAt(def, run.context, approval.createdAt, index),
    {
      at: now,
      type: 'approval.escalated',
      state: run.state,
      approvalId,
      escalation: index + 1,
      after: escalationAfterMs(step, run.context, def.timeoutMs) ?? step.afterMs,
      ...(step.setRoles
        ? { setRoles: step.roles, roles }
        : step.roles.length > 0
          ? { addedRoles: step.roles, roles }
          : {}),
      ...(notify?.ok
        ? {
            notify: {
              operation: notify.job.operation,
              connector: notify.job.connector,
              jobId: notify.job.effectKey,
            },
          }
        : {}),
      ...(notify && !notify.ok ? { notifyRefused: notify.reason } : {}),
    },
  );
  if (outcome !== 'escalated' && outcome !== 'already') return; // decided meanwhile
  if (outcome === 'escalated')
    await services.deps.audit?.record(
      approvalEscalated({
        approvalId,
        runId: run.id,
        incidentId: run.incidentId,
        playbookId: run.playbookId,
        state: run.state,
        escalation: index + 1,
        addedRoles: step.roles,
        roles,
        notify: step.notify ? `${step.notify.operation} on ${step.notify.connector}` : null,
      }),
    );
  // Queued after the step is recorded: a crash in between re-delivers the timer, which finds
  // the step taken ('already') and queues the same job id again.
  if (notify?.ok) {
    await services.deps.queues.addActionJob(notify.job, {
      jobId: notify.job.effectKey,
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 1_000 },
    });
  } else if (notify) {
    logger.warn(
      { runId: run.id, approvalId, index },
      `escalation notify refused: ${notify.reason}`,
    );
  }
}

type PreparedNotify = { ok: true; job: ActionJob } | { ok: false; reason: string };

/** The notification's job, its inputs rendered from the run's context as an action's are. */
function prepareNotify(
  step: NonNullable<ApprovalStateDefinition['escalate']>[number],
  run: RunRecord,
  approvalId: string,
  index: number,
): PreparedNotify {
  const notify = step.notify;
  if (!notify) return { ok: false, reason: 'no notify' };
  const rendered = renderValue(notify.inputs, runScope(run.context));
  if (!rendered.ok) return { ok: false, reason: rendered.reason };
  const inputs = rendered.value as Record<string, unknown>;
  const op = OPERATIONS[notify.operation];
  const problems = op ? checkInputs(op, inputs) : [`operation ${notify.operation} is unknown`];
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    job: {
      runId: run.id,
      incidentId: run.incidentId,
      playbookId: run.playbookId,
      // Reported back to the approval state, which takes the outcome as no decision.
      state: run.state,
      step: run.step,
      effectKey: escalationNotifyKey(approvalId, index),
      operation: notify.operation,
      connector: notify.connector,
      connectorType: notify.connectorType,
      inputs,
      inputsHash: actionInputsHash(notify.operation, notify.connector, inputs),
      timeoutMs: 30_000,
      approvalId: null,
    },
  };
}

/** An approval's escalation steps as dry runs see them, notifications rendered from `context`. */
export function plannedEscalations(
  def: ApprovalStateDefinition,
  state: string,
  context: RunContext,
): DryRunTimed[] {
  return (def.escalate ?? []).map((step, index) => {
    const notify = step.notify;
    // A computed delay as this context gives it (one that never happens: past the timeout).
    const afterMs = escalationAfterMs(step, context, def.timeoutMs) ?? def.timeoutMs + 1;
    let call: PlannedCall | undefined;
    if (notify) {
      const inputs: Record<string, unknown> = {};
      const unresolved: string[] = [];
      for (const [key, value] of Object.entries(notify.inputs)) {
        const r = renderValue(value, runScope(context));
        inputs[key] = r.ok ? r.value : value;
        if (!r.ok) unresolved.push(key);
      }
      call = {
        state,
        connector: notify.connector,
        operation: notify.operation,
        inputs,
        unresolved,
        automatic: true,
        mutating: false,
        escalation: { afterMs, roles: step.roles, ...(step.setRoles ? { set: true } : {}) },
      };
    }
    return {
      delay: escalationDelayName(state, index),
      afterMs,
      roles: step.roles,
      ...(step.setRoles ? { set: true } : {}),
      ...(call ? { call } : {}),
    };
  });
}

/** The delayed event of escalation `index` of the approval state `state`, as xstate names it. */
function escalationEventType(
  compiled: CompiledPlaybook,
  state: string,
  index: number,
): `xstate.after.${string}` {
  const node = compiled.nodeIds[state] ?? `${compiled.definition.id}.${state}`;
  return `xstate.after.${escalationDelayName(state, index)}.${node}`;
}

/** Re-queues escalation timers that are due but whose step was never taken (a lost job). */
export async function reconcileEscalations(
  run: RunRecord,
  def: ApprovalStateDefinition,
  compiled: CompiledPlaybook,
  services: RunServices,
  approval: { readonly createdAt: number; readonly escalations?: readonly ApprovalEscalation[] },
): Promise<void> {
  const now = services.deps.clock.now();
  const taken = new Set((approval.escalations ?? []).map((e) => e.index));
  for (const [index, step] of (def.escalate ?? []).entries()) {
    const afterMs = escalationAfterMs(step, run.context, def.timeoutMs);
    if (taken.has(index) || afterMs === undefined || approval.createdAt + afterMs > now) continue;
    const type = escalationEventType(compiled, run.state, index);
    const event: RunEvent = { type };
    await services.queueEvent(
      run.id,
      { state: run.state, step: run.step },
      timerEffectId(run.id, type, run.step),
      event,
    );
  }
}
