import type { Clock } from '../../shared/clock.js';
import { CordonError } from '../../shared/errors.js';
import type { EffectLedger, HoldEntry, HoldTarget } from '../../store/effect-ledger.js';
import type { Redactor } from '../http/redactor.js';
import {
  text,
  type ConnectorOperation,
  type ConnectorType,
  type OperationContext,
  type UndoOf,
} from './connector-type.js';

/**
 * Overlapping containment on systems outside Redis. Two runs that throttle or block the same
 * Kong consumer (or LiteLLM key, or API Gateway key) each record a hold on it; the undo of one
 * takes back only its own hold: while another holds the target it stays contained (a rate
 * limit undone from the top puts the newest one left back in force), and the last undo
 * restores what was there before the first hold. Without this, each undo restored the state
 * its own effect found, so undoing the first run lifted the second run's containment. The
 * built-in limiter keeps its layers in its own Lua (setLimit, undoLimit); this is the same for
 * the outbound connectors whose operations declare `holds`.
 *
 * Every step that reads or changes a target's stack and acts on the target outside does so
 * with the target taken (a lease in Redis, lockHolds-1.lua), one effect at a time: a set acts
 * and places its hold, an undo reads the stack, acts and takes its hold off, an explicit
 * release acts and drops the holds. So the first hold placed is the first effect that acted,
 * two undos never decide from one stack, and an undo retried after a crash decides again from
 * the stack as it is then (its hold is taken off only after it acted).
 */

/** How long a target stays taken by an effect that died holding it. */
export const HOLD_LEASE_MS = 120_000;
/** The longest pause between tries to take a busy target. */
const MAX_WAIT_STEP_MS = 100;

interface Acting {
  readonly type: ConnectorType;
  readonly name: string;
  readonly op: ConnectorOperation<unknown>;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly ctx: OperationContext;
  readonly client: unknown;
  readonly ledger: EffectLedger;
  readonly redactor: Redactor;
  readonly clock: Clock;
}

/** What the undo of a held effect does outside, read from the target's stack. */
export type UndoPlan =
  /** No hold of this effect is known (placed before holds were kept): its own undo runs. */
  | { readonly kind: 'own' }
  /** An explicit release dropped its hold: nothing outside (a newer hold may be in force). */
  | { readonly kind: 'dropped' }
  /** The last hold: the base's undo restores what was there before any hold. */
  | { readonly kind: 'last'; readonly base: HoldEntry }
  /**
   * Others still hold the target (`by`, newest first), so it stays contained; `top`: this
   * hold was the newest, and `beneath` (the newest left) is what should be in force now.
   */
  | {
      readonly kind: 'kept';
      readonly top: boolean;
      readonly by: readonly string[];
      readonly beneath: HoldEntry;
    };

/** Decides an undo from the target's stored fields (holdEffect-3.lua names them). Pure. */
export function planUndo(fields: Readonly<Record<string, string>>, held: string): UndoPlan {
  const own = fields[`h:${held}`];
  if (own === undefined)
    return fields[`d:${held}`] !== undefined ? { kind: 'dropped' } : { kind: 'own' };
  const mine = Number(fields[`s:${held}`]);
  const others: { effect: string; seq: number }[] = [];
  for (const [name, value] of Object.entries(fields))
    if (name.startsWith('s:') && name !== `s:${held}`)
      others.push({ effect: name.slice(2), seq: Number(value) });
  if (others.length === 0)
    return { kind: 'last', base: JSON.parse(fields.base ?? own) as HoldEntry };
  others.sort((a, b) => b.seq - a.seq);
  const newest = others[0] as { effect: string; seq: number };
  return {
    kind: 'kept',
    top: mine > newest.seq,
    by: others.map((o) => o.effect),
    beneath: JSON.parse(fields[`h:${newest.effect}`] ?? 'null') as HoldEntry,
  };
}

/**
 * Runs the operation, or the undo of `ctx.undoOf`, keeping the target's holds: what
 * `execute` calls for a journal-ledger operation in place of running it directly.
 */
export async function actWithHolds(a: Acting): Promise<unknown> {
  const { ctx } = a;
  const undoOf = ctx.undoOf;
  if (undoOf) {
    const undoing = a.type.operations[undoOf.operation];
    if (!undoing?.undo) return a.op.run(a.inputs, ctx, a.client);
    const spec = undoing.holds;
    if (spec?.role !== 'hold') return undoing.undo(undoOf, ctx, a.client);
    const target = targetOf(ctx.connector, spec.family, undoOf.inputs);
    return taken(a, target, () => undoHeld(a, undoing, undoOf, target));
  }
  const spec = a.op.holds;
  if (!spec) return a.op.run(a.inputs, ctx, a.client);
  const target = targetOf(ctx.connector, spec.family, a.inputs);
  return taken(a, target, async (keep) => {
    const result = await a.op.run(a.inputs, ctx, a.client);
    // It acted: should what follows fail, its retry (the same owner) takes the target again
    // at once, and no other effect acts or decides before it has placed or dropped its holds.
    keep();
    if (spec.role === 'release') {
      await a.ledger.dropHolds(target);
      return result;
    }
    const entry: HoldEntry = {
      effect: ctx.effectKey,
      operation: a.name,
      inputs: a.inputs,
      result: a.redactor.value(result ?? null),
      run: ctx.runId,
      at: ctx.now,
    };
    // Before the ledger records the effect: a retry after a crash here runs the (idempotent)
    // operation again and places the hold then; after the record it would answer from the
    // ledger and the hold would be lost.
    await a.ledger.hold(target, ctx.effectKey, ctx.runId, entry, a.clock.now());
    return result;
  });
}

async function undoHeld(
  a: Acting,
  undoing: ConnectorOperation<unknown>,
  undoOf: UndoOf,
  target: HoldTarget,
): Promise<unknown> {
  const { ctx } = a;
  if (!undoing.undo) throw new Error('undoHeld: the operation has no undo');
  // A retry of an undo that took its hold off already: it acted before doing so.
  if ((await a.ledger.recall(ctx.effectKey, 'hold-release')) !== undefined)
    return { key: target.key, holds: { released: 'before' } };
  const plan = planUndo(await a.ledger.holdsOf(target), undoOf.effectKey);
  let result: unknown;
  switch (plan.kind) {
    case 'own':
      return undoing.undo(undoOf, ctx, a.client);
    case 'dropped':
      result = { key: target.key, holds: { released: 'dropped' } };
      break;
    case 'last': {
      const base = plan.base;
      // The base found the target as it was before any hold; its undo puts that back. The
      // undo of a held operation is absolute (restores a recorded state, whatever is there).
      const baseOp = a.type.operations[base.operation];
      const restored = await (baseOp?.undo ? baseOp : undoing).undo?.(
        undoOfEntry(base),
        ctx,
        a.client,
      );
      result = withHolds(restored, { released: 'last', restoredFrom: base.effect });
      break;
    }
    case 'kept': {
      const beneathOp = a.type.operations[plan.beneath.operation];
      const released = plan.top ? 'top' : 'beneath';
      if (plan.top && undoing.holds?.reapply && beneathOp) {
        const { undoOf: _undone, ...plain } = ctx;
        void _undone;
        const reapplied = await beneathOp.run(plan.beneath.inputs, plain, a.client);
        result = withHolds(reapplied, {
          released,
          keptBy: plan.by,
          reapplied: plan.beneath.effect,
        });
      } else {
        result = { key: target.key, holds: { released, keptBy: plan.by } };
      }
      break;
    }
  }
  await a.ledger.releaseHold(target, undoOf.effectKey, ctx.effectKey, ctx.runId, a.clock.now());
  return result;
}

/**
 * Runs `work` with the target taken for this effect, waiting while another has it. Given back
 * at the end, or on a failure unless `work` called `keep` first: then it stays this effect's
 * until its retry (or the lease ends).
 */
async function taken<T>(
  a: Acting,
  target: HoldTarget,
  work: (keep: () => void) => Promise<T>,
): Promise<T> {
  const owner = a.ctx.effectKey;
  for (;;) {
    const waitMs = await a.ledger.lockHolds(target, owner, a.clock.now(), HOLD_LEASE_MS);
    if (waitMs === 0) break;
    const signal = a.ctx.signal;
    if (signal.aborted)
      throw new CordonError(
        'CORDON_ERR_ACTION_TIMEOUT',
        `Connector "${target.instance}": ${target.family} of "${target.key}" stayed taken by another run's effect until this attempt's deadline; it is retried.`,
      );
    await pause(Math.min(waitMs, MAX_WAIT_STEP_MS), signal);
  }
  let kept = false;
  let result: T;
  try {
    result = await work(() => {
      kept = true;
    });
  } catch (err) {
    if (!kept) await a.ledger.unlockHolds(target, owner).catch(() => undefined);
    throw err;
  }
  await a.ledger.unlockHolds(target, owner);
  return result;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function targetOf(
  instance: string,
  family: string,
  inputs: Readonly<Record<string, unknown>>,
): HoldTarget {
  return { instance, family, key: text(inputs.key) };
}

function undoOfEntry(entry: HoldEntry): UndoOf {
  return {
    effectKey: entry.effect,
    operation: entry.operation,
    inputs: entry.inputs,
    result: entry.result,
  };
}

/** The operation's result with what the holds decided beside it. */
function withHolds(result: unknown, holds: Record<string, unknown>): unknown {
  return result !== null && typeof result === 'object' && !Array.isArray(result)
    ? { ...result, holds }
    : { result: result ?? null, holds };
}
