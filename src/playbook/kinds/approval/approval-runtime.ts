import { approvalExpired } from '../../../audit/audit-inputs.js';
import type { CompiledPlaybook, RunEvent } from '../../definition/compile-playbook.js';
import { renderValue } from '../../template.js';
import { approvalEffectId, timerEffectId, type StateEffect } from '../../runtime/effects.js';
import type { RunRecord } from '../../runtime/run-record.js';
import { runScope } from '../../runtime/run-scope.js';
import { prepareAction } from '../action/action-runtime.js';
import type { RunServices } from '../state-kind.js';
import type { ApprovalStateDefinition } from './approval-definition.js';
import {
  escalateApproval,
  escalationIndex,
  nextEscalationAt,
  reconcileEscalations,
} from './approval-escalation.js';

const nextAt = (at: number | undefined): { nextEscalationAt?: number } =>
  at === undefined ? {} : { nextEscalationAt: at };

export function approvalDelayName(state: string): string {
  return `approval_${state}`;
}

/** Creates the approval record; when it gates an action, binds the exact inputs by hash. */
export async function performApproval(
  effect: StateEffect,
  def: ApprovalStateDefinition,
  run: RunRecord,
  compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const ctx = run.context;
  const rendered = renderValue(def.message, runScope(ctx));
  const target = compiled.states[def.on.approved];
  const prepared =
    target?.kind === 'action' ? prepareAction(target, ctx, def.on.approved) : undefined;
  await services.deps.approvals.create({
    id: effect.id,
    runId: run.id,
    playbookId: run.playbookId,
    incidentId: run.incidentId,
    state: effect.state,
    step: effect.step,
    roles: def.roles,
    quorum: def.quorum,
    message: rendered.ok ? String(rendered.value).trim() : def.message,
    initiator: run.initiator,
    gated: prepared?.ok ? prepared.gated : null,
    createdAt: effect.at,
    expiresAt: effect.at + def.timeoutMs,
    ...nextAt(nextEscalationAt(def, ctx, effect.at, -1)),
  });
}

/** The approval's timeout fired: it must lose to a decision recorded first. */
export async function beforeApprovalEvent(
  run: RunRecord,
  def: ApprovalStateDefinition,
  event: RunEvent,
  services: RunServices,
): Promise<RunEvent | 'stale'> {
  // An escalation's notification reported back: it decides nothing.
  if (event.type === 'action.succeeded' || event.type === 'action.failed') return 'stale';
  if (!event.type.startsWith('xstate.after.')) return event;
  const escalation = escalationIndex(event.type, run.state);
  if (escalation !== undefined) {
    // Taken here, not as a transition: the run stays at the same step, so the approval's
    // id, its decisions and its timeout still apply.
    await escalateApproval(run, def, escalation, services);
    return 'stale';
  }
  const now = services.deps.clock.now();
  const approvalId = approvalEffectId(run.id, run.state, run.step);
  const status = await services.deps.approvals.expire(approvalId, now);
  if (status === 'approved' || status === 'rejected') return 'stale';
  if (status === 'pending') {
    // The timer fired before the expiry (clock skew between machines): retry the job later.
    throw new Error(
      `Timer for approval ${approvalId} fired before its expiry; it will be retried.`,
    );
  }
  if (status === 'expired')
    await services.deps.audit?.record(
      approvalExpired({ ...run, approvalId, runId: run.id, state: run.state }),
    );
  return { type: event.type as `xstate.after.${string}`, approvalId, at: now };
}

/** Recreates a lost approval, delivers a decision not delivered, fires a lost timeout. */
export async function reconcileApproval(
  run: RunRecord,
  def: ApprovalStateDefinition,
  compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  const approvalId = approvalEffectId(run.id, run.state, run.step);
  const approval = await services.deps.approvals.get(approvalId);
  if (!approval) {
    await services.perform(run, compiled, {
      kind: 'approval',
      id: approvalId,
      state: run.state,
      step: run.step,
      at: run.updatedAt,
    });
  } else if (approval.status === 'approved' || approval.status === 'rejected') {
    await services.deliverDecision(approval);
  } else if (approval.status === 'expired' || approval.expiresAt <= services.deps.clock.now()) {
    const type =
      `xstate.after.${approvalDelayName(run.state)}.${compiled.nodeIds[run.state] ?? `${compiled.definition.id}.${run.state}`}` as const;
    const timerId = timerEffectId(run.id, type, run.step);
    await services.queueEvent(run.id, { state: run.state, step: run.step }, timerId, { type });
  } else if (approval.status === 'pending' && def.escalate) {
    await reconcileEscalations(run, def, compiled, services, approval);
  }
}

/** The run no longer waits for this decision: the approval is cancelled and cannot be approved. */
export async function cancelApproval(
  run: RunRecord,
  _def: ApprovalStateDefinition,
  at: { readonly state: string; readonly step: number },
  services: RunServices,
): Promise<void> {
  await services.deps.approvals.cancel(
    approvalEffectId(run.id, at.state, at.step),
    services.deps.clock.now(),
  );
}
