import type { Clock } from '../../shared/clock.js';
import { CordonError, isCordonError } from '../../shared/errors.js';
import type { EffectLedger, HoldEntry, HoldTarget } from '../../store/effect-ledger.js';
import { NON_RETRYABLE_CONNECTOR_CODES } from '../http/outbound-errors.js';
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
 * Every step that reads or changes a target's holds and acts on the target outside does so
 * with the target taken (a lease in Redis, lockHolds-1.lua, as long as the attempt may take),
 * one effect at a time: a set acts, then places its hold; an undo reads the holds, acts, then
 * takes its hold off; an explicit release acts, then drops the holds. Each of those last
 * steps records the effect's result in the effects ledger in the same script, so a retry of a
 * step that finished answers from the ledger and never acts again, and one that did not finish
 * decides again from the holds as they are then.
 */

/** How long a target stays taken when the attempt's own timeout is not known. */
export const HOLD_LEASE_MS = 120_000;
/** Beyond the attempt's timeout: a lease outlives the attempt that took it. */
const LEASE_MARGIN_MS = 5_000;
/** Failures the action worker does not retry (action-worker.ts NON_RETRYABLE). */
const FINAL_CODES = new Set<string>([
  'CORDON_ERR_ACTION_INPUT',
  'CORDON_ERR_ACTION_CONNECTOR',
  ...NON_RETRYABLE_CONNECTOR_CODES,
]);
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
  /**
   * The last hold: the base's undo restores what was there before any hold, with what the base
   * kept while it acted (`baseMemo`: memo name -> JSON), should its own entry be gone.
   */
  | {
      readonly kind: 'last';
      readonly base: HoldEntry;
      readonly baseMemo: Readonly<Record<string, string>>;
    }
  /**
   * Others still hold the target (`by`, newest first), so it stays contained; `top`: this
   * hold was the newest, and `beneath` (the newest left) is what should be in force now.
   */
  | {
      readonly kind: 'kept';
      readonly top: boolean;
      readonly by: readonly string[];
      /** The runs of those holds (each once, newest first): what a person reads. */
      readonly runs: readonly string[];
      readonly beneath: HoldEntry;
    };

/** Decides an undo from the target's stored fields (holdEffect-4.lua names them). Pure. */
export function planUndo(fields: Readonly<Record<string, string>>, held: string): UndoPlan {
  const own = fields[`h:${held}`];
  if (own === undefined)
    return fields[`d:${held}`] !== undefined ? { kind: 'dropped' } : { kind: 'own' };
  const mine = Number(fields[`s:${held}`]);
  const others: { effect: string; seq: number }[] = [];
  for (const [name, value] of Object.entries(fields))
    if (name.startsWith('s:') && name !== `s:${held}`)
      others.push({ effect: name.slice(2), seq: Number(value) });
  if (others.length === 0) {
    const base = entryOf(fields.base ?? own);
    // Without the first hold's record nothing says what to restore: the undo fails, loudly.
    if (!base)
      throw new CordonError(
        'CORDON_ERR_ACTION_FAILED',
        `The record of the first hold on this target is damaged (${held}'s undo would restore what that hold found); restore the target by hand, then release it with an explicit step.`,
      );
    let baseMemo: Record<string, string> = {};
    try {
      baseMemo = JSON.parse(fields.basememo ?? '{}') as Record<string, string>;
    } catch {
      // The base's own ledger entry may still hold its memos (withBaseMemo reads it first).
    }
    return { kind: 'last', base, baseMemo };
  }
  others.sort((a, b) => b.seq - a.seq);
  const newest = others[0] as { effect: string; seq: number };
  const runs = others.map((o) => runOf(fields[`h:${o.effect}`]));
  return {
    kind: 'kept',
    top: mine > newest.seq,
    by: others.map((o) => o.effect),
    runs: [...new Set(runs.filter((r): r is string => r !== undefined))],
    // A damaged newest entry still holds the target; it only cannot be put back in force.
    beneath: entryOf(fields[`h:${newest.effect}`]) ?? {
      effect: newest.effect,
      operation: '',
      inputs: {},
      result: null,
      run: '',
      at: 0,
    },
  };
}

/** A stored hold entry, or undefined for a damaged one (it still holds the target). */
function entryOf(raw: string | undefined): HoldEntry | undefined {
  try {
    const entry = JSON.parse(raw ?? 'null') as Partial<HoldEntry> | null;
    return entry !== null &&
      typeof entry === 'object' &&
      typeof entry.effect === 'string' &&
      typeof entry.operation === 'string'
      ? (entry as HoldEntry)
      : undefined;
  } catch {
    return undefined;
  }
}

function runOf(raw: string | undefined): string | undefined {
  const run = entryOf(raw)?.run;
  return typeof run === 'string' ? run : undefined;
}

/** What acting answered; `recorded`: the ledger holds it already (with the holds' change). */
export interface Acted {
  readonly result: unknown;
  readonly recorded: boolean;
}

/**
 * Runs the operation, or the undo of `ctx.undoOf`, keeping the target's holds: what
 * `execute` calls for a journal-ledger operation in place of running it directly.
 */
export async function actWithHolds(a: Acting): Promise<Acted> {
  const { ctx } = a;
  const plain = async (work: Promise<unknown>): Promise<Acted> => ({
    result: await work,
    recorded: false,
  });
  const undoOf = ctx.undoOf;
  if (undoOf) {
    const undoing = a.type.operations[undoOf.operation];
    if (!undoing?.undo) return plain(a.op.run(a.inputs, ctx, a.client));
    const spec = undoing.holds;
    if (spec?.role !== 'hold') return plain(undoing.undo(undoOf, ctx, a.client));
    const target = targetOf(ctx.connector, spec.family, undoOf.inputs);
    return taken(
      a,
      target,
      async (acted) => (await recordedMeanwhile(a)) ?? undoHeld(a, undoing, undoOf, target, acted),
    );
  }
  const spec = a.op.holds;
  if (!spec) return plain(a.op.run(a.inputs, ctx, a.client));
  const target = targetOf(ctx.connector, spec.family, a.inputs);
  return taken(a, target, async (acted) => {
    const done = await recordedMeanwhile(a);
    if (done) return done;
    // From the first call on: a call that reached the system but whose answer was lost (a
    // timeout) may have acted, and only this effect's retry may go on from there.
    acted();
    const result = a.redactor.value((await a.op.run(a.inputs, ctx, a.client)) ?? null);
    const now = a.clock.now();
    if (spec.role === 'release')
      return {
        result: await a.ledger.dropHolds(target, ctx.effectKey, ctx.runId, result, now),
        recorded: true,
      };
    const entry: HoldEntry = {
      effect: ctx.effectKey,
      operation: a.name,
      inputs: a.inputs,
      result,
      run: ctx.runId,
      at: ctx.now,
    };
    return {
      result: await a.ledger.hold(target, ctx.effectKey, ctx.runId, entry, result, now),
      recorded: true,
    };
  });
}

async function undoHeld(
  a: Acting,
  undoing: ConnectorOperation<unknown>,
  undoOf: UndoOf,
  target: HoldTarget,
  acted: () => void,
): Promise<Acted> {
  const { ctx } = a;
  if (!undoing.undo) throw new Error('undoHeld: the operation has no undo');
  const plan = planUndo(await a.ledger.holdsOf(target), undoOf.effectKey);
  let result: unknown;
  switch (plan.kind) {
    case 'own':
      return { result: await undoing.undo(undoOf, ctx, a.client), recorded: false };
    case 'dropped':
      result = { key: target.key, holds: { released: 'dropped', key: target.key } };
      break;
    case 'last': {
      acted();
      const base = plan.base;
      // The base found the target as it was before any hold; its undo puts that back. The
      // undo of a held operation is absolute (restores a recorded state, whatever is there).
      const baseOp = a.type.operations[base.operation];
      const restored = await (baseOp?.undo ? baseOp : undoing).undo?.(
        undoOfEntry(base),
        withBaseMemo(ctx, base.effect, plan.baseMemo),
        a.client,
      );
      result = withHolds(restored, {
        released: 'last',
        key: target.key,
        restoredFrom: base.effect,
        restoredFromRun: base.run,
      });
      break;
    }
    case 'kept': {
      const beneathOp = a.type.operations[plan.beneath.operation];
      const released = plan.top ? 'top' : 'beneath';
      if (plan.top && undoing.holds?.reapply && beneathOp) {
        acted();
        const { undoOf: _undone, ...plain } = ctx;
        void _undone;
        const reapplied = await beneathOp.run(plan.beneath.inputs, plain, a.client);
        result = withHolds(reapplied, {
          released,
          key: target.key,
          keptBy: plan.by,
          keptByRuns: plan.runs.filter((r) => r !== ctx.runId),
          ...(plan.runs.includes(ctx.runId) ? { keptByThisRun: true } : {}),
          reapplied: plan.beneath.effect,
        });
      } else {
        result = {
          key: target.key,
          holds: {
            released,
            key: target.key,
            keptBy: plan.by,
            keptByRuns: plan.runs.filter((r) => r !== ctx.runId),
            ...(plan.runs.includes(ctx.runId) ? { keptByThisRun: true } : {}),
          },
        };
      }
      break;
    }
  }
  const stored = await a.ledger.releaseHold(
    target,
    undoOf.effectKey,
    ctx.effectKey,
    ctx.runId,
    a.redactor.value(result ?? null),
    a.clock.now(),
  );
  return { result: stored, recorded: true };
}

/**
 * The effect's result, if another attempt of it (one that timed out but ran on, a stalled
 * job's duplicate) recorded it between execute()'s look at the ledger and taking the target:
 * then this attempt must not act (its own undo would take back a hold that is not its own).
 */
async function recordedMeanwhile(a: Acting): Promise<Acted | undefined> {
  const prior = await a.ledger.result(a.ctx.effectKey);
  return prior ? { result: prior.result, recorded: true } : undefined;
}

/**
 * Runs `work` with the target taken for this effect, waiting while another has it (until this
 * attempt's deadline), and gives it back after. The lease is as long as the attempt may take,
 * so it outlives an attempt that dies holding it, and the attempt's retry (the same owner)
 * takes it again at once. Once `work` says it is acting outside (`acted`, before its first
 * call), a failure keeps the target taken until the lease ends: only this effect's retry may
 * go on from a state its record does not show yet (another effect deciding meanwhile would
 * take a stale base). A failure before that, or one no retry follows, gives it back.
 */
async function taken<T>(
  a: Acting,
  target: HoldTarget,
  work: (acted: () => void) => Promise<T>,
): Promise<T> {
  const owner = a.ctx.effectKey;
  const leaseMs = (a.ctx.timeoutMs ?? HOLD_LEASE_MS) + LEASE_MARGIN_MS;
  for (;;) {
    const signal = a.ctx.signal;
    if (signal.aborted)
      throw new CordonError(
        'CORDON_ERR_ACTION_TIMEOUT',
        `Connector "${target.instance}": ${target.family} of "${target.key}" stayed taken by another run's effect until this attempt's deadline; it is retried.`,
      );
    const waitMs = await a.ledger.lockHolds(target, owner, a.clock.now(), leaseMs);
    if (waitMs === 0) break;
    await pause(Math.min(waitMs, MAX_WAIT_STEP_MS), signal);
  }
  let outside = false;
  let result: T;
  try {
    result = await work(() => {
      outside = true;
    });
  } catch (err) {
    // A failure no retry follows (the step's last attempt, inputs refused, the system
    // refusing the request) leaves nothing for this effect's retry to go on from: the target
    // goes back too (a run retried through the API acts under a new effect key).
    const final = a.ctx.lastAttempt === true || (isCordonError(err) && FINAL_CODES.has(err.code));
    if (!outside || final) await a.ledger.unlockHolds(target, owner).catch(() => undefined);
    throw err;
  }
  await a.ledger.unlockHolds(target, owner).catch(() => undefined);
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

/**
 * The target an operation (or the undo of `ctx.undoOf`) takes while it acts, if it keeps holds:
 * what a retry answered from the ledger gives back (its attempt may have died holding it).
 */
export function heldTarget(
  type: ConnectorType,
  op: ConnectorOperation<unknown>,
  inputs: Readonly<Record<string, unknown>>,
  ctx: OperationContext,
): HoldTarget | undefined {
  const undoOf = ctx.undoOf;
  if (undoOf) {
    const spec = type.operations[undoOf.operation]?.holds;
    return spec?.role === 'hold' ? targetOf(ctx.connector, spec.family, undoOf.inputs) : undefined;
  }
  return op.holds ? targetOf(ctx.connector, op.holds.family, inputs) : undefined;
}

function targetOf(
  instance: string,
  family: string,
  inputs: Readonly<Record<string, unknown>>,
): HoldTarget {
  return { instance, family, key: text(inputs.key) };
}

/** `ctx` whose memo reads the base's kept values from the holds when its entry is gone. */
function withBaseMemo(
  ctx: OperationContext,
  base: string,
  kept: Readonly<Record<string, string>>,
): OperationContext {
  const memo = ctx.memo;
  return {
    ...ctx,
    memo: {
      remember: (name, compute) => memo.remember(name, compute),
      recall: (name) => memo.recall(name),
      recallFrom: async <T>(effectKey: string, name: string): Promise<T | undefined> => {
        const found = await memo.recallFrom<T>(effectKey, name);
        const raw = effectKey === base ? kept[name] : undefined;
        return found !== undefined || raw === undefined ? found : (JSON.parse(raw) as T);
      },
    },
  };
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

/**
 * What an undo's holds decided, in words for the run's timeline (an undo that left the target
 * contained for another run must not read as if it lifted the containment), or undefined for
 * a result without holds (an operation that keeps none, an undo planned `own`).
 */
export function describeHeldUndo(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const holds = (result as { holds?: unknown }).holds;
  if (holds === null || typeof holds !== 'object') return undefined;
  const h = holds as Record<string, unknown>;
  const target = typeof h.key === 'string' ? `"${h.key}"` : 'the target';
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  switch (h.released) {
    case 'dropped':
      return `an explicit release had already dropped this hold on ${target}; nothing was changed outside`;
    case 'last': {
      const run = typeof h.restoredFromRun === 'string' ? ` (run ${h.restoredFromRun})` : '';
      return `the last hold on ${target}: restored what was there before the first hold${run}`;
    }
    case 'top':
    case 'beneath': {
      const runs = list(h.keptByRuns);
      const holders = [
        ...(runs.length > 0 ? [`run${runs.length > 1 ? 's' : ''} ${runs.join(', ')}`] : []),
        // A run that contained the target twice (two of its steps) keeps it by the other one.
        ...(h.keptByThisRun === true ? ['another step of this run'] : []),
      ];
      const who =
        holders.length > 0 ? holders.join(' and ') : `${list(h.keptBy).length} other hold(s)`;
      const again =
        typeof h.reapplied === 'string'
          ? `; the newest remaining containment (effect ${h.reapplied}) is in force again`
          : '';
      return `this run's hold on ${target} is taken back, but ${target} stays contained: ${who} still hold${holders.length === 1 && runs.length <= 1 ? 's' : ''} it${again}`;
    }
    default:
      return undefined;
  }
}
