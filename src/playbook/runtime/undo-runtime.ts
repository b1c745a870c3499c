import { describeHeldUndo } from '../../actions/connectors/holds.js';
import { actionInputsHash } from '../../actions/inputs-hash.js';
import {
  isCancelTimer,
  isWithdraw,
  type Effect,
  type RedeliverEffect,
  type UndoEffect,
} from './effects.js';
import type { ActionJob } from './jobs.js';
import type { RunRecord, RunStatus, TimelineEntry } from './run-record.js';
import {
  EMPTY_BOOK,
  entryOf,
  expiryKey,
  mark,
  toUndo,
  undoKey,
  withEntry,
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
    ...(entry.alsoIn?.length ? { tell: entry.alsoIn } : {}),
    ...(entry.tries ? { undoTry: entry.tries } : {}),
  };
}

/**
 * Starts an undo pass over `queue` (newest first): the entries are marked undoing at once (a
 * later expiry of one of them is then a no-op) and the first one's undo is the only effect,
 * or none while sub-runs in `after` are still taking back their own (resumeAfterSubRun).
 */
export function startPass(
  book: UndoBook,
  reason: UndoPass['reason'],
  queue: readonly string[],
  then: UndoPass['then'],
  after: readonly string[] = [],
  left: UndoPass['left'] = [],
): { book: UndoBook; effects: Effect[] } {
  const pass: UndoPass = {
    reason,
    queue,
    then,
    ...(after.length > 0 ? { after } : {}),
    ...(left.length > 0 ? { left } : {}),
  };
  return {
    book: { ...mark(book, queue, 'undoing', reason), pass },
    effects: after.length > 0 ? [] : [undoEffect(queue[0] as string)],
  };
}

/**
 * A cancel that reaches a run undoing a rejection (UndoPass reason `rejected`, which would go
 * on along the rejected path): the pass becomes the cancel's. The undo in flight stays first;
 * then every other effect still in force joins, all newest first; the run ends `cancelled`
 * instead of taking the rejected path, once `after` (added to any the pass had) have ended.
 * `effects`: the undo to queue, when none is in flight and nothing is awaited.
 */
export function takeOverPass(
  book: UndoBook,
  after: readonly string[],
  /** The run's step after the cancel (new job ids for deferred events). */
  step: number,
): { book: UndoBook; effects: Effect[]; added: number } {
  const pass = book.pass;
  const order = new Map(book.entries.map((e, i) => [e.effectKey, i]));
  const extra = toUndo(book);
  const [current, ...rest] = pass?.queue ?? [];
  const tail = [...rest, ...extra].sort((a, b) => (order.get(b) ?? 0) - (order.get(a) ?? 0));
  const queue = current === undefined ? tail : [current, ...tail];
  const waiting = [...new Set([...(pass?.after ?? []), ...after])];
  const next: UndoPass = {
    reason: 'cancelled',
    queue,
    then: { status: 'cancelled', effects: [], ended: true },
    ...(waiting.length > 0 ? { after: waiting } : {}),
  };
  const idle = current === undefined && waiting.length === 0 && queue.length > 0;
  return {
    book: { ...mark(book, extra, 'undoing', 'cancelled'), pass: next },
    effects: [
      ...(idle ? [undoEffect(queue[0] as string)] : []),
      // What the rejected path would have done after the pass is dropped. Withdraws and timer
      // cancels go out as a pass begins; one saved by an earlier version still holds them.
      ...(pass?.then.effects.filter((e) => isWithdraw(e) || isCancelTimer(e)) ?? []),
      // Events the rejection deferred meet the cancel now: an action that landed meanwhile is
      // a late effect, taken back with the rest.
      ...(pass ? redeliveries(pass, step) : []),
    ],
    added: extra.length,
  };
}

/**
 * A sub-run's effects still in force, as entries of the run that started it: the same effect
 * keys (their undo jobs keep their ids, so the sub-run's own expiry and the parent's undo
 * dedupe on the job id and the effect ledger), named `<call state>/<sub-run state>`. The
 * expiry stays the sub-run's to keep: the copies carry none.
 */
export function inForce(child: RunRecord): UndoEntry[] {
  const prefix = child.parent?.state ?? child.playbookId;
  return (child.undo?.entries ?? [])
    .filter((e) => e.status === 'applied')
    .map(({ expiresAt: _expires, reason: _reason, ...e }) => ({
      ...e,
      state: `${prefix}/${e.state}`,
      alsoIn: [...(e.alsoIn ?? []), child.id],
    }));
}

/**
 * A sub-run the pass waits for (UndoPass.after) has ended (`child`: as stored; undefined if
 * it is gone). One that resolved before its cancel reached it left effects in force: they join
 * the book and go first. Once no sub-run is left to wait for, the pass undoes its queue.
 */
export function resumeAfterSubRun(
  run: RunRecord,
  childId: string,
  child: RunRecord | undefined,
  at: number,
): UndoStepOutcome | undefined {
  const book = run.undo ?? EMPTY_BOOK;
  const pass = book.pass;
  if (!pass?.after?.includes(childId)) return undefined;
  let next = book;
  const adopted = child?.status === 'resolved' ? inForce(child) : [];
  for (const entry of adopted) next = withEntry(next, entry);
  const taken = adopted
    .map((e) => e.effectKey)
    .filter((k) => entryOf(next, k)?.status === 'applied');
  next = mark(next, taken, 'undoing', pass.reason);
  const queue = [...taken.reverse(), ...pass.queue];
  const after = pass.after.filter((id) => id !== childId);
  const timeline: TimelineEntry[] = [
    {
      at,
      type: 'undo.resumed',
      child: childId,
      outcome: child?.status ?? 'missing',
      ...(taken.length > 0 ? { adopted: taken.length } : {}),
      ...(after.length > 0 ? { waiting: after } : {}),
    },
  ];
  if (after.length > 0)
    return { book: { ...next, pass: { ...pass, queue, after } }, effects: [], timeline };
  const { after: _done, ...rest } = pass;
  if (queue.length > 0)
    return {
      book: { ...next, pass: { ...rest, queue } },
      effects: [undoEffect(queue[0] as string)],
      timeline,
    };
  const { pass: _over, ...without } = next;
  return {
    book: without,
    effects: [...pass.then.effects, ...redeliveries(pass, run.step)],
    timeline,
    finished: { status: pass.then.status, ended: pass.then.ended },
  };
}

/**
 * The events a pass deferred (UndoPass.deferred), queued again as it ends; `tag` (the run's
 * step then) makes their job ids new, since the jobs that brought them may still be kept.
 */
export function redeliveries(pass: UndoPass, tag: number): RedeliverEffect[] {
  return (pass.deferred ?? []).map((d) => ({
    kind: 'redeliver',
    id: `${d.eventId}-redelivered-${tag}`,
    eventId: d.eventId,
    event: d.event,
    expect: d.expect,
  }));
}

/** What applying one finished undo does to the run: the book, and what the run becomes. */
export interface UndoStepOutcome {
  readonly book: UndoBook;
  readonly effects: readonly Effect[];
  readonly timeline: TimelineEntry[];
  /** Set when the pass is over: the status the run takes (and whether it ends). */
  readonly finished?: { readonly status: RunStatus; readonly ended: boolean };
}

/**
 * An effect this run holds that another run holding it too (the parent that took it over, or
 * the sub-run it came from) tried to take back, with the outcome of that one undo job, or
 * whose undo that failed here a later try took back: marked undone (or undo-failed) and its
 * expiry (if any) cancelled, since the job under that id has run and a second try of it (this
 * run's expiry) would add nothing and wait for ever.
 */
function takenBackElsewhere(
  book: UndoBook,
  entry: UndoEntry,
  event: {
    ok: boolean;
    result?: unknown;
    error?: { code: string; message: string };
    by?: string;
  },
  at: number,
): UndoStepOutcome {
  const by = event.by;
  const who = by === undefined ? 'by a later try' : `by run ${by}, which holds the effect too`;
  return {
    book: mark(book, [entry.effectKey], event.ok ? 'undone' : 'undo-failed'),
    effects:
      entry.expiresAt === undefined
        ? []
        : [{ kind: 'cancel-timer', id: expiryKey(entry.effectKey) }],
    timeline: [
      {
        at,
        type: event.ok ? 'undo.succeeded' : 'undo.failed',
        state: entry.state,
        operation: entry.undo.operation,
        effectKey: entry.effectKey,
        ...(by === undefined ? {} : { by: `run:${by}` }),
        message: [
          `${event.ok ? 'taken back' : 'not taken back'} ${who}`,
          ...(event.ok ? [describeHeldUndo(event.result)].filter((m) => m !== undefined) : []),
        ].join('; '),
        ...(event.error ? { error: event.error } : {}),
      },
    ],
  };
}

/**
 * The `message` of an undo's timeline entry: what its target's holds decided (the undo of a
 * held effect may leave the target contained for another run, or restore an older state),
 * after "undone on expiry" for an expiry's.
 */
function undoMessage(
  entry: UndoEntry,
  event: { ok: boolean; result?: unknown },
): { message?: string } {
  if (!event.ok) return {};
  const parts = [
    // A person's retry of it (retry-undo) is what took it back, whatever first asked.
    ...(entry.tries
      ? [
          `undone when tried again on request (${entry.tries === 1 ? 'once' : `${entry.tries} times`})`,
        ]
      : entry.reason === 'expiry'
        ? ['undone on expiry']
        : []),
    ...[describeHeldUndo(event.result)].filter((m): m is string => m !== undefined),
  ];
  return parts.length > 0 ? { message: parts.join('; ') } : {};
}

export function applyUndoDone(
  run: RunRecord,
  event: {
    effectKey: string;
    ok: boolean;
    result?: unknown;
    error?: { code: string; message: string };
    by?: string;
  },
  at: number,
): UndoStepOutcome | undefined {
  const book = run.undo ?? EMPTY_BOOK;
  const entry = entryOf(book, event.effectKey);
  // A later try that succeeded (this run's, or another's that holds the effect too), or another
  // run's undo of an effect still in force here.
  if (
    (entry?.status === 'undo-failed' && event.ok) ||
    (entry?.status === 'applied' && event.by !== undefined)
  )
    return takenBackElsewhere(book, entry, event, at);
  if (!entry || entry.status !== 'undoing') return undefined;
  // Another run's try failed while this run waited on it (relayFinishedUndo): no answer to this
  // run's own ask, which is tried again as its own job (perform removes the failed one).
  if (!event.ok && event.by !== undefined && event.by !== run.id)
    return {
      book,
      effects: [undoEffect(entry.effectKey)],
      timeline: [
        {
          at,
          type: 'undo.retried',
          state: entry.state,
          operation: entry.undo.operation,
          effectKey: entry.effectKey,
          by: `run:${event.by}`,
          message: `run ${event.by} tried this undo first and failed; this run tries it again`,
          ...(event.error ? { error: event.error } : {}),
        },
      ],
    };
  const timeline: TimelineEntry[] = [
    {
      at,
      type: event.ok ? 'undo.succeeded' : 'undo.failed',
      state: entry.state,
      operation: entry.undo.operation,
      effectKey: entry.effectKey,
      reason: entry.reason ?? 'cancelled',
      ...(event.by === undefined || event.by === run.id ? {} : { by: `run:${event.by}` }),
      ...undoMessage(entry, event),
      ...(event.error ? { error: event.error } : {}),
    },
  ];
  let next = mark(book, [entry.effectKey], event.ok ? 'undone' : 'undo-failed');
  const pass = book.pass;
  if (!pass || !pass.queue.includes(entry.effectKey)) return { book: next, effects: [], timeline };
  // Usually the head finished. An undo already in flight when a sub-run's effects were put
  // ahead of it (a cancel taking a rejection over) can finish behind the head: it leaves the
  // queue, and the head's own outcome moves the pass on.
  const head = pass.queue[0] === entry.effectKey;
  const queue = pass.queue.filter((k) => k !== entry.effectKey);
  // Sub-runs still taking back their own: the next undo waits for them (resumeAfterSubRun).
  if (!head || (pass.after !== undefined && pass.after.length > 0))
    return { book: { ...next, pass: { ...pass, queue } }, effects: [], timeline };
  if (queue.length > 0) {
    next = { ...next, pass: { ...pass, queue } };
    return { book: next, effects: [undoEffect(queue[0] as string)], timeline };
  }
  const { pass: _done, ...rest } = next;
  return {
    book: rest,
    effects: [...pass.then.effects, ...redeliveries(pass, run.step)],
    timeline,
    finished: { status: pass.then.status, ended: pass.then.ended },
  };
}
