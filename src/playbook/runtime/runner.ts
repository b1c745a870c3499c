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
  type CompiledPlaybook,
  type RunContext,
  type RunEvent,
} from '../definition/compile-playbook.js';
import { afterChildFlush } from '../kinds/call/call-runtime.js';
import { failedAtAfter } from '../kinds/parallel/parallel-retry.js';
import { stateKind } from '../kinds/registry.js';
import type { RunServices } from '../kinds/state-kind.js';
import { pureInitialTransition, pureTransition } from './pure-transition.js';
import { incidentScope } from './run-scope.js';
import {
  isCancelTimer,
  isExpiry,
  isRedeliver,
  isStateEffect,
  isTimer,
  isUndo,
  isWithdraw,
  stateEffectId,
  toEffects,
  type Effect,
  type StateEffect,
} from './effects.js';
import { EMPTY_BOOK, entryOf, expiryKey, toUndo, withEntry } from './undo-book.js';
import { startPass, undoJob, UNDO_RETRY } from './undo-runtime.js';
import {
  queuedJobs,
  type ActionJob,
  type EncodedJob,
  type HeldAction,
  type QueuedJobs,
  type RunEventJob,
  type RunQueues,
  type RunStartJob,
} from './jobs.js';
import type { PlaybookCatalog } from './playbook-catalog.js';
import {
  FINAL_STATUSES,
  type RunRecord,
  type RunStatus,
  type TimelineEntry,
} from './run-record.js';
import { cancelRun, retryRun, retryUndos } from './run-control.js';
import { kindOf, leavesOf, positionOf, sameValue, statusOf } from './run-positions.js';
import { effectEntries, eventSummary } from './run-timeline.js';
import { lazyChild } from './lazy-log.js';
import { MAX_CONFLICT_RETRIES, type RunnerCore } from './runner-core.js';
import {
  adoptLateEffect,
  applyUndoEvent,
  deferEvent,
  waitsForRejection,
  endsAwaitedSubRun,
  failedUndoOutcome,
  reconcileUndo,
  relayFinishedUndo,
  subRunsToAwait,
  UNDO_POSITION,
  undoOutcomeEvent,
  type UndoJobOutcome,
} from './undo-events.js';
import { CORDON_METRICS } from '../../shared/metric-families.js';
import type { Metrics } from '../../shared/metrics.js';

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
  /** Step latency and ended runs (cordon_playbook_step_seconds, cordon_runs_ended_total). */
  readonly metrics?: Metrics;
  /**
   * This process runs the `runs` queue's worker: a trigger starts its runs here and now (one
   * queue hop less per run) rather than through a start job, which stays the fallback.
   */
  readonly startsRuns?: boolean;
}

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
  /** What the helpers in run-control.ts and undo-events.ts use of the runner. */
  readonly #core: RunnerCore;
  /**
   * Outbox clears sent and not yet answered (see `flush`), and undo jobs' watchers being told
   * (`undoJobEnded`), for `settle`.
   */
  readonly #clearing = new Set<Promise<void>>();

  constructor(private readonly deps: RunnerDeps) {
    this.#core = {
      deps,
      flush: (run) => this.flush(run),
      compiled: (hash, runId) => this.compiled(hash, runId),
      perform: (run, compiled, effect) => this.perform(run, compiled, effect),
      queueEvent: (runId, at, eventId, event, delayMs) =>
        this.queueEvent(runId, at, eventId, event, delayMs),
    };
    this.#services = {
      deps,
      queueEvent: (runId, at, eventId, event, delayMs) =>
        this.queueEvent(runId, at, eventId, event, delayMs),
      reportAction: (job, outcome, attempts) => this.reportAction(job, outcome, attempts),
      deliverDecision: (approval) => this.deliverDecision(approval),
      perform: (run, compiled, effect) => this.perform(run, compiled, effect),
      checkIncident: (run, at) => this.checkIncident(run, at),
      cancelRun: (runId, by) => this.cancel(runId, by),
    };
  }

  static runIdFor(playbookId: string, incidentId: string): string {
    return deterministicId('run', playbookId, incidentId);
  }

  /** The run a later match starts of a playbook with `on.every_match` (one per match). */
  static runIdForMatch(playbookId: string, incidentId: string, matchId: string): string {
    return deterministicId('run', playbookId, incidentId, matchId);
  }

  /**
   * Queues one start job per matching playbook (deterministic ids make this idempotent).
   * `sources`: the source connectors of the match's events (on.source filters). `laterMatch`:
   * the id of a match that joined the incident after it opened; then a playbook that already
   * has a run for the incident is skipped, unless it says `on.every_match` (a run per match).
   */
  async trigger(
    incident: Incident,
    initiator: string,
    sources: readonly string[] = [],
    laterMatch?: string,
  ): Promise<string[]> {
    const started: string[] = [];
    let byHand: Set<string> | undefined;
    for (const playbook of this.deps.playbooks.forIncident(incident, sources)) {
      const id = playbook.definition.id;
      const perMatch = laterMatch !== undefined && playbook.definition.trigger.everyMatch === true;
      const runId = perMatch
        ? Runner.runIdForMatch(id, incident.id, laterMatch)
        : Runner.runIdFor(id, incident.id);
      if (laterMatch !== undefined && !perMatch) {
        // One run per playbook and incident: the first match that passes the trigger starts
        // it, unless a person started the playbook for the incident by hand already (whatever
        // became of that run: a cancel is a decision too).
        if (await this.deps.runs.get(runId)) continue;
        byHand ??= await this.deps.runs.playbooksRunFor(incident.id);
        if (byHand.has(id)) continue;
      }
      await this.deps.playbooks.pin(playbook);
      const job: RunStartJob = {
        type: 'start',
        runId,
        playbookId: playbook.definition.id,
        playbookHash: playbook.hash,
        incident: incidentScope(incident),
        initiator,
      };
      started.push(runId);
      if (this.deps.startsRuns) {
        try {
          await this.start(job);
          continue;
        } catch (err) {
          this.deps.logger.warn(
            { err, runId },
            'starting a run in place failed; it goes through the run queue',
          );
        }
      }
      await this.deps.queues.addRunJob(job, { jobId: runId });
    }
    return started;
  }

  /**
   * Queues the start of a run a person asked for (POST /v1/runs): the start job triggers
   * queue, under the caller's `runId` (its idempotency). `incident` is the incident's scope, or
   * `{}` for an ad-hoc run (templates reading incident.* then fail their step).
   */
  async startManual(
    playbook: CompiledPlaybook,
    start: Pick<RunStartJob, 'runId' | 'incident' | 'initiator' | 'inputs' | 'comment'>,
  ): Promise<void> {
    await this.deps.playbooks.pin(playbook);
    const job: RunStartJob = {
      type: 'start',
      playbookId: playbook.definition.id,
      playbookHash: playbook.hash,
      ...start,
    };
    await this.deps.queues.addRunJob(job, { jobId: start.runId });
  }

  async start(job: RunStartJob): Promise<void> {
    const compiled = await this.compiled(job.playbookHash, job.runId);
    // No read first (a round trip on every trigger): the create refuses a run that exists (a
    // start job delivered again, a trigger repeated), whose outbox is then performed instead.
    const now = this.deps.clock.now();
    const input: RunContext = {
      incident: job.incident,
      run: {
        id: job.runId,
        playbook: job.playbookId,
        startedAt: now,
        ...(job.inputs ? { inputs: job.inputs } : {}),
      },
      steps: {},
      ...(compiled.definition.connectors ? { connectors: compiled.definition.connectors } : {}),
      approvals: {},
      gate: null,
    };
    const [snapshot, actions] = pureInitialTransition(compiled.machine, input);
    const position = positionOf(snapshot, compiled, {}, undefined, 1);
    const state = position.state;
    const effects = toEffects(actions, job.runId, { state, step: 1, prevStep: 0, at: now });
    const status = statusOf(snapshot, compiled, position);
    const incidentId = typeof job.incident.id === 'string' ? job.incident.id : '';
    const { queued, outbox } = this.#queueWithSave(
      { id: job.runId, incidentId, playbookId: job.playbookId, context: snapshot.context },
      compiled,
      effects,
    );
    const record: RunRecord = {
      id: job.runId,
      playbookId: job.playbookId,
      playbookHash: job.playbookHash,
      incidentId,
      initiator: job.initiator,
      status,
      state,
      step: 1,
      version: 1,
      context: snapshot.context as RunContext,
      pendingEffects: outbox,
      ...(position.value === undefined ? {} : { value: position.value }),
      leaves: position.leaves,
      createdAt: now,
      updatedAt: now,
      endedAt: FINAL_STATUSES.includes(status) ? now : undefined,
      ...(job.parent ? { parent: job.parent } : {}),
    };
    const started: TimelineEntry = {
      at: now,
      type: 'started',
      state,
      playbook: job.playbookId,
      playbookHash: job.playbookHash,
      initiator: job.initiator,
      ...(job.parent ? { parent: job.parent.runId } : {}),
      ...(job.comment ? { comment: job.comment } : {}),
    };
    const timeline = [started, ...effectEntries(effects, now)];
    const created = job.parent
      ? await this.deps.runs.createSubRunAndGet(record, timeline, job.parent, queued)
      : await this.deps.runs.createAndGet(record, timeline, queued);
    let run: RunRecord | undefined;
    if (created === 'orphaned') {
      run = await this.#createOrphaned(record, started, job.parent?.runId ?? '');
    } else {
      if (created) {
        this.deps.logger.info(
          { runId: job.runId, playbookId: job.playbookId, incidentId: record.incidentId },
          'run started',
        );
        this.deps.crash('run.after-create');
      }
      run = created ?? (await this.deps.runs.get(job.runId));
    }
    if (run) await this.flush(run, { clearLater: true });
  }

  /**
   * A sub-run whose parent left the call before its start ran (cancelled, timed out, gone on):
   * recorded as cancelled having done nothing, no job queued, so its end (the flush after)
   * tells a parent that still waits for it. Answers the run as stored.
   */
  async #createOrphaned(
    record: RunRecord,
    started: TimelineEntry,
    parentId: string,
  ): Promise<RunRecord | undefined> {
    const at = record.createdAt;
    const cancelled = await this.deps.runs.createAndGet(
      { ...record, status: 'cancelled', pendingEffects: [], leaves: {}, endedAt: at },
      [
        started,
        { at, type: 'cancelled', by: `run:${parentId}`, state: record.state, beforeStart: true },
        { at, type: 'ended', outcome: 'cancelled' },
      ],
    );
    this.deps.logger.info(
      { runId: record.id, parent: parentId },
      'sub-run cancelled before it started: its parent no longer waits at the call',
    );
    return cancelled ?? (await this.deps.runs.get(record.id));
  }

  /**
   * Applies one event to its run (at most once per event id). `remembered`: the first attempt
   * may start from the run as this process last saved it instead of reading it (an action's
   * outcome, where the run rests at the action: the hot path). Only a clean save is taken from
   * that copy; the save refuses a stale version or an event applied already, and every other
   * outcome is decided again from a fresh read.
   */
  async apply(
    job: RunEventJob,
    options: { readonly remembered?: boolean } = {},
  ): Promise<ApplyOutcome> {
    return (await this.#apply(job, options)).outcome;
  }

  /**
   * `apply`; with `holder` (the id of the action job whose success this event reports), a
   * transition whose only effect is the next action job does not queue that job: the save
   * records that the holder runs it in place (RunRecord.held) and answers it as `held`.
   */
  async #apply(
    job: RunEventJob,
    options: { readonly remembered?: boolean; readonly holder?: string },
  ): Promise<{ outcome: ApplyOutcome; held?: HeldAction }> {
    const log = lazyChild(this.deps.logger, () => ({ runId: job.runId, event: job.event.type }));
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const remembered =
        attempt === 0 && options.remembered
          ? await this.deps.runs.recentSettled(job.runId)
          : undefined;
      // One round trip: the main connection pipelines the two reads.
      const [run, applied] = remembered
        ? [remembered, false]
        : await Promise.all([
            this.deps.runs.get(job.runId),
            this.deps.runs.wasApplied(job.runId, job.eventId),
          ]);
      if (!run) {
        log().warn('event for a run that does not exist; dropped');
        return { outcome: 'missing' };
      }
      if (remembered && run.pendingEffects.length > 0) continue;
      if (run.pendingEffects.length > 0) {
        await this.flush(run);
        continue;
      }
      if (applied) return { outcome: 'duplicate' };
      if (
        job.event.type === 'undo.done' ||
        job.event.type === 'undo.expire' ||
        endsAwaitedSubRun(run, job.event)
      ) {
        const outcome = await applyUndoEvent(this.#core, run, job);
        if (outcome === 'conflict') continue;
        return { outcome };
      }
      if (remembered && (run.status === 'undoing' || FINAL_STATUSES.includes(run.status))) continue;
      if (waitsForRejection(run, job)) {
        const outcome = await deferEvent(this.#core, run, job);
        if (outcome === 'conflict') continue;
        return { outcome };
      }
      if (run.status === 'undoing' || FINAL_STATUSES.includes(run.status)) {
        const outcome = await adoptLateEffect(this.#core, run, job);
        if (outcome === 'conflict') continue;
        return { outcome };
      }
      // Each resting position (one per parallel branch) moves on its own: an event applies
      // only while its own position is where it was when the event was queued.
      const leaves = leavesOf(run);
      if (leaves[job.expect.state] !== job.expect.step) {
        if (remembered) continue;
        // An action's success, or a sub-run's end, for a position the run left without it (a
        // branch `join: any` withdrew while its job ran, a call that timed out as its sub-run
        // resolved): the effects landed all the same and are taken back.
        if (job.event.type === 'action.succeeded' || job.event.type === 'call.ended') {
          const outcome = await adoptLateEffect(this.#core, run, job);
          if (outcome === 'conflict') continue;
          if (outcome !== 'ignored') return { outcome };
        }
        log().debug({ expect: job.expect, state: run.state, leaves }, 'stale event ignored');
        return { outcome: 'stale' };
      }
      const compiled = await this.compiled(run.playbookHash, run.id);
      const now = this.deps.clock.now();
      let event: RunEvent = job.event;

      const resting = kindOf(compiled.states[job.expect.state]);
      const at = { ...run, state: job.expect.state, step: job.expect.step };
      // A kind's look before the event may act (expire an approval): only on a fresh read.
      if (remembered && resting?.kind.beforeEvent) continue;
      if (resting?.kind.beforeEvent) {
        const replaced = await resting.kind.beforeEvent(at, resting.def, event, this.#services);
        if (replaced === 'stale') return { outcome: 'stale' };
        event = replaced;
      }
      // Every event carries when it was applied (a wait computes its time from it).
      if (typeof (event as { at?: unknown }).at !== 'number')
        event = { ...event, at: now } as RunEvent;

      const snapshot = compiled.machine.resolveState({
        value: (run.value ?? run.state) as string,
        context: run.context,
      });
      const [next, actions] = pureTransition(compiled.machine, snapshot, event);
      const step = run.step + 1;
      const position = positionOf(next, compiled, leaves, job.expect.state, step);
      const state = position.state;
      if (
        sameValue(next.value, snapshot.value) &&
        actions.length === 0 &&
        next.context === snapshot.context
      ) {
        if (remembered) continue;
        log().warn({ state: run.state }, 'event not accepted in this state; ignored');
        return { outcome: 'ignored' };
      }
      let effects = toEffects(actions, run.id, {
        state,
        step,
        prevStep: run.step,
        at: now,
        stepOf: (leaf) => leaves[leaf],
      });
      // Branches a join left behind (`any`) are withdrawn: queued jobs, pending approvals; so is
      // the state the event moves from, when its kind may leave work behind on this event.
      const left = Object.entries(leaves)
        .filter(([leaf, at]) => leaf !== job.expect.state && position.leaves[leaf] !== at)
        .map(([leaf, at]) => ({ state: leaf, step: at }));
      if (
        position.leaves[job.expect.state] !== job.expect.step &&
        resting?.kind.leavesBehind?.(resting.def, event)
      )
        left.push({ state: job.expect.state, step: job.expect.step });
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
      for (const adopted of resting?.kind.adoptedUndo?.(resting.def, event) ?? [])
        book = withEntry(book, adopted);
      const failedAt = failedAtAfter(compiled.definition, run, job.expect.state, event, {
        state,
        failed: status === 'failed',
        leaves: position.leaves,
        context,
      });

      // Failing after side effects takes them all back; a rejection takes back the steps
      // marked undo_on_reject. The run is `undoing` until the pass is over.
      let saveStatus: RunStatus = status;
      const failedUndo = status === 'failed' ? toUndo(book) : [];
      const rejectedUndo =
        event.type === 'approval.rejected' ? toUndo(book, (e) => e.undoOnReject) : [];
      // A sub-run of the position it fails at undoes its (newer) effects first: one a timeout
      // just cancelled, or one that resolved as the timeout fell, its end still on the way
      // (only the sub-run's own end says it is over).
      const after =
        status === 'failed'
          ? await subRunsToAwait(
              this.#core,
              compiled,
              run,
              [job.expect],
              event.type !== 'call.ended',
            )
          : [];
      if (failedUndo.length > 0 || rejectedUndo.length > 0 || after.length > 0) {
        const failing = status === 'failed';
        // What the transition takes back from the run goes out now (the branches a join left
        // withdrawn, their timers cancelled); a rejection's next step waits for the pass.
        const atOnce = failing ? effects : effects.filter((e) => isWithdraw(e) || isCancelTimer(e));
        const later = failing ? [] : effects.filter((e) => !atOnce.includes(e));
        const pass = startPass(
          book,
          failing ? 'failed' : 'rejected',
          failing ? failedUndo : rejectedUndo,
          { status, effects: later, ended },
          after,
          atOnce.filter(isWithdraw).flatMap((e) => e.at),
        );
        book = pass.book;
        effects = [...atOnce, ...pass.effects];
        saveStatus = 'undoing';
        ended = false;
        extra.push({
          at: now,
          type: 'undo.started',
          reason: failing ? 'failed' : 'rejected',
          effects: failing ? failedUndo.length : rejectedUndo.length,
          ...(after.length > 0 ? { after } : {}),
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
      // Action jobs go out with the save itself; only the rest waits in the outbox. After an
      // action's success, a lone next action job is not queued at all: its holder runs it.
      const holder =
        options.holder !== undefined &&
        event.type === 'action.succeeded' &&
        saveStatus === 'running' &&
        position.value === undefined &&
        extra.length === 0
          ? options.holder
          : undefined;
      const held =
        holder === undefined ? undefined : this.#holdable({ ...run, context }, compiled, effects);
      const { queued, outbox } = held
        ? { queued: undefined, outbox: [] }
        : this.#queueWithSave({ ...run, context }, compiled, effects);
      const saved = await this.deps.runs.commit(
        run,
        {
          status: saveStatus,
          state,
          step,
          value: position.value ?? null,
          leaves: position.leaves,
          context,
          pendingEffects: outbox,
          updatedAt: now,
          ...(ended ? { endedAt: now } : {}),
          ...(book !== run.undo && book !== EMPTY_BOOK ? { undo: book } : {}),
          ...(failedAt !== undefined ? { failedAt } : {}),
          ...(held && holder !== undefined
            ? { held: { by: holder, step } }
            : run.held
              ? { held: null }
              : {}),
        },
        timeline,
        job.eventId,
        queued,
      );
      if (saved === 'conflict' || (saved === 'duplicate' && remembered)) continue;
      if (saved === 'duplicate') return { outcome: 'duplicate' };
      if (saved === 'missing') return { outcome: 'missing' };
      if (this.deps.logger.isLevelEnabled('info'))
        log().info({ from: run.state, to: state, status }, 'run transition');
      this.observeStep(run, resting?.def.kind, now);
      this.deps.crash('run.after-save');
      await this.flush(saved, { clearLater: true });
      return held ? { outcome: 'applied', held } : { outcome: 'applied' };
    }
    throw new Error(
      `Run ${job.runId}: could not apply ${job.event.type} after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
    );
  }

  /**
   * Splits a transition's effects: the action jobs the save's own script adds (BullMQ's job,
   * encoded by BullMQ's code, added atomically with the save, so they need no outbox entry and
   * no clear after) and the rest, the outbox. Everything stays in the outbox when the queues
   * cannot encode a job (another queue backend, another BullMQ version) or a kind has no job
   * to add (its inputs fail: the outbox reports that as before).
   */
  #queueWithSave(
    run: Pick<RunRecord, 'id' | 'incidentId' | 'playbookId'> & { readonly context: unknown },
    compiled: CompiledPlaybook,
    effects: readonly Effect[],
  ): { queued: QueuedJobs | undefined; outbox: Effect[] } {
    const queues = this.deps.queues;
    if (!queues.encodeActionJob) return { queued: undefined, outbox: [...effects] };
    const encoded: EncodedJob[] = [];
    const outbox: Effect[] = [];
    for (const effect of effects) {
      const kind = isStateEffect(effect) ? stateKind(effect.kind) : undefined;
      const def = isStateEffect(effect) ? compiled.states[effect.state] : undefined;
      const made =
        kind?.effect?.queued && def && isStateEffect(effect)
          ? kind.effect.queued(effect, def, run as RunRecord)
          : undefined;
      const job = made && queues.encodeActionJob(made.job, made.options);
      if (job && (encoded.length === 0 || sameKeys(encoded[0]?.queueKeys, job.queueKeys)))
        encoded.push(job);
      else outbox.push(effect);
    }
    return { queued: queuedJobs(encoded), outbox };
  }

  /**
   * The job of a transition's only effect, when that effect is one a kind queues as a job
   * (`queued`): what the holder runs in place instead of queueing it. Undefined otherwise.
   */
  #holdable(
    run: Pick<RunRecord, 'id' | 'incidentId' | 'playbookId'> & { readonly context: unknown },
    compiled: CompiledPlaybook,
    effects: readonly Effect[],
  ): HeldAction | undefined {
    const [effect] = effects;
    if (effects.length !== 1 || !effect || !isStateEffect(effect)) return undefined;
    const def = compiled.states[effect.state];
    const kind = stateKind(effect.kind);
    return def && kind?.effect?.queued
      ? kind.effect.queued(effect, def, run as RunRecord)
      : undefined;
  }

  /**
   * The step run `runId` rests at, if job `holder` holds it (RunRecord.held): the holder's
   * own outcome was applied before (it runs again after a crash) and continues with it.
   */
  async #heldBy(runId: string, holder: string): Promise<HeldAction | undefined> {
    const run = await this.deps.runs.get(runId);
    if (
      !run?.held ||
      run.held.by !== holder ||
      run.held.step !== run.step ||
      run.pendingEffects.length > 0 ||
      run.status !== 'running' ||
      run.value !== undefined
    )
      return undefined;
    const compiled = await this.compiled(run.playbookHash, run.id);
    const def = compiled.states[run.state];
    const kind = def ? stateKind(def.kind) : undefined;
    if (!def || !kind?.effect?.queued) return undefined;
    const effect: StateEffect = {
      kind: def.kind,
      id: stateEffectId(kind.effect.idPrefix, run.id, run.state, run.step),
      state: run.state,
      step: run.step,
      at: run.updatedAt,
    };
    return kind.effect.queued(effect, def, run);
  }

  /**
   * A held step whose attempt in place failed (with attempts left), or that could not go on in
   * place: queued as the job it would have been, for the attempts its policy has left, after
   * its backoff. Its run still says who held it; reconcile looks at this job first.
   */
  async handOff(held: HeldAction, attemptsMade: number): Promise<void> {
    const { options } = held;
    if (attemptsMade === 0) {
      await this.deps.queues.addActionJob(held.job, options);
      return;
    }
    // The new job counts its attempts from zero, so an exponential backoff is shifted by the
    // attempts made in place: its waits go on doubling from where the step left off
    // (d, 2d, 4d … over the step's attempts) instead of starting again at d.
    const { backoff } = options;
    const scale = backoff.type === 'exponential' ? 2 ** attemptsMade : 1;
    await this.deps.queues.addActionJob(
      { ...held.job, attemptsBefore: attemptsMade },
      {
        ...options,
        attempts: Math.max(1, options.attempts - attemptsMade),
        delayMs: (backoff.delayMs * scale) / (backoff.type === 'exponential' ? 2 : 1),
        backoff: { ...backoff, delayMs: backoff.delayMs * scale },
      },
    );
  }

  /** How long the run rested at the step it left (since its last save), by the step's kind. */
  private observeStep(run: RunRecord, kind: string | undefined, now: number): void {
    const m = CORDON_METRICS.stepSeconds;
    if (this.deps.metrics && kind !== undefined)
      this.deps.metrics.observe(
        m.name,
        m.help,
        { kind },
        Math.max(0, now - run.updatedAt) / 1000,
        m.buckets,
      );
  }

  cancel(runId: string, by: string, comment?: string): ReturnType<typeof cancelRun> {
    return cancelRun(this.#core, runId, by, comment);
  }

  retry(runId: string, by: string, comment?: string): ReturnType<typeof retryRun> {
    return retryRun(this.#core, runId, by, comment);
  }

  retryUndos(runId: string, by: string, comment?: string): ReturnType<typeof retryUndos> {
    return retryUndos(this.#core, runId, by, comment);
  }

  /** Reports an action job's outcome to its run as an event (idempotent by job id). */
  async reportAction(
    job: ActionJob,
    outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
    attempts: number,
  ): Promise<void> {
    if (job.undoOf) {
      // An undo's outcome goes to the undo book, whatever the run's position now; a success
      // also to the runs whose books hold the effect too (a sub-run whose effect this run took
      // over). A failure reaches those only once the queue has recorded it (undoJobEnded): one
      // that tries again must find this job failed, not still running.
      for (const told of outcome.ok ? [job.runId, ...(job.tell ?? [])] : [job.runId]) {
        const { eventId, event } = undoOutcomeEvent(
          told,
          job.runId,
          job.effectKey,
          job.undoOf.effectKey,
          outcome,
          job.undoTry,
        );
        await this.queueEvent(told, UNDO_POSITION, eventId, event);
      }
      return;
    }
    const { event, eventId } = outcomeEvent(job, outcome, attempts);
    await this.queueEvent(job.runId, { state: job.state, step: job.step }, eventId, event);
  }

  /**
   * An undo job has ended (completed, or failed with no attempt left), seen after its queue
   * recorded it. Told now: the runs that asked for the same undo while this job was queued or
   * running (another run's, so adding theirs added nothing: relayFinishedUndo), rather than by
   * reconcile; and, of a failure, the job's `tell` (a run that tries again finds this job
   * failed, so its own try is added) and its own run. The job's report told its own run, and
   * `tell` of a success, unless that report failed on the last attempt: then they are listed
   * as watchers (watchOwnUndo) and told here, like any other. A run told twice finds the second
   * a duplicate (the same event id). A run that asks after the job ended reads that it has, so a watcher
   * listed after the read here needs nothing from it. `ended`: for a failure that may be one
   * attempt of several, whether the job has ended. A notice lost with its process is sent by
   * reconcile (reconcileAnnouncements).
   */
  async undoJobEnded(
    job: ActionJob,
    outcome: UndoJobOutcome,
    ended: () => Promise<boolean> = async () => true,
  ): Promise<void> {
    if (!job.undoOf) return;
    const jobId = job.effectKey;
    const { effectKey } = job.undoOf;
    const ending = (async () => {
      if (!(await ended())) return;
      const watchers = await this.deps.runs.undoWatchers(jobId);
      // A failure goes to the job's own run too, under the id of its report (a duplicate when
      // the report was sent): a job BullMQ failed for stalling too often never ran to report.
      const runs = outcome.ok
        ? watchers
        : [...new Set([job.runId, ...(job.tell ?? []), ...watchers])];
      for (const run of runs) {
        const { eventId, event } = undoOutcomeEvent(
          run,
          job.runId,
          jobId,
          effectKey,
          outcome,
          job.undoTry,
        );
        await this.queueEvent(run, UNDO_POSITION, eventId, event);
      }
      // Only those read: a run listed since waits on a new job under the same id.
      await this.deps.runs.forgetUndoWatchers(jobId, watchers);
      await this.deps.runs.announced(jobId);
    })()
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { err, runId: job.runId, jobId },
          'telling the runs that wait on an undo job how it ended failed; reconcile tells them',
        ),
      )
      .finally(() => this.#clearing.delete(ending));
    // Awaited by `settle` too, so a closing process tells the runs before it goes.
    this.#clearing.add(ending);
    await ending;
  }

  /**
   * An undo job's success could not be reported to its run on the job's last attempt: its run
   * and `tell` are listed as watching the job, so its end (undoJobEnded), or reconcile if that
   * notice is lost (reconcileAnnouncements), tells them, as it tells another run's watchers.
   */
  async watchOwnUndo(job: ActionJob): Promise<void> {
    await this.deps.runs.watchUndo(job.effectKey, [job.runId, ...(job.tell ?? [])]);
  }

  /**
   * The action worker's report of an effect's outcome: applied here, by the worker that has
   * it, rather than through the run queue, which saves one queue hop per step. Applying is
   * idempotent (by event id) and compare-and-set, so this is as safe from any process; if it
   * fails for any reason, the outcome goes through the run queue as `reportAction` sends it,
   * and that job finds the event applied (a duplicate) or applies it. (Kinds report refusals
   * found while the runner is applying with `reportAction`, which must not apply re-entrantly.)
   */
  async completeAction(
    job: ActionJob,
    outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
    attempts: number,
    /**
     * The id of the BullMQ job reporting (the job itself, or the job holding this step): after
     * a success, the next step may be held for it to run in place, which is answered here.
     */
    holder?: string,
  ): Promise<HeldAction | undefined> {
    if (!job.undoOf) {
      const { event, eventId } = outcomeEvent(job, outcome, attempts);
      try {
        const expect = { state: job.state, step: job.step };
        const hold = holder !== undefined && outcome.ok ? holder : undefined;
        const applied = await this.#apply(
          { type: 'event', runId: job.runId, eventId, event, expect },
          hold === undefined ? { remembered: true } : { remembered: true, holder: hold },
        );
        if (applied.held) return applied.held;
        // Applied before (this job runs again after a crash): it may hold the next step still.
        if (applied.outcome === 'duplicate' && hold !== undefined)
          return await this.#heldBy(job.runId, hold);
        return undefined;
      } catch (err) {
        this.deps.logger.warn(
          { err, runId: job.runId, eventId },
          'applying an action outcome in place failed; it goes through the run queue',
        );
      }
    }
    await this.reportAction(job, outcome, attempts);
    return undefined;
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
    await this.reconcileAnnouncements();
  }

  /**
   * Undo jobs whose end other runs were to be told of (watchers, a failure's `tell`) and were
   * not, the notice after the end lost with its process: told now (the event ids make a
   * notice sent twice a duplicate). Ended runs are reached too, which reconcileRun never is.
   */
  private async reconcileAnnouncements(): Promise<void> {
    for (const jobId of await this.deps.runs.unannounced()) {
      try {
        const status = await this.deps.queues.actionJobState(jobId);
        if (status.state === 'unknown' || !status.job) {
          // Gone (kept no longer than the queue keeps finished jobs): nothing left to tell
          // from, unless a run listed since waits on a new job under the id.
          if (await this.deps.runs.announced(jobId))
            this.deps.logger.warn(
              { jobId },
              'an undo job whose end was still to be told is gone from the queue; its runs learn it from their own reconcile or expiry',
            );
        } else if (status.state === 'completed')
          await this.undoJobEnded(status.job, { ok: true, result: status.returnValue ?? null });
        else if (status.state === 'failed')
          await this.undoJobEnded(status.job, failedUndoOutcome(status.failedReason));
      } catch (err) {
        this.deps.logger.error({ err, jobId }, 'reconcile failed for an undo job’s notice');
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
    if (run.status === 'undoing') return reconcileUndo(this.#core, run);
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

  /**
   * Performs the run's outbox, then clears it (compare-and-set). A sub-run (a call's) then
   * tells its parent when it ended; runs without a parent pay nothing more.
   *
   * `clearLater`: the clear is sent but not waited for (the step's job completes one round trip
   * sooner). Nothing depends on it landing: an outbox left uncleared (a crash, a lost race) is
   * performed again on the run's next touch or by `reconcile`, each effect idempotent, exactly
   * as after a crash between performing and clearing. Reads and saves this process sends later
   * go over the same connection, after it.
   */
  private async flush(
    initial: RunRecord,
    options: { readonly clearLater?: boolean } = {},
  ): Promise<void> {
    if (options.clearLater && !initial.parent && initial.pendingEffects.length > 0) {
      const compiled = await this.compiled(initial.playbookHash, initial.id);
      for (const effect of initial.pendingEffects) await this.perform(initial, compiled, effect);
      this.#clearInBackground(initial);
      return;
    }
    await this.flushEffects(initial);
    if (initial.parent)
      await afterChildFlush((await this.deps.runs.get(initial.id)) ?? initial, {
        queueEvent: (runId, at, eventId, event) => this.queueEvent(runId, at, eventId, event),
        crash: this.deps.crash,
        getRun: (id) => this.deps.runs.get(id),
        cancelRun: (id, by) => this.cancel(id, by),
      });
  }

  /** Clears a performed outbox without holding up the caller; a lost race flushes again. */
  #clearInBackground(run: RunRecord): void {
    const clearing = (async () => {
      if (await this.deps.runs.clearEffects(run, this.deps.clock.now())) return;
      const now = await this.deps.runs.get(run.id);
      if (now) await this.flushEffects(now);
    })()
      .catch((err: unknown) =>
        this.deps.logger.warn(
          { err, runId: run.id },
          'clearing a performed outbox failed; the next touch or reconcile performs it again',
        ),
      )
      .finally(() => this.#clearing.delete(clearing));
    this.#clearing.add(clearing);
  }

  /**
   * Waits for the outbox clears and watcher notices in flight (before the process closes its
   * connections).
   */
  async settle(): Promise<void> {
    while (this.#clearing.size > 0) await Promise.all([...this.#clearing]);
  }

  private async flushEffects(initial: RunRecord): Promise<void> {
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
      // The id may be another run's too: an effect this run took over from a sub-run, or this
      // sub-run's effect its parent took over. Only then is the queue asked about it first.
      const shared = (entry.alsoIn?.length ?? 0) > 0 || run.parent !== undefined;
      let job = undoJob(run, entry, entry.reason ?? 'cancelled');
      if (shared && entry.status === 'undoing') {
        const found = await this.deps.queues.actionJobState(effect.id);
        // Another run's attempt that failed (kept for weeks) is no answer to this run's ask:
        // the undo is tried again, as this run's job, which tells that run too.
        if (found.state === 'failed' && found.runId !== undefined && found.runId !== run.id) {
          await this.deps.queues.removeFailedActionJob(effect.id);
          // That run, and the runs its job was to tell (the runs between it and a sub-run).
          const tell = [...(job.tell ?? []), found.runId, ...(found.job?.tell ?? [])];
          job = { ...job, tell: [...new Set(tell)].filter((r) => r !== run.id) };
        }
      }
      // Noted before it is queued: a failure's notice to `tell` (sent once the queue has
      // recorded it) is then reconcile's to send if it is lost, even for a job BullMQ fails
      // without running it.
      if ((job.tell?.length ?? 0) > 0) await this.deps.runs.toAnnounce(effect.id);
      await this.deps.queues.addActionJob(job, {
        jobId: effect.id,
        attempts: UNDO_RETRY.attempts,
        backoff: { type: UNDO_RETRY.backoff, delayMs: UNDO_RETRY.delayMs },
      });
      // Another run's job under this id (a sub-run's own expiry or cancel) may be done already:
      // then nothing was added, no worker reports to this run, and it is told here.
      if (shared) await relayFinishedUndo(this.#core, run.id, entry);
      return;
    }
    if (isRedeliver(effect)) {
      await this.deps.queues.addRunJob(
        {
          type: 'event',
          runId: run.id,
          eventId: effect.eventId,
          event: effect.event as RunEvent,
          expect: effect.expect,
        },
        { jobId: effect.id },
      );
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

type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'missing';

function sameKeys(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((k, i) => k === b[i]);
}

/** An action's outcome as the run event it is, with its deterministic event id. */
function outcomeEvent(
  job: ActionJob,
  outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
  attempts: number,
): { event: RunEvent; eventId: string } {
  const event: RunEvent = outcome.ok
    ? { type: 'action.succeeded', state: job.state, result: outcome.result, attempts }
    : {
        type: 'action.failed',
        state: job.state,
        error: { code: outcome.code, message: outcome.message },
        attempts,
      };
  return { event, eventId: `${job.effectKey}-${outcome.ok ? 'done' : 'failed'}` };
}
