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
 * limit undone from the top puts the one beneath back in force), and the last undo restores
 * what was there before the first hold. Without this, each undo restored the state its own
 * effect found, so undoing the first run lifted the second run's containment. The built-in
 * limiter keeps its layers in its own Lua (setLimit, undoLimit); this is the same for the
 * outbound connectors whose operations declare `holds`.
 */

interface Acting {
  readonly type: ConnectorType;
  readonly name: string;
  readonly op: ConnectorOperation<unknown>;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly ctx: OperationContext;
  readonly client: unknown;
  readonly ledger: EffectLedger;
  readonly redactor: Redactor;
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
    if (undoing.holds?.role !== 'hold') return undoing.undo(undoOf, ctx, a.client);
    return undoHeld(a, undoing, undoOf);
  }
  const spec = a.op.holds;
  const result = await a.op.run(a.inputs, ctx, a.client);
  if (!spec) return result;
  const target = targetOf(ctx.connector, spec.family, a.inputs);
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
  await a.ledger.hold(target, ctx.effectKey, ctx.runId, entry, ctx.now);
  return result;
}

async function undoHeld(
  a: Acting,
  undoing: ConnectorOperation<unknown>,
  undoOf: UndoOf,
): Promise<unknown> {
  const spec = undoing.holds;
  if (!spec || !undoing.undo) throw new Error('undoHeld: not a held operation');
  const { ctx } = a;
  const target = targetOf(ctx.connector, spec.family, undoOf.inputs);
  const decision = await a.ledger.releaseHold(
    target,
    undoOf.effectKey,
    ctx.effectKey,
    ctx.runId,
    ctx.now,
  );
  if (!decision.held) return undoing.undo(undoOf, ctx, a.client);
  if (decision.last) {
    const base = decision.base;
    const baseOp = a.type.operations[base.operation];
    // The base found the target as it was before any hold; its undo puts that back. The undo
    // of a held operation is absolute (restores a recorded state, whatever is there now).
    const restored = await (baseOp?.undo ?? undoing.undo)(undoOfEntry(base), ctx, a.client);
    return withHolds(restored, { released: 'last', restoredFrom: base.effect });
  }
  const beneath = decision.beneath;
  const beneathOp = a.type.operations[beneath.operation];
  if (decision.top && spec.reapply && beneathOp) {
    const { undoOf: _undone, ...plain } = ctx;
    void _undone;
    const reapplied = await beneathOp.run(beneath.inputs, plain, a.client);
    return withHolds(reapplied, {
      released: 'top',
      keptBy: decision.by,
      reapplied: beneath.effect,
    });
  }
  return {
    key: text(undoOf.inputs.key),
    holds: { released: decision.top ? 'top' : 'beneath', keptBy: decision.by },
  };
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
