import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Clock } from '../../shared/clock.js';
import type { CrashHook } from '../../shared/crash-points.js';
import { CordonError } from '../../shared/errors.js';
import { deterministicId, sha256Hex, stableStringify } from '../../shared/hash.js';
import type { Logger } from '../../shared/logger.js';
import type { AuditRecorder } from '../../audit/audit-trail.js';
import type { Approval, ApprovalStore } from '../../store/approval-store.js';
import type { Incident } from '../../store/incident-store.js';
import type { RunStore } from '../../store/run-store.js';
import {
  FAILED_STATE,
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../definition/compile-playbook.js';
import type { StateDefinition } from '../definition/types.js';
import { stateKind } from '../kinds/registry.js';
import type { RunServices, StateKind } from '../kinds/state-kind.js';
import { incidentScope } from './run-scope.js';
import {
  isCancelTimer,
  isExpiry,
  isStateEffect,
  isTimer,
  isUndo,
  isWithdraw,
  stateEffectId,
  toEffects,
  type Effect,
  type StateEffect,
} from './effects.js';
import {
  EMPTY_BOOK,
  entryOf,
  expiryKey,
  mark,
  toUndo,
  undoKey,
  withEntry,
  type UndoBook,
} from './undo-book.js';
import { applyUndoDone, startPass, undoJob, UNDO_RETRY } from './undo-runtime.js';
import type { ActionJob, RunEventJob, RunQueues, RunStartJob } from './jobs.js';
import type { PlaybookCatalog } from './playbook-catalog.js';
import {
  FINAL_STATUSES,
  type FailedAt,
  type RunRecord,
  type RunStatus,
  type TimelineEntry,
} from './run-record.js';

export { incidentScope } from './run-scope.js';

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
  /** Reads incidents as they are now, for states that watch their incident (wait: changes). */
  readonly incidents?: { get(id: string): Promise<Incident | undefined> };
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
  /** What state kinds may use of the runner (src/playbook/kinds/). */
  readonly #services: RunServices;

  constructor(private readonly deps: RunnerDeps) {
    this.#services = {
      deps,
      queueEvent: (runId, at, eventId, event, delayMs) =>
        this.queueEvent(runId, at, eventId, event, delayMs),
      reportAction: (job, outcome, attempts) => this.reportAction(job, outcome, attempts),
      deliverDecision: (approval) => this.deliverDecision(approval),
      perform: (run, compiled, effect) => this.perform(run, compiled, effect),
      checkIncident: (run, at) => this.checkIncident(run, at),
    };
  }

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
      const position = positionOf(snapshot, compiled, {}, undefined, 1);
      const state = position.state;
      const effects = toEffects(actions, job.runId, { state, step: 1, prevStep: 0, at: now });
      const status = statusOf(snapshot, compiled, position);
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
        ...(position.value === undefined ? {} : { value: position.value }),
        leaves: position.leaves,
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
      if (job.event.type === 'undo.done' || job.event.type === 'undo.expire') {
        const outcome = await this.applyUndoEvent(run, job);
        if (outcome === 'conflict') continue;
        return outcome;
      }
      if (run.status === 'undoing' || FINAL_STATUSES.includes(run.status)) {
        const outcome = await this.adoptLateEffect(run, job);
        if (outcome === 'conflict') continue;
        return outcome;
      }
      // Each resting position (one per parallel branch) moves on its own: an event applies
      // only while its own position is where it was when the event was queued.
      const leaves = leavesOf(run);
      if (leaves[job.expect.state] !== job.expect.step) {
        log.debug({ expect: job.expect, state: run.state, leaves }, 'stale event ignored');
        return 'stale';
      }
      const compiled = await this.compiled(run.playbookHash, run.id);
      const now = this.deps.clock.now();
      let event: RunEvent = job.event;

      const resting = kindOf(compiled.states[job.expect.state]);
      const at = { ...run, state: job.expect.state, step: job.expect.step };
      if (resting?.kind.beforeEvent) {
        const replaced = await resting.kind.beforeEvent(at, resting.def, event, this.#services);
        if (replaced === 'stale') return 'stale';
        event = replaced;
      }
      // Every event carries when it was applied (a wait computes its time from it).
      if (typeof (event as { at?: unknown }).at !== 'number')
        event = { ...event, at: now } as RunEvent;

      const snapshot = compiled.machine.resolveState({
        value: (run.value ?? run.state) as string,
        context: run.context,
      });
      const [next, actions] = transition(compiled.machine, snapshot, event);
      const step = run.step + 1;
      const position = positionOf(next, compiled, leaves, job.expect.state, step);
      const state = position.state;
      if (
        sameValue(next.value, snapshot.value) &&
        actions.length === 0 &&
        next.context === snapshot.context
      ) {
        log.warn({ state: run.state }, 'event not accepted in this state; ignored');
        return 'ignored';
      }
      let effects = toEffects(actions, run.id, {
        state,
        step,
        prevStep: run.step,
        at: now,
        stepOf: (leaf) => leaves[leaf],
      });
      // Branches a join left behind (`any`) are withdrawn: queued jobs, pending approvals.
      const left = Object.entries(leaves)
        .filter(([leaf, at]) => leaf !== job.expect.state && position.leaves[leaf] !== at)
        .map(([leaf, at]) => ({ state: leaf, step: at }));
      if (left.length > 0)
        effects.push({
          kind: 'withdraw',
          id: deterministicId('wdr', run.id, String(step)),
          at: left,
        });
      const status = statusOf(next, compiled, position);
      let ended = FINAL_STATUSES.includes(status);
      const context = next.context as RunContext;
      const extra: TimelineEntry[] = [];

      // A step that declared an undo joins the book (with its expiry, if it has one).
      let book = run.undo ?? EMPTY_BOOK;
      if (event.type === 'action.succeeded' && resting?.kind.undoable && resting.kind.effect) {
        const entry = resting.kind.undoable(resting.def, {
          effectKey: stateEffectId(
            resting.kind.effect.idPrefix,
            run.id,
            job.expect.state,
            job.expect.step,
          ),
          state: job.expect.state,
          before: run.context,
          after: context,
          result: event.result,
          at: now,
        });
        if (entry) {
          book = withEntry(book, entry);
          if (entry.expiresAt !== undefined)
            effects.push({
              kind: 'expiry',
              id: expiryKey(entry.effectKey),
              effectKey: entry.effectKey,
              fireAt: entry.expiresAt,
            });
        }
      }
      const failedAt: FailedAt | null =
        state === FAILED_STATE && resting?.def.kind === 'action' && event.type === 'action.failed'
          ? { state: job.expect.state, gate: run.context.gate }
          : null;

      // Failing after side effects takes them all back; a rejection takes back the steps
      // marked undo_on_reject. The run is `undoing` until the pass is over.
      let saveStatus: RunStatus = status;
      const failedUndo = status === 'failed' ? toUndo(book) : [];
      const rejectedUndo =
        event.type === 'approval.rejected' ? toUndo(book, (e) => e.undoOnReject) : [];
      if (failedUndo.length > 0 || rejectedUndo.length > 0) {
        const failing = failedUndo.length > 0;
        const pass = startPass(
          book,
          failing ? 'failed' : 'rejected',
          failing ? failedUndo : rejectedUndo,
          // A failure's timer cancels go out now; a rejection's next step waits for the pass.
          { status, effects: failing ? [] : effects, ended },
        );
        book = pass.book;
        effects = failing ? [...effects, ...pass.effects] : pass.effects;
        saveStatus = 'undoing';
        ended = false;
        extra.push({
          at: now,
          type: 'undo.started',
          reason: failing ? 'failed' : 'rejected',
          effects: failing ? failedUndo.length : rejectedUndo.length,
        });
      }
      const timeline: TimelineEntry[] = [
        {
          at: now,
          type: 'transition',
          from: job.expect.state,
          to: state,
          ...(position.value === undefined ? {} : { positions: Object.keys(position.leaves) }),
          event: event.type,
          ...eventSummary(event),
        },
        ...extra,
        ...effectEntries(effects, now),
        ...(ended ? [{ at: now, type: 'ended', outcome: status }] : []),
      ];
      const saved = await this.deps.runs.save(
        run,
        {
          status: saveStatus,
          state,
          step,
          value: position.value ?? null,
          leaves: position.leaves,
          context,
          pendingEffects: effects,
          updatedAt: now,
          ...(ended ? { endedAt: now } : {}),
          ...(book !== run.undo && book !== EMPTY_BOOK ? { undo: book } : {}),
          ...(failedAt ? { failedAt } : {}),
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

  /**
   * Cancels a run that has not ended: what its resting state asked for is withdrawn (queued
   * job removed, pending approval cancelled) and every effect with a declared undo is taken
   * back, newest first, before the run ends `cancelled`.
   */
  async cancel(
    runId: string,
    by: string,
  ): Promise<{ ok: true; run: RunRecord } | { ok: false; reason: 'missing' | RunStatus }> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const run = await this.deps.runs.get(runId);
      if (!run) return { ok: false, reason: 'missing' };
      if (run.status === 'undoing' || FINAL_STATUSES.includes(run.status))
        return { ok: false, reason: run.status };
      if (run.pendingEffects.length > 0) {
        await this.flush(run);
        continue;
      }
      const now = this.deps.clock.now();
      const withdraw: Effect = {
        kind: 'withdraw',
        id: deterministicId('wdr', run.id, String(run.step)),
        at: Object.entries(leavesOf(run)).map(([state, step]) => ({ state, step })),
      };
      let book = run.undo ?? EMPTY_BOOK;
      const queue = toUndo(book);
      let effects: Effect[] = [withdraw];
      let status: RunStatus = 'cancelled';
      if (queue.length > 0) {
        const pass = startPass(book, 'cancelled', queue, {
          status: 'cancelled',
          effects: [],
          ended: true,
        });
        book = pass.book;
        effects = [withdraw, ...pass.effects];
        status = 'undoing';
      }
      const ended = status === 'cancelled';
      const saved = await this.deps.runs.save(
        run,
        {
          status,
          state: run.state,
          // A new step and no positions: whatever was in flight is now stale.
          step: run.step + 1,
          leaves: {},
          context: run.context,
          pendingEffects: effects,
          updatedAt: now,
          ...(ended ? { endedAt: now } : {}),
          ...(queue.length > 0 ? { undo: book } : {}),
        },
        [
          { at: now, type: 'cancelled', by, state: run.state },
          ...(queue.length > 0
            ? [{ at: now, type: 'undo.started', reason: 'cancelled', effects: queue.length }]
            : []),
          ...effectEntries(effects, now),
          ...(ended ? [{ at: now, type: 'ended', outcome: 'cancelled' }] : []),
        ],
        '',
      );
      if (saved === 'conflict') continue;
      if (saved === 'missing') return { ok: false, reason: 'missing' };
      this.deps.logger.info({ runId, by, undo: queue.length }, 'run cancelled');
      const updated = await this.deps.runs.get(runId);
      if (updated) await this.flush(updated);
      return { ok: true, run: (await this.deps.runs.get(runId)) ?? run };
    }
    throw new Error(
      `Run ${runId}: could not cancel after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
    );
  }

  /**
   * Restarts a failed run at the action step that failed, on the same pinned playbook version,
   * with the approval gate that admitted that step (the approver bound these exact inputs).
   * Steps before it are not repeated; what a failure undid stays undone.
   */
  async retry(
    runId: string,
    by: string,
  ): Promise<
    { ok: true; run: RunRecord } | { ok: false; reason: 'missing' | 'not-retryable' | RunStatus }
  > {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const run = await this.deps.runs.get(runId);
      if (!run) return { ok: false, reason: 'missing' };
      if (run.status !== 'failed') return { ok: false, reason: run.status };
      const failedAt = run.failedAt;
      const compiled = await this.compiled(run.playbookHash, run.id);
      const at = failedAt && kindOf(compiled.definition.states[failedAt.state]);
      if (!failedAt || !at?.kind.effect) return { ok: false, reason: 'not-retryable' };
      const now = this.deps.clock.now();
      const step = run.step + 1;
      const effect: StateEffect = {
        kind: at.kind.key,
        id: stateEffectId(at.kind.effect.idPrefix, run.id, failedAt.state, step),
        state: failedAt.state,
        step,
        at: now,
      };
      const saved = await this.deps.runs.save(
        run,
        {
          status: statusOfState(compiled, failedAt.state),
          state: failedAt.state,
          step,
          context: { ...run.context, gate: failedAt.gate },
          value: null,
          leaves: { [failedAt.state]: step },
          pendingEffects: [effect],
          updatedAt: now,
          failedAt: null,
          reopen: true,
        },
        [{ at: now, type: 'retried', by, state: failedAt.state }, ...effectEntries([effect], now)],
        '',
      );
      if (saved === 'conflict') continue;
      if (saved === 'missing') return { ok: false, reason: 'missing' };
      this.deps.logger.info({ runId, by, state: failedAt.state }, 'run retried');
      const updated = await this.deps.runs.get(runId);
      if (updated) await this.flush(updated);
      return { ok: true, run: (await this.deps.runs.get(runId)) ?? run };
    }
    throw new Error(
      `Run ${runId}: could not retry after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
    );
  }

  /** An undo finished, or an expiry fell due: the undo book moves, whatever the run's status. */
  private async applyUndoEvent(
    run: RunRecord,
    job: RunEventJob,
  ): Promise<'applied' | 'ignored' | 'missing' | 'conflict'> {
    const now = this.deps.clock.now();
    const event = job.event;
    const book = run.undo ?? EMPTY_BOOK;
    let patch: { book: UndoBook; effects: readonly Effect[]; timeline: TimelineEntry[] };
    let finished: { status: RunStatus; ended: boolean } | undefined;
    if (event.type === 'undo.expire') {
      // Cancelled or undone earlier (or never recorded): nothing is left to expire.
      const entry = entryOf(book, event.effectKey);
      if (!entry || entry.status !== 'applied') return 'ignored';
      patch = {
        book: mark(book, [entry.effectKey], 'undoing', 'expiry'),
        effects: [{ kind: 'undo', id: undoKey(entry.effectKey), effectKey: entry.effectKey }],
        timeline: [{ at: now, type: 'expired', state: entry.state, effectKey: entry.effectKey }],
      };
    } else if (event.type === 'undo.done') {
      const outcome = applyUndoDone(run, event, now);
      if (!outcome) return 'ignored';
      patch = outcome;
      finished = outcome.finished;
    } else return 'ignored';
    const status = finished?.status ?? run.status;
    const ended = finished?.ended === true;
    const saved = await this.deps.runs.save(
      run,
      {
        status,
        state: run.state,
        step: run.step,
        context: run.context,
        pendingEffects: patch.effects,
        updatedAt: now,
        undo: patch.book,
        ...(ended ? { endedAt: now } : {}),
      },
      [
        ...patch.timeline,
        ...effectEntries(patch.effects, now),
        ...(ended ? [{ at: now, type: 'ended', outcome: status }] : []),
      ],
      job.eventId,
    );
    if (saved === 'conflict') return 'conflict';
    if (saved === 'missing') return 'missing';
    const updated = await this.deps.runs.get(run.id);
    if (updated) await this.flush(updated);
    return 'applied';
  }

  /**
   * An action that was already running when its run was cancelled (or failed) still took
   * effect: if it declared an undo, that effect joins the book and is taken back at once.
   */
  private async adoptLateEffect(
    run: RunRecord,
    job: RunEventJob,
  ): Promise<'applied' | 'ignored' | 'missing' | 'conflict'> {
    const event = job.event;
    if (event.type !== 'action.succeeded' || run.status === 'resolved') return 'ignored';
    const compiled = await this.compiled(run.playbookHash, run.id);
    const at = kindOf(compiled.states[job.expect.state]);
    if (!at?.kind.undoable || !at.kind.effect) return 'ignored';
    const now = this.deps.clock.now();
    const book = run.undo ?? EMPTY_BOOK;
    const effectKey = stateEffectId(
      at.kind.effect.idPrefix,
      run.id,
      job.expect.state,
      job.expect.step,
    );
    if (entryOf(book, effectKey)) return 'ignored';
    const entry = at.kind.undoable(at.def, {
      effectKey,
      state: job.expect.state,
      before: run.context,
      after: run.context,
      result: event.result,
      at: now,
    });
    if (!entry) return 'ignored';
    const reason = run.undo?.pass?.reason ?? (run.status === 'failed' ? 'failed' : 'cancelled');
    const next = mark(withEntry(book, entry), [effectKey], 'undoing', reason);
    const effects: Effect[] = [{ kind: 'undo', id: undoKey(effectKey), effectKey }];
    const saved = await this.deps.runs.save(
      run,
      {
        status: run.status,
        state: run.state,
        step: run.step,
        context: run.context,
        pendingEffects: effects,
        updatedAt: now,
        undo: next,
      },
      [
        { at: now, type: 'late-effect', state: job.expect.state, effectKey },
        ...effectEntries(effects, now),
      ],
      job.eventId,
    );
    if (saved === 'conflict') return 'conflict';
    if (saved === 'missing') return 'missing';
    const updated = await this.deps.runs.get(run.id);
    if (updated) await this.flush(updated);
    return 'applied';
  }

  /** Reports an action job's outcome to its run as an event (idempotent by job id). */
  async reportAction(
    job: ActionJob,
    outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
    attempts: number,
  ): Promise<void> {
    if (job.undoOf) {
      // An undo's outcome goes to the undo book, whatever the run's position now.
      const done: RunEvent = outcome.ok
        ? { type: 'undo.done', effectKey: job.undoOf.effectKey, ok: true, result: outcome.result }
        : {
            type: 'undo.done',
            effectKey: job.undoOf.effectKey,
            ok: false,
            error: { code: outcome.code, message: outcome.message },
          };
      await this.queueEvent(
        job.runId,
        UNDO_POSITION,
        `${job.effectKey}-${outcome.ok ? 'done' : 'failed'}`,
        done,
      );
      return;
    }
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
    if (run.status === 'undoing') return this.reconcileUndo(run);
    const compiled = await this.compiled(run.playbookHash, run.id);
    for (const [state, step] of Object.entries(leavesOf(run))) {
      const resting = kindOf(compiled.states[state]);
      await resting?.kind.reconcile?.(
        { ...run, state, step },
        resting.def,
        compiled,
        this.#services,
      );
    }
  }

  /** An undo pass whose current job vanished or whose outcome was never applied. */
  private async reconcileUndo(run: RunRecord): Promise<void> {
    const current = run.undo?.pass?.queue[0];
    const entry = current && entryOf(run.undo ?? EMPTY_BOOK, current);
    if (!entry) return;
    const jobId = undoKey(entry.effectKey);
    const job = await this.deps.queues.actionJobState(jobId);
    const compiled = await this.compiled(run.playbookHash, run.id);
    if (job.state === 'unknown') {
      await this.perform(run, compiled, { kind: 'undo', id: jobId, effectKey: entry.effectKey });
    } else if (job.state === 'completed' || job.state === 'failed') {
      const ok = job.state === 'completed';
      await this.queueEvent(run.id, UNDO_POSITION, `${jobId}-${ok ? 'done' : 'failed'}`, {
        type: 'undo.done',
        effectKey: entry.effectKey,
        ok,
        ...(ok
          ? { result: job.returnValue ?? null }
          : {
              error: {
                code: 'CORDON_ERR_ACTION_FAILED',
                message: job.failedReason ?? 'the undo job failed',
              },
            }),
      });
    }
  }

  /**
   * The run's incident changed (a new match was attached): tell every run of it that rests in
   * a state watching its incident. Safe to call for any incident, any number of times.
   */
  async incidentChanged(incidentId: string): Promise<void> {
    for (const run of await this.deps.runs.list({ limit: 100, incidentId })) {
      if (FINAL_STATUSES.includes(run.status)) continue;
      const compiled = await this.compiled(run.playbookHash, run.id);
      for (const [state, step] of Object.entries(leavesOf(run))) {
        const resting = kindOf(compiled.states[state]);
        if (resting?.kind.watchesIncident?.(resting.def))
          await this.checkIncident(run, { state, step });
      }
    }
  }

  private async checkIncident(
    run: RunRecord,
    at: { readonly state: string; readonly step: number },
  ): Promise<void> {
    const incident = await this.deps.incidents?.get(run.incidentId);
    if (!incident) return;
    const scope = incidentScope(incident);
    const eventId = deterministicId(
      'chg',
      run.id,
      at.state,
      String(at.step),
      sha256Hex(stableStringify(scope)),
    );
    await this.queueEvent(run.id, at, eventId, { type: 'incident.changed', incident: scope });
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
    if (isTimer(effect)) {
      await this.queueEvent(
        run.id,
        { state: effect.state, step: effect.step },
        effect.id,
        effect.event as RunEvent,
        Math.max(0, effect.fireAt - this.deps.clock.now()),
      );
      return;
    }
    if (isCancelTimer(effect)) {
      await this.deps.queues.removeRunJob(effect.id);
      return;
    }
    if (isExpiry(effect)) {
      await this.queueEvent(
        run.id,
        UNDO_POSITION,
        effect.id,
        { type: 'undo.expire', effectKey: effect.effectKey },
        Math.max(0, effect.fireAt - this.deps.clock.now()),
      );
      return;
    }
    if (isUndo(effect)) {
      const entry = entryOf(run.undo ?? EMPTY_BOOK, effect.effectKey);
      if (!entry) return;
      await this.deps.queues.addActionJob(undoJob(run, entry, entry.reason ?? 'cancelled'), {
        jobId: effect.id,
        attempts: UNDO_RETRY.attempts,
        backoff: { type: UNDO_RETRY.backoff, delayMs: UNDO_RETRY.delayMs },
      });
      return;
    }
    if (isWithdraw(effect)) {
      for (const at of effect.at) {
        const resting = kindOf(compiled.states[at.state]);
        await resting?.kind.cancel?.(run, resting.def, at, this.#services);
      }
      return;
    }
    if (!isStateEffect(effect)) return;
    const kind = stateKind(effect.kind);
    const def = compiled.states[effect.state];
    if (!kind?.effect || !def) {
      this.deps.logger.error(
        { runId: run.id, effect },
        'effect of an unknown kind or state; dropped',
      );
      return;
    }
    await kind.effect.perform(effect, def, run, compiled, this.#services);
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

/** The kind of a state, with its definition (typed for the kind's own hooks). */
function kindOf(
  def: StateDefinition | undefined,
): { kind: StateKind; def: StateDefinition } | undefined {
  const kind = def && stateKind(def.kind);
  return kind && def ? { kind, def } : undefined;
}

/** Undo outcomes and expiries apply wherever the run is: their events name no position. */
const UNDO_POSITION = { state: '__undo', step: 0 } as const;

/** The status of a run resting at `state` (a retry's restart point). */
function statusOfState(compiled: CompiledPlaybook, state: string): RunStatus {
  return kindOf(compiled.definition.states[state])?.kind.resting === 'waiting'
    ? 'waiting'
    : 'running';
}

function statusOf(
  snapshot: AnyMachineSnapshot,
  compiled: CompiledPlaybook,
  position: Position,
): RunStatus {
  const name = position.state;
  if (name === FAILED_STATE) return 'failed';
  const resting = kindOf(compiled.states[name]);
  if (snapshot.status === 'done' || resting?.kind.resting === 'final')
    return resting?.kind.outcome?.(resting.def) ?? 'failed';
  // Inside a parallel state the run waits only when every branch still going waits.
  const kinds = Object.keys(position.leaves).map((l) => kindOf(compiled.states[l])?.kind.resting);
  return kinds.length > 0 && kinds.every((k) => k === 'waiting') ? 'waiting' : 'running';
}

/** Where a run rests: its top-level state, the full xstate value when nested, each position. */
interface Position {
  readonly state: string;
  readonly value: unknown;
  /** Resting (non-final) states → the step each was entered at. */
  readonly leaves: Record<string, number>;
}

function positionOf(
  snapshot: AnyMachineSnapshot,
  compiled: CompiledPlaybook,
  before: Readonly<Record<string, number>>,
  moved: string | undefined,
  step: number,
): Position {
  const value = snapshot.value as unknown;
  const names: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') names.push(v);
    else if (v && typeof v === 'object') for (const child of Object.values(v)) collect(child);
  };
  collect(value);
  const nested = typeof value !== 'string';
  const leaves: Record<string, number> = {};
  for (const leaf of nested ? names : [value]) {
    const final = leaf === FAILED_STATE || kindOf(compiled.states[leaf])?.kind.resting === 'final';
    if (nested && final) continue; // a branch that ended waits for the join, not for events
    const kept = before[leaf];
    leaves[leaf] = kept !== undefined && leaf !== moved ? kept : step;
  }
  return {
    state: nested ? (Object.keys(value as object)[0] ?? '') : value,
    value: nested ? value : undefined,
    leaves,
  };
}

function leavesOf(run: RunRecord): Readonly<Record<string, number>> {
  return run.leaves ?? { [run.state]: run.step };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function effectEntries(effects: readonly Effect[], at: number): TimelineEntry[] {
  return effects.map((e) => {
    if (isTimer(e))
      return { at, type: 'timer.set', state: e.state, fireAt: e.fireAt, timerId: e.id };
    if (isCancelTimer(e)) return { at, type: 'timer.cancelled', timerId: e.id };
    if (isUndo(e)) return { at, type: 'undo.queued', effectKey: e.effectKey, jobId: e.id };
    if (isExpiry(e)) return { at, type: 'expiry.set', effectKey: e.effectKey, fireAt: e.fireAt };
    if (isWithdraw(e)) return { at, type: 'withdrawn', states: e.at.map((p) => p.state) };
    const said = stateKind(e.kind)?.effect;
    return {
      at,
      type: said?.timeline ?? `${e.kind}.requested`,
      state: e.state,
      [said?.timelineId ?? 'id']: e.id,
    };
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
    case 'incident.changed':
    case 'undo.done':
    case 'undo.expire':
      return {};
    default:
      return event.approvalId ? { approvalId: event.approvalId, timeout: true } : {};
  }
}
