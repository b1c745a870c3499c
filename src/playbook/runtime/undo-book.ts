import type { RunContext, RunEvent } from '../definition/compile-playbook.js';
import type { Effect } from './effects.js';
import type { RunStatus } from './run-record.js';

/** Why an effect is being taken back. */
export type UndoReason = 'cancelled' | 'failed' | 'rejected' | 'expiry';

/**
 * One side effect the run performed that declared an undo, with everything needed to take it
 * back later (possibly after the run ended, for `expires`). Recorded when the action's success
 * is applied, so the book and the run's state move in the same compare-and-set.
 */
export interface UndoEntry {
  /** The original effect's idempotency key; its undo runs under `<effectKey>-undo`. */
  readonly effectKey: string;
  readonly state: string;
  readonly operation: string;
  readonly connector: string;
  readonly connectorType: string;
  /** The original's rendered inputs and result (`undoOf` for the connector). */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly result: unknown;
  readonly undo: { readonly operation: string; readonly inputs: Readonly<Record<string, unknown>> };
  readonly undoOnReject: boolean;
  readonly at: number;
  readonly expiresAt?: number;
  readonly status: 'applied' | 'undoing' | 'undone' | 'undo-failed';
  readonly reason?: UndoReason;
  /**
   * The other runs whose books hold this effect too, when this run took it over from a
   * sub-run (that sub-run, then any run between): an undo of it by this run tells them, so
   * their books say it is taken back and their own expiry of it does nothing.
   */
  readonly alsoIn?: readonly string[];
  /** How often a person tried its failed undo again (POST /v1/runs/{id}/retry-undo). */
  readonly tries?: number;
}

/**
 * An undo pass in progress: the run rests in status `undoing` while `queue` is taken back one
 * effect at a time (newest first), then becomes `then` (its status, and the effects deferred
 * until the pass is over, e.g. the rejected path's first step).
 */
export interface UndoPass {
  readonly reason: Exclude<UndoReason, 'expiry'>;
  /** Effect keys still to undo; the first one's undo job is queued, unless `after` waits. */
  readonly queue: readonly string[];
  /**
   * Sub-runs (a call's) this run withdrew as the pass began, each undoing its own effects: no
   * undo of this run's starts until every one of them has ended, since their effects are
   * newer. Absent or empty: the pass is undoing `queue`.
   */
  readonly after?: readonly string[];
  /**
   * Events for the run's other positions (another parallel branch) that came while a
   * rejection's undos ran: applied once the pass is over (queued again then), so a branch's
   * progress is neither lost nor mistaken for a late effect to undo.
   */
  readonly deferred?: readonly DeferredEvent[];
  /**
   * Positions the transition that began the pass left (a join's other branches; on a failing
   * timeout, the call itself), withdrawn then: a cancel that takes a rejection's pass over
   * awaits their sub-runs still undoing.
   */
  readonly left?: readonly { readonly state: string; readonly step: number }[];
  readonly then: {
    readonly status: RunStatus;
    readonly effects: readonly Effect[];
    readonly ended: boolean;
  };
}

export interface DeferredEvent {
  readonly eventId: string;
  readonly event: RunEvent;
  readonly expect: { readonly state: string; readonly step: number };
}

export interface UndoBook {
  readonly entries: readonly UndoEntry[];
  readonly pass?: UndoPass;
}

export const EMPTY_BOOK: UndoBook = { entries: [] };

/**
 * The undo job's effect key: derived from the original's, so a crash never undoes twice.
 * (BullMQ job ids may not hold ":", hence "-".)
 */
export function undoKey(effectKey: string): string {
  return `${effectKey}-undo`;
}

export function expiryKey(effectKey: string): string {
  return `${effectKey}-expire`;
}

/** Entries still in effect that `pick` selects, newest first (the order undos run in). */
export function toUndo(book: UndoBook, pick: (e: UndoEntry) => boolean = () => true): string[] {
  return book.entries
    .filter((e) => e.status === 'applied' && pick(e))
    .map((e) => e.effectKey)
    .reverse();
}

export function withEntry(book: UndoBook, entry: UndoEntry): UndoBook {
  if (book.entries.some((e) => e.effectKey === entry.effectKey)) return book;
  return { ...book, entries: [...book.entries, entry] };
}

export function mark(
  book: UndoBook,
  keys: readonly string[],
  status: UndoEntry['status'],
  reason?: UndoReason,
): UndoBook {
  return {
    ...book,
    entries: book.entries.map((e) =>
      keys.includes(e.effectKey) ? { ...e, status, ...(reason ? { reason } : {}) } : e,
    ),
  };
}

export function entryOf(book: UndoBook, effectKey: string): UndoEntry | undefined {
  return book.entries.find((e) => e.effectKey === effectKey);
}

/** What a state kind hands the runner when one of its steps succeeded with an undo declared. */
export interface UndoableStep {
  readonly effectKey: string;
  readonly state: string;
  readonly before: RunContext;
  readonly after: RunContext;
  readonly result: unknown;
  readonly at: number;
}
