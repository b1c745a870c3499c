import type { CompiledPlaybook, RunEvent } from '../definition/compile-playbook.js';
import { callEndedEventId } from '../kinds/call/call-runtime.js';
import { stateEffectId, type Effect } from './effects.js';
import { recordedFailure, type JobState, type RunEventJob } from './jobs.js';
import {
  FINAL_STATUSES,
  type RunRecord,
  type RunStatus,
  type TimelineEntry,
} from './run-record.js';
import { kindOf, leavesOf } from './run-positions.js';
import { effectEntries } from './run-timeline.js';
import type { RunnerCore } from './runner-core.js';
import { CORDON_METRICS } from '../../shared/metric-families.js';
import {
  EMPTY_BOOK,
  entryOf,
  mark,
  undoKey,
  withEntry,
  type UndoBook,
  type UndoEntry,
} from './undo-book.js';
import { applyUndoDone, inForce, resumeAfterSubRun } from './undo-runtime.js';

/** Undo outcomes and expiries apply wherever the run is: their events name no position. */
export const UNDO_POSITION = { state: '__undo', step: 0 } as const;

/** An undo finished, or an expiry fell due: the undo book moves, whatever the run's status. */
export async function applyUndoEvent(
  core: RunnerCore,
  run: RunRecord,
  job: RunEventJob,
): Promise<'applied' | 'ignored' | 'missing' | 'conflict'> {
  const now = core.deps.clock.now();
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
  } else if (event.type === 'call.ended') {
    // A sub-run the pass waits for has ended (its end names the parent's old position).
    const outcome = resumeAfterSubRun(run, event.child, await core.deps.runs.get(event.child), now);
    if (!outcome) return 'ignored';
    patch = outcome;
    finished = outcome.finished;
  } else return 'ignored';
  const status = finished?.status ?? run.status;
  const ended = finished?.ended === true;
  const saved = await core.deps.runs.save(
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
  countUndos(core, run.playbookId, patch.timeline);
  const updated = await core.deps.runs.get(run.id);
  if (updated) await core.flush(updated);
  return 'applied';
}

/**
 * Counts the undos a saved step recorded as ended (cordon_undos_total), once each: the save
 * applied the event once, and an undo another run took back (`by`) is that run's to count.
 */
function countUndos(core: RunnerCore, playbook: string, timeline: readonly TimelineEntry[]): void {
  const metrics = core.deps.metrics;
  if (!metrics) return;
  const m = CORDON_METRICS.undos;
  for (const entry of timeline) {
    if (entry.by !== undefined) continue;
    if (entry.type === 'undo.succeeded')
      metrics.inc(m.name, m.help, { playbook, outcome: 'succeeded' });
    else if (entry.type === 'undo.failed')
      metrics.inc(m.name, m.help, { playbook, outcome: 'failed' });
  }
}

/**
 * An action that was already running when its run was cancelled (or failed), or when its
 * branch was withdrawn (a `join: any` decided, whether or not the run has ended since), still
 * took effect: if it declared an undo, that effect joins the book and is taken back at once.
 * The same for a sub-run whose end (resolved) comes after its parent left the call.
 */
export async function adoptLateEffect(
  core: RunnerCore,
  run: RunRecord,
  job: RunEventJob,
): Promise<'applied' | 'ignored' | 'missing' | 'conflict'> {
  const event = job.event;
  const now = core.deps.clock.now();
  const book = run.undo ?? EMPTY_BOOK;
  let entries: UndoEntry[];
  let noted: TimelineEntry;
  if (event.type === 'call.ended') {
    // A sub-run that resolved as its parent left the call another way (cancelled, timed out,
    // its branch withdrawn): what it left in force is taken back, as its cancel would have.
    if (event.outcome !== 'resolved') return 'ignored';
    const child = await core.deps.runs.get(event.child);
    entries = child ? inForce(child).filter((e) => !entryOf(book, e.effectKey)) : [];
    noted = { at: now, type: 'late-effect', state: job.expect.state, child: event.child };
  } else if (event.type === 'action.succeeded') {
    const compiled = await core.compiled(run.playbookHash, run.id);
    const at = kindOf(compiled.states[job.expect.state]);
    if (!at?.kind.undoable || !at.kind.effect) return 'ignored';
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
    entries = entry ? [entry] : [];
    noted = { at: now, type: 'late-effect', state: job.expect.state, effectKey };
  } else return 'ignored';
  if (entries.length === 0) return 'ignored';
  const reason = run.undo?.pass?.reason ?? (run.status === 'failed' ? 'failed' : 'cancelled');
  let next = book;
  for (const entry of entries) next = withEntry(next, entry);
  const keys = entries.map((e) => e.effectKey).reverse();
  next = mark(next, keys, 'undoing', reason);
  return askUndos(core, run, next, keys, noted, job.eventId, now);
}

/**
 * Saves `book` (its `keys` marked undoing) with their undo jobs in the outbox, the run where
 * and as it is (an ended run too), then performs them: a late effect taken back at once, failed
 * undos tried again.
 */
export async function askUndos(
  core: RunnerCore,
  run: RunRecord,
  book: UndoBook,
  keys: readonly string[],
  noted: TimelineEntry,
  eventId: string,
  now: number,
): Promise<'applied' | 'conflict' | 'missing'> {
  const effects: Effect[] = keys.map((effectKey) => ({
    kind: 'undo',
    id: undoKey(effectKey),
    effectKey,
  }));
  const saved = await core.deps.runs.save(
    run,
    {
      status: run.status,
      state: run.state,
      step: run.step,
      context: run.context,
      pendingEffects: effects,
      updatedAt: now,
      undo: book,
    },
    [noted, ...effectEntries(effects, now)],
    eventId,
  );
  if (saved === 'conflict' || saved === 'missing') return saved;
  const updated = await core.deps.runs.get(run.id);
  if (updated) await core.flush(updated);
  return 'applied';
}

/**
 * Whether `job` is for a position the run still rests at (another parallel branch) while the
 * run undoes a rejection: it waits for the pass (deferEvent), since the run goes on afterwards.
 */
export function waitsForRejection(run: RunRecord, job: RunEventJob): boolean {
  return (
    run.status === 'undoing' &&
    run.undo?.pass?.reason === 'rejected' &&
    leavesOf(run)[job.expect.state] === job.expect.step
  );
}

/**
 * Keeps `job`'s event with the rejection's pass (not applied: its id stays free), to be queued
 * again when the pass is over (redeliveries). A second delivery of it is kept once.
 */
export async function deferEvent(
  core: RunnerCore,
  run: RunRecord,
  job: RunEventJob,
): Promise<'applied' | 'ignored' | 'missing' | 'conflict'> {
  const book = run.undo ?? EMPTY_BOOK;
  const pass = book.pass;
  if (!pass) return 'ignored';
  if (pass.deferred?.some((d) => d.eventId === job.eventId)) return 'applied';
  const now = core.deps.clock.now();
  const deferred = [
    ...(pass.deferred ?? []),
    { eventId: job.eventId, event: job.event, expect: job.expect },
  ];
  const saved = await core.deps.runs.save(
    run,
    {
      status: run.status,
      state: run.state,
      step: run.step,
      context: run.context,
      pendingEffects: [],
      updatedAt: now,
      undo: { ...book, pass: { ...pass, deferred } },
    },
    [{ at: now, type: 'event.deferred', state: job.expect.state, event: job.event.type }],
    '',
  );
  if (saved === 'conflict') return 'conflict';
  if (saved === 'missing') return 'missing';
  return 'applied';
}

/**
 * The id of the event that reports an undo job's outcome to `runId`. It names the run: a
 * sub-run's effect taken over by its parent shares its undo job (`<effectKey>-undo`, so it is
 * never undone twice), and each run must still hear how it went.
 */
export function undoOutcomeId(
  undoJobId: string,
  ok: boolean,
  runId: string,
  /** A person's retry of a failed undo (UndoEntry.tries): its outcome is news again. */
  undoTry?: number,
): string {
  return `${undoJobId}-${ok ? 'done' : 'failed'}-${runId}${undoTry ? `-t${undoTry}` : ''}`;
}

/** Whether `event` ends a sub-run that `run`'s undo pass waits for (applyUndoEvent's). */
export function endsAwaitedSubRun(run: RunRecord, event: RunEvent): boolean {
  return event.type === 'call.ended' && run.undo?.pass?.after?.includes(event.child) === true;
}

/**
 * The sub-runs started from `positions` (kinds with `subRun`) that an undo pass beginning now
 * must wait for: those that exist and, unless `ended` is true, have not ended. A sub-run that
 * has ended but whose end the run has not applied yet (cancel) still has its end on the way,
 * which is what the pass then waits for. A sub-run whose start job is still queued is waited
 * for too: it may be starting this very moment, before the move of this run that the pass
 * begins with is saved; once that move is saved, the start finds the run gone from the call
 * and records the sub-run cancelled having done nothing (createSubRun), and its end comes back.
 */
export async function subRunsToAwait(
  core: RunnerCore,
  compiled: CompiledPlaybook,
  run: RunRecord,
  positions: readonly { readonly state: string; readonly step: number }[],
  ended: boolean,
): Promise<string[]> {
  const out: string[] = [];
  for (const at of positions) {
    const id = subRunIdAt(compiled, run, at);
    if (id === undefined) continue;
    // The start job first: it completes only once the sub-run exists, so a start that runs
    // between the two reads is seen by one of them.
    const queued = await startQueued(core, id);
    const child = await core.deps.runs.get(id);
    if (child ? ended || !FINAL_STATUSES.includes(child.status) : queued) out.push(id);
  }
  return out;
}

/** A run job that has not run to its end: the start of a sub-run that may still come. */
const QUEUED: readonly JobState[] = ['waiting', 'prioritized', 'active'];

/**
 * Whether sub-run `id` has a start job that has not run yet (or is running now). Asked only
 * once its parent has left (or is leaving) the call, so a start backing off after a failure
 * (delayed) is removed rather than waited for: it could hold the parent's undos for as long
 * as its retries last, and once the parent's move is saved it could only record itself
 * cancelled.
 */
async function startQueued(core: RunnerCore, id: string): Promise<boolean> {
  let state = await core.deps.queues.runJobState(id);
  if (state === 'delayed') {
    await core.deps.queues.removeRunJob(id);
    state = await core.deps.queues.runJobState(id);
  }
  return state === 'delayed' || QUEUED.includes(state);
}

/** The id of the sub-run a state started at `at`, for kinds that start one (`call`). */
function subRunIdAt(
  compiled: CompiledPlaybook,
  run: RunRecord,
  at: { readonly state: string; readonly step: number },
): string | undefined {
  const resting = kindOf(compiled.states[at.state]);
  return resting?.kind.subRun?.(run, resting.def, at);
}

/** The sub-runs started from `positions` (kinds with `subRun`) that exist, as stored. */
export async function subRunsAt(
  core: RunnerCore,
  compiled: CompiledPlaybook,
  run: RunRecord,
  positions: readonly { readonly state: string; readonly step: number }[],
): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const at of positions) {
    const id = subRunIdAt(compiled, run, at);
    if (id === undefined) continue;
    const child = await core.deps.runs.get(id);
    if (child) out.push(child);
  }
  return out;
}

/** An undo pass whose current job vanished or whose outcome was never applied. */
export async function reconcileUndo(core: RunnerCore, run: RunRecord): Promise<void> {
  const awaited = run.undo?.pass?.after ?? [];
  if (awaited.length > 0) {
    // The end of a sub-run it waits for was lost (or the sub-run is gone): apply it now, under
    // the event id its end would have had, so a late delivery is a duplicate.
    for (const id of awaited) {
      // Not started yet, its start still queued: that start ends it (createSubRun). The job
      // is read first, as in subRunsToAwait.
      const queued = await startQueued(core, id);
      const child = await core.deps.runs.get(id);
      if (child ? !FINAL_STATUSES.includes(child.status) : queued) continue;
      const fresh = await core.deps.runs.get(run.id);
      if (!fresh) return;
      await applyUndoEvent(core, fresh, {
        type: 'event',
        runId: run.id,
        eventId: callEndedEventId(id),
        event: {
          type: 'call.ended',
          state: child?.parent?.state ?? run.state,
          child: id,
          outcome: child?.status ?? 'cancelled',
        },
        expect: UNDO_POSITION,
      });
    }
    return;
  }
  const current = run.undo?.pass?.queue[0];
  const entry = current && entryOf(run.undo ?? EMPTY_BOOK, current);
  if (!entry) return;
  const jobId = undoKey(entry.effectKey);
  const job = await core.deps.queues.actionJobState(jobId);
  // Not queued, or another run's attempt that failed: this run asks (perform tries again).
  if (job.state === 'unknown' || (job.state === 'failed' && job.runId !== run.id)) {
    const compiled = await core.compiled(run.playbookHash, run.id);
    await core.perform(run, compiled, { kind: 'undo', id: jobId, effectKey: entry.effectKey });
  } else await relayFinishedUndo(core, run.id, entry);
}

/**
 * Tells `runId`, and the runs whose books hold `entry` too (UndoEntry.alsoIn), how the undo
 * job of `entry` ended, if it has: a job another run queued first under the same id (a
 * sub-run's own expiry or cancel) was done already, and adding it again added nothing, so no
 * worker reports it to this run. A job not over yet tells `runId` and the runs that hold the
 * entry too when it is (Runner.undoJobEnded): they are listed as watching it before its state
 * is read, so a job that ends after the read finds them listed.
 */
export async function relayFinishedUndo(
  core: RunnerCore,
  runId: string,
  entry: UndoEntry,
): Promise<void> {
  const jobId = undoKey(entry.effectKey);
  const listed = [runId, ...(entry.alsoIn ?? [])];
  await core.deps.runs.watchUndo(jobId, listed);
  const job = await core.deps.queues.actionJobState(jobId);
  if (job.state !== 'completed' && job.state !== 'failed') return;
  // Told here: nothing else will read these listings (the job's end has been seen).
  await core.deps.runs.forgetUndoWatchers(jobId, listed);
  const outcome: UndoJobOutcome =
    job.state === 'completed'
      ? { ok: true, result: job.returnValue ?? null }
      : failedUndoOutcome(job.failedReason);
  // Named after the run whose job it was: the one that actually tried.
  const owner = job.runId ?? runId;
  for (const told of [runId, ...(entry.alsoIn ?? [])]) {
    const { eventId, event } = undoOutcomeEvent(
      told,
      owner,
      jobId,
      entry.effectKey,
      outcome,
      entry.tries,
    );
    await core.queueEvent(told, UNDO_POSITION, eventId, event);
  }
}

/** How an undo job ended: its result, or its last attempt's error. */
export type UndoJobOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** A failed undo job's outcome from the reason its queue recorded (see recordedFailure). */
export function failedUndoOutcome(reason: string | undefined): UndoJobOutcome {
  return { ok: false, ...recordedFailure(reason, 'the undo job failed') };
}

/**
 * The event telling run `told` how undo job `jobId` of `effectKey`, run by `owner`, ended.
 * Another run's job says `by` (the run that actually tried). A failure of another run's job has
 * an id of its own: the told run tries the undo again as its own job (applyUndoDone), and the
 * report of that job's failure, under the plain id, must not be taken for a duplicate of it.
 */
export function undoOutcomeEvent(
  told: string,
  owner: string,
  jobId: string,
  effectKey: string,
  outcome: UndoJobOutcome,
  undoTry?: number,
): { eventId: string; event: RunEvent } {
  const byOther = owner !== told;
  const event: RunEvent = outcome.ok
    ? { type: 'undo.done', effectKey, ok: true, result: outcome.result }
    : {
        type: 'undo.done',
        effectKey,
        ok: false,
        error: { code: outcome.code, message: outcome.message },
      };
  const id = undoOutcomeId(jobId, outcome.ok, told, undoTry);
  return byOther
    ? { eventId: outcome.ok ? id : `${id}-by-${owner}`, event: { ...event, by: owner } }
    : { eventId: id, event };
}
