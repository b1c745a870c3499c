import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { actionRefused, approvalExpired } from '../../audit/audit-inputs.js';
import type { AuditRecorder } from '../../audit/audit-trail.js';
import { OPERATIONS, checkInputs } from '../../actions/operations.js';
import { actionInputsHash } from '../../actions/inputs-hash.js';
import type { Clock } from '../../shared/clock.js';
import type { CrashHook } from '../../shared/crash-points.js';
import { CordonError } from '../../shared/errors.js';
import { deterministicId } from '../../shared/hash.js';
import type { Logger } from '../../shared/logger.js';
import type { Approval, ApprovalStore, GatedAction } from '../../store/approval-store.js';
import type { Incident } from '../../store/incident-store.js';
import type { RunStore } from '../../store/run-store.js';
import {
  FAILED_STATE,
  approvalDelayName,
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../definition/compile-playbook.js';
import type { ActionStateDefinition, ApprovalStateDefinition } from '../definition/types.js';
import { renderValue } from '../template.js';
import {
  actionEffectId,
  approvalEffectId,
  timerEffectId,
  toEffects,
  type Effect,
} from './effects.js';
import type { ActionJob, RunEventJob, RunQueues, RunStartJob } from './jobs.js';
import type { PlaybookCatalog } from './playbook-catalog.js';
import {
  FINAL_STATUSES,
  type RunRecord,
  type RunStatus,
  type TimelineEntry,
} from './run-record.js';

export interface RunnerDeps {
  readonly runs: RunStore;
  readonly approvals: ApprovalStore;
  readonly playbooks: PlaybookCatalog;
  readonly queues: RunQueues;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly crash: CrashHook;
  /** Records approvals that expired (their timeout path is the runner's decision). */
  readonly audit?: AuditRecorder;
}

const MAX_CONFLICT_RETRIES = 25;

/**
 * Drives playbook runs. A run moves only by applying one event at a time with xstate's pure
 * `transition()`; the new state, its timeline entries and the effects it asks for are saved in
 * one compare-and-set, and only then are the effects performed, each idempotently. A crash at
 * any point leaves either the old state (the event is redelivered) or the new state with its
 * effects still in the outbox (performed on the next touch or by `reconcile`).
 */
export class Runner {
  constructor(private readonly deps: RunnerDeps) {}

  static runIdFor(playbookId: string, incidentId: string): string {
    return deterministicId('run', playbookId, incidentId);
  }

  /** Queues one start job per matching playbook (deterministic ids make this idempotent). */
  async trigger(incident: Incident, initiator: string): Promise<string[]> {
    const started: string[] = [];
    for (const playbook of this.deps.playbooks.forIncident(incident)) {
      await this.deps.playbooks.pin(playbook);
      const runId = Runner.runIdFor(playbook.definition.id, incident.id);
      const job: RunStartJob = {
        type: 'start',
        runId,
        playbookId: playbook.definition.id,
        playbookHash: playbook.hash,
        incident: incidentScope(incident),
        initiator,
      };
      await this.deps.queues.addRunJob(job, { jobId: runId });
      started.push(runId);
    }
    return started;
  }

  async start(job: RunStartJob): Promise<void> {
    const compiled = await this.compiled(job.playbookHash, job.runId);
    let run = await this.deps.runs.get(job.runId);
    if (!run) {
      const now = this.deps.clock.now();
      const input: RunContext = {
        incident: job.incident,
        run: { id: job.runId, playbook: job.playbookId, startedAt: now },
        steps: {},
        approvals: {},
        gate: null,
      };
      const [snapshot, actions] = initialTransition(compiled.machine, input);
      const state = stateNameOf(snapshot);
      const effects = toEffects(actions, job.runId, { state, step: 1, prevStep: 0, at: now });
      const status = statusOf(snapshot, compiled);
      const record: RunRecord = {
        id: job.runId,
        playbookId: job.playbookId,
        playbookHash: job.playbookHash,
        incidentId: String(job.incident.id),
        initiator: job.initiator,
        status,
        state,
        step: 1,
        version: 1,
        context: snapshot.context as RunContext,
        pendingEffects: effects,
        createdAt: now,
        updatedAt: now,
        endedAt: FINAL_STATUSES.includes(status) ? now : undefined,
      };
      await this.deps.runs.create(record, [
        {
          at: now,
          type: 'started',
          state,
          playbook: job.playbookId,
          playbookHash: job.playbookHash,
          initiator: job.initiator,
        },
        ...effectEntries(effects, now),
      ]);
      run = await this.deps.runs.get(job.runId);
      this.deps.logger.info(
        { runId: job.runId, playbookId: job.playbookId, incidentId: record.incidentId },
        'run started',
      );
    }
    if (run) await this.flush(run);
  }

  /** Applies one event to its run (at most once per event id). */
  async apply(
    job: RunEventJob,
  ): Promise<'applied' | 'duplicate' | 'stale' | 'ignored' | 'missing'> {
    const log = this.deps.logger.child({ runId: job.runId, event: job.event.type });
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const run = await this.deps.runs.get(job.runId);
      if (!run) {
        log.warn('event for a run that does not exist; dropped');
        return 'missing';
      }
      if (run.pendingEffects.length > 0) {
        await this.flush(run);
        continue;
      }
      if (await this.deps.runs.wasApplied(run.id, job.eventId)) return 'duplicate';
      if (FINAL_STATUSES.includes(run.status)) return 'ignored';
      if (job.expect.state !== run.state || job.expect.step !== run.step) {
        log.debug({ expect: job.expect, state: run.state, step: run.step }, 'stale event ignored');
        return 'stale';
      }
      const compiled = await this.compiled(run.playbookHash, run.id);
      const now = this.deps.clock.now();
      let event: RunEvent = job.event;

      if (
        event.type.startsWith('xstate.after.') &&
        compiled.definition.states[run.state]?.kind === 'approval'
      ) {
        // The approval's timeout fired: it must lose to a decision recorded first.
        const approvalId = approvalEffectId(run.id, run.state, run.step);
        const status = await this.deps.approvals.expire(approvalId, now);
        if (status === 'approved' || status === 'rejected') return 'stale';
        if (status === 'pending') {
          // The timer fired before the expiry (clock skew between machines): retry the job later.
          throw new Error(
            `Timer for approval ${approvalId} fired before its expiry; it will be retried.`,
          );
        }
        if (status === 'expired')
          await this.deps.audit?.record(
            approvalExpired({ ...run, approvalId, runId: run.id, state: run.state }),
          );
        event = { type: event.type as `xstate.after.${string}`, approvalId, at: now };
      }

      const snapshot = compiled.machine.resolveState({ value: run.state, context: run.context });
      const [next, actions] = transition(compiled.machine, snapshot, event);
      const state = stateNameOf(next);
      if (state === run.state && actions.length === 0 && next.context === snapshot.context) {
        log.warn({ state: run.state }, 'event not accepted in this state; ignored');
        return 'ignored';
      }
      const step = run.step + 1;
      const effects = toEffects(actions, run.id, { state, step, prevStep: run.step, at: now });
      const status = statusOf(next, compiled);
      const ended = FINAL_STATUSES.includes(status);
      const timeline: TimelineEntry[] = [
        {
          at: now,
          type: 'transition',
          from: run.state,
          to: state,
          event: event.type,
          ...eventSummary(event),
        },
        ...effectEntries(effects, now),
        ...(ended ? [{ at: now, type: 'ended', outcome: status }] : []),
      ];
      const saved = await this.deps.runs.save(
        run,
        {
          status,
          state,
          step,
          context: next.context as RunContext,
          pendingEffects: effects,
          updatedAt: now,
          ...(ended ? { endedAt: now } : {}),
        },
        timeline,
        job.eventId,
      );
      if (saved === 'conflict') continue;
      if (saved === 'missing') return 'missing';
      log.info({ from: run.state, to: state, status }, 'run transition');
      this.deps.crash('run.after-save');
      const updated = await this.deps.runs.get(run.id);
      if (updated) await this.flush(updated);
      return 'applied';
    }
    throw new Error(
      `Run ${job.runId}: could not apply ${job.event.type} after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
    );
  }

  /** Reports an action job's outcome to its run as an event (idempotent by job id). */
  async reportAction(
    job: ActionJob,
    outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
    attempts: number,
  ): Promise<void> {
    const event: RunEvent = outcome.ok
      ? { type: 'action.succeeded', state: job.state, result: outcome.result, attempts }
      : {
          type: 'action.failed',
          state: job.state,
          error: { code: outcome.code, message: outcome.message },
          attempts,
        };
    const eventId = `${job.effectKey}-${outcome.ok ? 'done' : 'failed'}`;
    await this.queueEvent(job.runId, { state: job.state, step: job.step }, eventId, event);
  }

  /** Hands a decided approval to its run (idempotent by approval id). */
  async deliverDecision(approval: Approval): Promise<void> {
    if (approval.status !== 'approved' && approval.status !== 'rejected') return;
    const at = approval.decidedAt ?? this.deps.clock.now();
    const by = approval.votes.filter((v) => v.decision === approval.status).map((v) => v.by);
    const event: RunEvent =
      approval.status === 'approved'
        ? {
            type: 'approval.approved',
            state: approval.state,
            approvalId: approval.id,
            by,
            inputsHash: approval.gated?.inputsHash ?? '',
            at,
          }
        : { type: 'approval.rejected', state: approval.state, approvalId: approval.id, by, at };
    const eventId = `${approval.id}-decision`;
    await this.queueEvent(
      approval.runId,
      { state: approval.state, step: approval.step },
      eventId,
      event,
    );
  }

  /**
   * Heals what a crash or a lost message could leave behind, for every run not yet ended:
   * unperformed effects, decisions not delivered, expired approvals whose timer is gone, and
   * action jobs that failed for good or vanished. Safe to run any time, on any process.
   */
  async reconcile(): Promise<void> {
    for (const id of await this.deps.runs.activeIds()) {
      try {
        await this.reconcileRun(id);
      } catch (err) {
        this.deps.logger.error({ err, runId: id }, 'reconcile failed for run');
      }
    }
  }

  private async reconcileRun(id: string): Promise<void> {
    let run = await this.deps.runs.get(id);
    if (!run) return;
    if (run.pendingEffects.length > 0) {
      await this.flush(run);
      run = await this.deps.runs.get(id);
      if (!run) return;
    }
    if (FINAL_STATUSES.includes(run.status)) return;
    const compiled = await this.compiled(run.playbookHash, run.id);
    const state = compiled.definition.states[run.state];
    if (state?.kind === 'approval') {
      const approvalId = approvalEffectId(run.id, run.state, run.step);
      const approval = await this.deps.approvals.get(approvalId);
      if (!approval) {
        await this.perform(run, compiled, {
          kind: 'approval',
          id: approvalId,
          state: run.state,
          step: run.step,
          at: run.updatedAt,
        });
      } else if (approval.status === 'approved' || approval.status === 'rejected') {
        await this.deliverDecision(approval);
      } else if (approval.status === 'expired' || approval.expiresAt <= this.deps.clock.now()) {
        const type =
          `xstate.after.${approvalDelayName(run.state)}.${compiled.definition.id}.${run.state}` as const;
        const timerId = timerEffectId(run.id, type, run.step);
        await this.queueEvent(run.id, { state: run.state, step: run.step }, timerId, { type });
      }
    } else if (state?.kind === 'action') {
      const effectId = actionEffectId(run.id, run.state, run.step);
      const job = await this.deps.queues.actionJobState(effectId);
      if (job.state === 'unknown') {
        this.deps.logger.warn(
          { runId: run.id, state: run.state },
          'action job missing; queueing it again',
        );
        await this.perform(run, compiled, {
          kind: 'action',
          id: effectId,
          state: run.state,
          step: run.step,
          at: run.updatedAt,
        });
      } else if (job.state === 'completed') {
        // The job finished but its result never moved the run (its report was lost): report it.
        await this.reportAction(
          { runId: run.id, state: run.state, step: run.step, effectKey: effectId } as ActionJob,
          { ok: true, result: job.returnValue ?? null },
          job.attempts,
        );
      } else if (job.state === 'failed') {
        const failedEvent = `${effectId}-failed`;
        const event: RunEvent = {
          type: 'action.failed',
          state: run.state,
          error: {
            code: 'CORDON_ERR_ACTION_FAILED',
            message: job.failedReason ?? 'the action job failed',
          },
          attempts: job.attempts,
        };
        await this.queueEvent(run.id, { state: run.state, step: run.step }, failedEvent, event);
      }
    }
  }

  /** Queues `event` for a run, to apply only while it is still at `at`; the event id is the job id. */
  private async queueEvent(
    runId: string,
    at: { readonly state: string; readonly step: number },
    eventId: string,
    event: RunEvent,
    delayMs = 0,
  ): Promise<void> {
    await this.deps.queues.addRunJob(
      { type: 'event', runId, eventId, event, expect: { state: at.state, step: at.step } },
      { jobId: eventId, ...(delayMs > 0 ? { delayMs } : {}) },
    );
  }

  /** Performs the run's outbox, then clears it (compare-and-set). */
  private async flush(initial: RunRecord): Promise<void> {
    let run: RunRecord | undefined = initial;
    for (
      let attempt = 0;
      run && run.pendingEffects.length > 0 && attempt < MAX_CONFLICT_RETRIES;
      attempt += 1
    ) {
      const compiled = await this.compiled(run.playbookHash, run.id);
      for (const effect of run.pendingEffects) await this.perform(run, compiled, effect);
      if (await this.deps.runs.clearEffects(run, this.deps.clock.now())) return;
      run = await this.deps.runs.get(run.id);
    }
  }

  private async perform(run: RunRecord, compiled: CompiledPlaybook, effect: Effect): Promise<void> {
    const ctx = run.context;
    switch (effect.kind) {
      case 'action': {
        const def = compiled.definition.states[effect.state] as ActionStateDefinition;
        const prepared = prepareAction(def, ctx, effect.state);
        const fail = async (code: string, message: string): Promise<void> => {
          await this.deps.audit?.record(actionRefused(run, effect, def, code));
          await this.reportAction(
            {
              runId: run.id,
              state: effect.state,
              step: effect.step,
              effectKey: effect.id,
            } as ActionJob,
            { ok: false, code, message },
            0,
          );
        };
        if (!prepared.ok) return fail('CORDON_ERR_ACTION_INPUT', prepared.reason);
        if (
          ctx.gate &&
          ctx.gate.state === effect.state &&
          ctx.gate.inputsHash !== prepared.gated.inputsHash
        ) {
          return fail(
            'CORDON_ERR_ACTION_APPROVAL_MISMATCH',
            `State "${effect.state}": the inputs differ from what approval ${ctx.gate.approvalId} approved; the action was not run. Start a new approval for the new inputs.`,
          );
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
        await this.deps.queues.addActionJob(job, {
          jobId: effect.id,
          attempts: def.retry.attempts,
          backoff: { type: def.retry.backoff, delayMs: def.retry.delayMs },
        });
        return;
      }
      case 'approval': {
        const def = compiled.definition.states[effect.state] as ApprovalStateDefinition;
        const scope = templateScope(ctx);
        const rendered = renderValue(def.message, scope);
        const target = compiled.definition.states[def.on.approved];
        const prepared =
          target?.kind === 'action' ? prepareAction(target, ctx, def.on.approved) : undefined;
        await this.deps.approvals.create({
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
        });
        return;
      }
      case 'timer':
        await this.queueEvent(
          run.id,
          { state: effect.state, step: effect.step },
          effect.id,
          effect.event as RunEvent,
          Math.max(0, effect.fireAt - this.deps.clock.now()),
        );
        return;
      case 'cancel-timer':
        await this.deps.queues.removeRunJob(effect.id);
        return;
    }
  }

  private async compiled(hash: string, runId: string): Promise<CompiledPlaybook> {
    const compiled = await this.deps.playbooks.byHash(hash);
    if (!compiled) {
      throw new CordonError(
        'CORDON_ERR_RUN_PLAYBOOK_MISSING',
        `Run ${runId} needs playbook version ${hash}, which is not stored in Redis. It cannot resume.`,
      );
    }
    return compiled;
  }
}

type Prepared = { ok: true; gated: GatedAction } | { ok: false; reason: string };

/** Renders an action state's inputs for the current context and hashes what would run. */
function prepareAction(def: ActionStateDefinition, ctx: RunContext, state: string): Prepared {
  const rendered = renderValue(def.inputs, templateScope(ctx));
  if (!rendered.ok) return { ok: false, reason: `State "${state}": ${rendered.reason}.` };
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

function templateScope(ctx: RunContext): Record<string, unknown> {
  return { incident: ctx.incident, run: ctx.run, steps: ctx.steps };
}

function stateNameOf(snapshot: AnyMachineSnapshot): string {
  return typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
}

function statusOf(snapshot: AnyMachineSnapshot, compiled: CompiledPlaybook): RunStatus {
  const name = stateNameOf(snapshot);
  if (name === FAILED_STATE) return 'failed';
  const state = compiled.definition.states[name];
  if (snapshot.status === 'done' || state?.kind === 'end')
    return state?.kind === 'end' ? state.outcome : 'failed';
  return state?.kind === 'approval' ? 'waiting' : 'running';
}

function effectEntries(effects: readonly Effect[], at: number): TimelineEntry[] {
  return effects.map((e) => {
    switch (e.kind) {
      case 'action':
        return { at, type: 'action.queued', state: e.state, jobId: e.id };
      case 'approval':
        return { at, type: 'approval.requested', state: e.state, approvalId: e.id };
      case 'timer':
        return { at, type: 'timer.set', state: e.state, fireAt: e.fireAt, timerId: e.id };
      case 'cancel-timer':
        return { at, type: 'timer.cancelled', timerId: e.id };
    }
  });
}

function eventSummary(event: RunEvent): Record<string, unknown> {
  switch (event.type) {
    case 'action.succeeded':
      return { state: event.state, result: event.result, attempts: event.attempts };
    case 'action.failed':
      return { state: event.state, error: event.error, attempts: event.attempts };
    case 'approval.approved':
    case 'approval.rejected':
      return { approvalId: event.approvalId, by: event.by };
    default:
      return event.approvalId ? { approvalId: event.approvalId, timeout: true } : {};
  }
}

/** The incident as playbooks see it ({{ incident.* }}). */
export function incidentScope(incident: Incident): Record<string, unknown> {
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    rule: incident.rule,
    ruleTitle: incident.ruleTitle,
    tags: incident.tags,
    group: incident.group,
    groupKey: incident.groupKey,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    matchCount: incident.matchCount,
    eventCount: incident.eventCount,
    createdAt: incident.createdAt,
    ...(incident.acceptedAt === undefined ? {} : { acceptedAt: incident.acceptedAt }),
  };
}
