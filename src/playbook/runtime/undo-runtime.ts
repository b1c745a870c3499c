import { actionInputsHash } from '../../actions/inputs-hash.js';
import type { Effect, UndoEffect } from './effects.js';
import type { ActionJob } from './jobs.js';
import type { RunRecord, RunStatus, TimelineEntry } from './run-record.js';
import {
  EMPTY_BOOK,
  entryOf,
  mark,
  undoKey,
  type UndoBook,
  type UndoEntry,
  type UndoPass,
  type UndoReason,
} from './undo-book.js';

/** Undo jobs are retried like a default action (they are as important as the original). */
export const UNDO_RETRY = { attempts: 3, backoff: 'exponential' as const, delayMs: 1_000 };
const UNDO_TIMEOUT_MS = 30_000;

export function undoEffect(effectKey: string): UndoEffect {
  return { kind: 'undo', id: undoKey(effectKey), effectKey };
}

/** The action job that takes `entry` back, through the same worker as any action. */
export function undoJob(run: RunRecord, entry: UndoEntry, reason: UndoReason): ActionJob {
  return {
    runId: run.id,
    incidentId: run.incidentId,
    playbookId: run.playbookId,
    state: entry.state,
    step: run.step,
    effectKey: undoKey(entry.effectKey),
    operation: entry.undo.operation,
    connector: entry.connector,
    connectorType: entry.connectorType,
    inputs: entry.undo.inputs,
    inputsHash: actionInputsHash(entry.undo.operation, entry.connector, entry.undo.inputs),
    timeoutMs: UNDO_TIMEOUT_MS,
    // Taking back what the run did needs no new approval: it restores the state before it.
    approvalId: null,
    undoOf: {
      effectKey: entry.effectKey,
      operation: entry.operation,
      inputs: entry.inputs,
      result: entry.result,
    },
    undoReason: reason,
  };
}

/**
 * Starts an undo pass over `queue` (newest first): the entries are marked undoing at once (a
 * later expiry of one of them is then a no-op) and the first one's undo is the only effect.
 */
export function startPass(
  book: UndoBook,
  reason: UndoPass['reason'],
  queue: readonly string[],
  then: UndoPass['then'],
): { book: UndoBook; effects: Effect[] } {
  const pass: UndoPass = { reason, queue, then };
  return {
    book: { ...mark(book, queue, 'undoing', reason), pass },
    effects: [undoEffect(queue[0] as string)],
  };
}

/** What applying one finished undo does to the run: the book, and what the run becomes. */
export interface UndoStepOutcome {
  readonly book: UndoBook;
  readonly effects: readonly Effect[];
  readonly timeline: TimelineEntry[];
  /** Set when the pass is over: the status the run takes (and whether it ends). */
  readonly finished?: { readonly status: RunStatus; readonly ended: boolean };
}

export function applyUndoDone(
  run: RunRecord,
  event: { effectKey: string; ok: boolean; error?: { code: string; message: string } },
  at: number,
): UndoStepOutcome | undefined {
  const book = run.undo ?? EMPTY_BOOK;
  const entry = entryOf(book, event.effectKey);
  if (!entry || entry.status !== 'undoing') return undefined;
  const timeline: TimelineEntry[] = [
    {
      at,
      type: event.ok ? 'undo.succeeded' : 'undo.failed',
      state: entry.state,
      operation: entry.undo.operation,
      effectKey: entry.effectKey,
      reason: entry.reason ?? 'cancelled',
      ...(entry.reason === 'expiry' && event.ok ? { message: 'undone on expiry' } : {}),
      ...(event.error ? { error: event.error } : {}),
    },
  ];
  let next = mark(book, [entry.effectKey], event.ok ? 'undone' : 'undo-failed');
  const pass = book.pass;
  if (!pass || pass.queue[0] !== entry.effectKey) return { book: next, effects: [], timeline };
  const queue = pass.queue.slice(1);
  if (queue.length > 0) {
    next = { ...next, pass: { ...pass, queue } };
    return { book: next, effects: [undoEffect(queue[0] as string)], timeline };
  }
  const { pass: _done, ...rest } = next;
  return {
    book: rest,
    effects: pass.then.effects,
    timeline,
    finished: { status: pass.then.status, ended: pass.then.ended },
  };
}
