import { deterministicId } from '../../shared/hash.js';
import type { CompiledPlaybook } from '../definition/compile-playbook.js';
import { branchRestart } from '../kinds/parallel/parallel-retry.js';
import { isWithdraw, stateEffectId, type Effect, type StateEffect } from './effects.js';
import { FINAL_STATUSES, type FailedAt, type RunRecord, type RunStatus } from './run-record.js';
import { kindOf, leavesOf, statusOfState } from './run-positions.js';
import { effectEntries } from './run-timeline.js';
import { MAX_CONFLICT_RETRIES, type RunnerCore } from './runner-core.js';
import { EMPTY_BOOK, mark, toUndo, undoKey, withEntry, type UndoBook } from './undo-book.js';
import { askUndos, relayFinishedUndo, subRunsAt, subRunsToAwait } from './undo-events.js';
import { inForce, startPass, takeOverPass } from './undo-runtime.js';

/**
 * Cancels a run that has not ended: what its resting state asked for is withdrawn (queued
 * job removed, pending approval cancelled) and every effect with a declared undo is taken
 * back, newest first, before the run ends `cancelled`.
 */
export async function cancelRun(
  core: RunnerCore,
  runId: string,
  by: string,
  /** Why, as the person said it: on the timeline entry (and in the audit trail). */
  comment = '',
): Promise<{ ok: true; run: RunRecord } | { ok: false; reason: 'missing' | RunStatus }> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const run = await core.deps.runs.get(runId);
    if (!run) return { ok: false, reason: 'missing' };
    // A run undoing a rejection would go on afterwards: the cancel takes its pass over.
    const rejecting = run.status === 'undoing' && run.undo?.pass?.reason === 'rejected';
    if ((run.status === 'undoing' && !rejecting) || FINAL_STATUSES.includes(run.status))
      return { ok: false, reason: run.status };
    if (run.pendingEffects.length > 0) {
      await core.flush(run);
      continue;
    }
    const now = core.deps.clock.now();
    const withdraw: Effect = {
      kind: 'withdraw',
      id: deterministicId('wdr', run.id, String(run.step)),
      at: Object.entries(leavesOf(run)).map(([state, step]) => ({ state, step })),
    };
    // Sub-runs the withdraw cancels take back their (newer) effects before this run's own,
    // and one that has just resolved hands over what it left in force.
    const compiled = await core.compiled(run.playbookHash, run.id);
    const rejection = rejecting ? run.undo?.pass : undefined;
    // The branches a rejection's join left were withdrawn as its pass began (a pass saved by an
    // earlier version still holds that withdraw, performed now). Their sub-runs still going are
    // awaited; one that resolved all the same (just before the withdraw reached it) hands its
    // effects still in force over now, since its end, which came during the pass, was dropped.
    const leftRuns = await subRunsAt(core, compiled, run, [
      ...(rejection?.left ?? []),
      ...(rejection?.then.effects ?? []).filter(isWithdraw).flatMap((e) => e.at),
    ]);
    const after = [
      ...new Set([
        ...(await subRunsToAwait(core, compiled, run, withdraw.at, true)),
        ...leftRuns.filter((c) => !FINAL_STATUSES.includes(c.status)).map((c) => c.id),
      ]),
    ];
    let book = run.undo ?? EMPTY_BOOK;
    let effects: Effect[] = [withdraw];
    let undoing = 0;
    if (rejecting) {
      for (const child of leftRuns)
        if (child.status === 'resolved') for (const e of inForce(child)) book = withEntry(book, e);
      const pass = takeOverPass(book, after, run.step + 1);
      book = pass.book;
      effects = [withdraw, ...pass.effects];
      undoing = pass.added;
    } else {
      const queue = toUndo(book);
      if (queue.length > 0 || after.length > 0) {
        const pass = startPass(
          book,
          'cancelled',
          queue,
          { status: 'cancelled', effects: [], ended: true },
          after,
        );
        book = pass.book;
        effects = [withdraw, ...pass.effects];
        undoing = queue.length;
      }
    }
    const status: RunStatus = book.pass ? 'undoing' : 'cancelled';
    const ended = status === 'cancelled';
    const saved = await core.deps.runs.save(
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
        ...(book !== (run.undo ?? EMPTY_BOOK) ? { undo: book } : {}),
      },
      [
        {
          at: now,
          type: 'cancelled',
          by,
          state: run.state,
          ...said(comment),
          // A cancel takes back what is in force; one whose undo failed earlier is not tried
          // again by it, and stays in force: said here, so nobody takes the cancel for its undo.
          ...stillInForce(book),
        },
        ...(book.pass
          ? [
              {
                at: now,
                type: 'undo.started',
                reason: 'cancelled',
                effects: undoing,
                ...(rejecting ? { during: 'rejected' } : {}),
                ...(after.length > 0 ? { after } : {}),
              },
            ]
          : []),
        ...effectEntries(effects, now),
        ...(ended ? [{ at: now, type: 'ended', outcome: 'cancelled' }] : []),
      ],
      '',
    );
    if (saved === 'conflict') continue;
    if (saved === 'missing') return { ok: false, reason: 'missing' };
    core.deps.logger.info({ runId, by, undo: undoing }, 'run cancelled');
    const updated = await core.deps.runs.get(runId);
    if (updated) await core.flush(updated);
    return { ok: true, run: (await core.deps.runs.get(runId)) ?? run };
  }
  throw new Error(
    `Run ${runId}: could not cancel after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
  );
}

/** A person's comment on a timeline entry, when there is one. */
function said(comment: string): { comment?: string } {
  return comment === '' ? {} : { comment };
}

/** The effects whose undo failed (in force still), for a cancel's timeline entry. */
function stillInForce(book: UndoBook): { undoFailed?: string[]; message?: string } {
  const failed = book.entries.filter((e) => e.status === 'undo-failed').map((e) => e.state);
  return failed.length === 0
    ? {}
    : {
        undoFailed: failed,
        message: `${failed.length} effect${failed.length === 1 ? '' : 's'} whose undo failed earlier (${failed.join(', ')}) stay${failed.length === 1 ? 's' : ''} in force: try ${failed.length === 1 ? 'its undo' : 'their undos'} again (retry-undo)`,
      };
}

/**
 * Tries again the undos that failed after their retries (`undo-failed`: containment left in
 * force, say a consumer still throttled because the gateway was down while its undo ran), each
 * as a new undo job under its own key, whatever the run's status (an ended run too). Each
 * outcome reaches the book as any undo's (`undo.succeeded` / `undo.failed`); the run's status
 * does not change. Refused while the run is `undoing` (its pass is under way) or has no
 * failed undo.
 */
export async function retryUndos(
  core: RunnerCore,
  runId: string,
  by: string,
  /** Why, as the person said it: on the timeline entry (and in the audit trail). */
  comment = '',
): Promise<
  | { ok: true; run: RunRecord; effects: readonly string[] }
  | { ok: false; reason: 'missing' | 'nothing-to-retry' | 'undo-running' | RunStatus }
> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const run = await core.deps.runs.get(runId);
    if (!run) return { ok: false, reason: 'missing' };
    if (run.status === 'undoing') return { ok: false, reason: run.status };
    if (run.pendingEffects.length > 0) {
      await core.flush(run);
      continue;
    }
    const book = run.undo ?? EMPTY_BOOK;
    // Newest first, the order a pass takes them back in.
    const candidates = book.entries.filter((e) => e.status === 'undo-failed').reverse();
    // An undo tried again and not over yet (failing again, backing off) is not "nothing".
    if (candidates.length === 0)
      return {
        ok: false,
        reason: book.entries.some((e) => e.status === 'undoing')
          ? 'undo-running'
          : 'nothing-to-retry',
      };
    // The undo job under each id, as the queue has it: a failure is reported to the run from
    // inside the job, before the queue records the job failed (and a stalled one runs again).
    const jobs = await Promise.all(
      candidates.map((e) => core.deps.queues.actionJobState(undoKey(e.effectKey))),
    );
    const busy = jobs.find((j) => !['failed', 'completed', 'unknown'].includes(j.state));
    if (busy) return { ok: false, reason: 'undo-running' };
    // One that completed after all (its success not applied yet): told now, not run again.
    const completed = candidates.filter((_, i) => jobs[i]?.state === 'completed');
    for (const entry of completed) await relayFinishedUndo(core, run.id, entry);
    const failed = candidates.filter((_, i) => jobs[i]?.state !== 'completed');
    if (failed.length === 0) return { ok: true, run, effects: [] };
    const keys = failed.map((e) => e.effectKey);
    // BullMQ keeps a failed job (for weeks) and adds nothing under its id while it is there.
    // Another run's failed job stays for `perform`, which removes it and tells that run too.
    for (const [i, entry] of candidates.entries()) {
      const job = jobs[i];
      if (job?.state === 'failed' && (job.runId === undefined || job.runId === run.id))
        await core.deps.queues.removeFailedActionJob(undoKey(entry.effectKey));
    }
    const now = core.deps.clock.now();
    const retried = {
      ...book,
      entries: mark(book, keys, 'undoing').entries.map((e) =>
        keys.includes(e.effectKey) ? { ...e, tries: (e.tries ?? 0) + 1 } : e,
      ),
    };
    const noted = {
      at: now,
      type: 'undo.retried',
      by,
      ...said(comment),
      states: failed.map((e) => e.state),
      message: `${failed.length} undo${failed.length === 1 ? '' : 's'} that failed tried again by ${by}`,
    };
    const saved = await askUndos(core, run, retried, keys, noted, '', now);
    if (saved === 'conflict') continue;
    if (saved === 'missing') return { ok: false, reason: 'missing' };
    core.deps.logger.info({ runId, by, effects: keys }, 'failed undos retried');
    return { ok: true, run: (await core.deps.runs.get(runId)) ?? run, effects: keys };
  }
  throw new Error(
    `Run ${runId}: could not retry its undos after ${MAX_CONFLICT_RETRIES} conflicting saves.`,
  );
}

/**
 * Restarts a failed run at the action step that failed, on the same pinned playbook version,
 * with the approval gate that admitted that step (the approver bound these exact inputs).
 * Steps before it are not repeated; what a failure undid stays undone.
 */
export async function retryRun(
  core: RunnerCore,
  runId: string,
  by: string,
  /** Why, as the person said it: on the timeline entry (and in the audit trail). */
  comment = '',
): Promise<
  { ok: true; run: RunRecord } | { ok: false; reason: 'missing' | 'not-retryable' | RunStatus }
> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const run = await core.deps.runs.get(runId);
    if (!run) return { ok: false, reason: 'missing' };
    if (run.status !== 'failed') return { ok: false, reason: run.status };
    const failedAt = run.failedAt;
    const compiled = await core.compiled(run.playbookHash, run.id);
    if (failedAt?.branches) {
      const outcome = await retryBranches(core, run, compiled, failedAt, by, comment);
      if (outcome === 'conflict') continue;
      return outcome;
    }
    const at = failedAt && kindOf(compiled.definition.states[failedAt.state]);
    if (!failedAt || !at?.kind.effect) return { ok: false, reason: 'not-retryable' };
    const now = core.deps.clock.now();
    const step = run.step + 1;
    const effect: StateEffect = {
      kind: at.kind.key,
      id: stateEffectId(at.kind.effect.idPrefix, run.id, failedAt.state, step),
      state: failedAt.state,
      step,
      at: now,
    };
    const saved = await core.deps.runs.save(
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
      [
        { at: now, type: 'retried', by, state: failedAt.state, ...said(comment) },
        ...effectEntries([effect], now),
      ],
      '',
    );
    if (saved === 'conflict') continue;
    if (saved === 'missing') return { ok: false, reason: 'missing' };
    core.deps.logger.info({ runId, by, state: failedAt.state }, 'run retried');
    const updated = await core.deps.runs.get(runId);
    if (updated) await core.flush(updated);
    return { ok: true, run: (await core.deps.runs.get(runId)) ?? run };
  }
  throw new Error(`Run ${runId}: could not retry after ${MAX_CONFLICT_RETRIES} conflicting saves.`);
}

/**
 * Retries a run that failed at a parallel state's join: the branches that failed at an action
 * restart at that action (with the gate that admitted it), the branches that resolved stay
 * resolved, and the run rests in the parallel state again until the join.
 */
async function retryBranches(
  core: RunnerCore,
  run: RunRecord,
  compiled: CompiledPlaybook,
  failedAt: FailedAt,
  by: string,
  comment: string,
): Promise<
  | 'conflict'
  | { ok: true; run: RunRecord }
  | { ok: false; reason: 'missing' | 'not-retryable' | RunStatus }
> {
  const restart = branchRestart(compiled.definition, run.context, failedAt);
  if ('refused' in restart) {
    core.deps.logger.info({ runId: run.id, why: restart.refused }, 'run not retryable');
    return { ok: false, reason: 'not-retryable' };
  }
  const now = core.deps.clock.now();
  const step = run.step + 1;
  const effects: StateEffect[] = [];
  for (const state of restart.states) {
    const kind = kindOf(compiled.states[state])?.kind;
    if (!kind?.effect) return { ok: false, reason: 'not-retryable' };
    effects.push({
      kind: kind.key,
      id: stateEffectId(kind.effect.idPrefix, run.id, state, step),
      state,
      step,
      at: now,
    });
  }
  const saved = await core.deps.runs.save(
    run,
    {
      status: 'running',
      state: failedAt.state,
      step,
      context: {
        ...run.context,
        gate: restart.gate,
        branches: { ...run.context.branches, [failedAt.state]: restart.outcomes },
      },
      value: restart.value,
      leaves: Object.fromEntries(restart.states.map((s) => [s, step])),
      pendingEffects: effects,
      updatedAt: now,
      failedAt: null,
      reopen: true,
    },
    [
      {
        at: now,
        type: 'retried',
        by,
        state: failedAt.state,
        ...said(comment),
        branches: restart.branches,
        states: restart.states,
      },
      ...effectEntries(effects, now),
    ],
    '',
  );
  if (saved === 'conflict') return 'conflict';
  if (saved === 'missing') return { ok: false, reason: 'missing' };
  core.deps.logger.info(
    { runId: run.id, by, state: failedAt.state, branches: restart.branches },
    'run retried',
  );
  const updated = await core.deps.runs.get(run.id);
  if (updated) await core.flush(updated);
  return { ok: true, run: (await core.deps.runs.get(run.id)) ?? run };
}
