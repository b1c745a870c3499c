import { CordonError } from '../shared/errors.js';
import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { newestFirst, type Scored } from './newest-first.js';
import { ScriptRunner, type ScriptArg } from './redis-scripts.js';
import { writeAcknowledged, type ReplicaAck } from './replica-ack.js';

/** One kind of containment (`family`) of one target (`key`) through one connector instance. */
export interface HoldTarget {
  readonly instance: string;
  readonly family: string;
  readonly key: string;
}

/** A target's member in the ZSET of the targets held now (Keys.heldTargets). */
export function heldMember(target: HoldTarget): string {
  return JSON.stringify([target.instance, target.family, target.key]);
}

/** The target a member of Keys.heldTargets names; undefined for one that names none. */
export function heldTargetOf(member: string): HoldTarget | undefined {
  try {
    const parts = JSON.parse(member) as unknown;
    if (Array.isArray(parts) && parts.length === 3 && parts.every((p) => typeof p === 'string')) {
      const [instance, family, key] = parts as [string, string, string];
      return { instance, family, key };
    }
  } catch {
    // Not one of ours: the caller skips it.
  }
  return undefined;
}

/** An effect holding containment on a target (EffectLedger.hold). */
export interface HoldEntry {
  readonly effect: string;
  readonly operation: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly result: unknown;
  readonly run: string;
  readonly at: number;
}

/**
 * The effects ledger: one entry per side effect, keyed by its idempotency key. Built-in
 * connectors write their entry in the same Lua script as the effect, so an entry with status
 * `done` proves the effect happened exactly once, with this result. Outbound connectors record
 * theirs after the call (`record`) and keep what they need across retries (`remember`); their
 * own dedupe look-ups cover the gap between the call and the record.
 *
 * With `ack` (CORDON_EFFECT_ACK_REPLICAS), what a retry relies on to not act twice — the
 * records and memos written before and after an outbound call (the webhooks' attempt markers
 * among them) — is acknowledged by that many replicas before the call is made or the step is
 * reported, so it survives the loss of the control plane's master: a promoted replica has it.
 */
export class EffectLedger {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ack?: ReplicaAck,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  /**
   * Whether records go through their own connection and WAIT (CORDON_EFFECT_ACK_REPLICAS): then
   * a record and a write sent after it on the shared connection are not ordered by Redis.
   */
  get acknowledged(): boolean {
    return (this.ack?.replicas ?? 0) > 0;
  }

  /** The stored result of a completed effect, or undefined if it has not happened. */
  async result(
    effectKey: string,
  ): Promise<{ readonly found: true; readonly result: unknown } | undefined> {
    const [status, result] = await this.redis.hmget(
      this.keys.effect(effectKey),
      'status',
      'result',
    );
    if (status !== 'done' || typeof result !== 'string') return undefined;
    return { found: true, result: JSON.parse(result) as unknown };
  }

  /** Records a result once; returns the result stored first (a racing retry's, maybe). */
  async record(effectKey: string, runId: string, result: unknown, now: number): Promise<unknown> {
    const stored = await this.#write(
      'recordEffect',
      [this.keys.effect(effectKey), this.keys.effectIndex],
      [now, effectKey, JSON.stringify(result ?? null), runId],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /** Stores `value` under `name` for the effect unless a value is there; returns the stored one. */
  async remember(
    effectKey: string,
    runId: string,
    name: string,
    value: unknown,
    now: number,
  ): Promise<unknown> {
    const stored = await this.#write(
      'rememberEffect',
      [this.keys.effect(effectKey), this.keys.effectIndex],
      [now, effectKey, name, JSON.stringify(value ?? null), runId],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /**
   * Records that `effectKey` holds containment on `target` (with what its undo and the others'
   * need: `entry`) and records its `result`, in one script; answers the result stored (a
   * racing retry's, maybe: then the hold was placed by that one).
   */
  async hold(
    target: HoldTarget,
    effectKey: string,
    runId: string,
    entry: HoldEntry,
    result: unknown,
    now: number,
  ): Promise<unknown> {
    const stored = await this.#write(
      'holdEffect',
      [
        this.#holds(target),
        this.keys.effect(effectKey),
        this.keys.effectIndex,
        this.keys.heldTargets,
      ],
      [
        now,
        effectKey,
        runId,
        JSON.stringify(entry),
        JSON.stringify(result ?? null),
        heldMember(target),
      ],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /**
   * Takes `heldKey`'s hold (or dropped hold) off its target once the undo `undoKey` has done
   * outside what the holds asked, and records the undo's `result`, in one script; answers the
   * result stored.
   */
  async releaseHold(
    target: HoldTarget,
    heldKey: string,
    undoKey: string,
    runId: string,
    result: unknown,
    now: number,
  ): Promise<unknown> {
    const stored = await this.#write(
      'releaseHold',
      [
        this.#holds(target),
        this.keys.effect(undoKey),
        this.keys.effectIndex,
        this.keys.heldTargets,
      ],
      [now, heldKey, undoKey, runId, JSON.stringify(result ?? null), heldMember(target)],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /**
   * Turns every hold on a target into a dropped hold (the explicit release `effectKey` lifted
   * them) and records the release's `result`, in one script; answers the result stored.
   */
  async dropHolds(
    target: HoldTarget,
    effectKey: string,
    runId: string,
    result: unknown,
    now: number,
  ): Promise<unknown> {
    const stored = await this.#write(
      'dropHolds',
      [
        this.#holds(target),
        this.keys.effect(effectKey),
        this.keys.effectIndex,
        this.keys.heldTargets,
      ],
      [now, effectKey, runId, JSON.stringify(result ?? null), heldMember(target)],
    );
    return JSON.parse(String(stored)) as unknown;
  }

  /**
   * The targets held now, newest hold first (by the time of their newest hold, ms), from the
   * top or from a page's last time `from` (store/newest-first.ts says what comes back).
   */
  async heldTargets(
    count: number,
    from?: number,
  ): Promise<{ items: readonly Scored[]; more: boolean }> {
    return newestFirst(this.#scripts, this.keys.heldTargets, count, from);
  }

  /** The target's holds as stored (store/scripts/holdEffect-4.lua names the fields). */
  async holdsOf(target: HoldTarget): Promise<Record<string, string>> {
    return this.redis.hgetall(this.#holds(target));
  }

  /**
   * Takes the target for `owner` for `leaseMs` (lockHolds-1.lua): 0 when taken, else the ms
   * until the holder's lease ends.
   */
  async lockHolds(
    target: HoldTarget,
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<number> {
    return Number(await this.#write('lockHolds', [this.#holds(target)], [now, owner, leaseMs]));
  }

  /** Gives the target back (only its owner can). */
  async unlockHolds(target: HoldTarget, owner: string): Promise<void> {
    await this.#write('unlockHolds', [this.#holds(target)], [owner]);
  }

  #holds(target: HoldTarget): string {
    return this.keys.holds(target.instance, target.family, target.key);
  }

  /** A ledger script, then (ack mode) WAIT for the replicas on the control plane's master. */
  async #write(script: string, keys: string[], args: ScriptArg[]): Promise<unknown> {
    if (!this.ack || this.ack.replicas === 0) return this.#scripts.run(script, keys, args);
    const { result, acknowledged } = await writeAcknowledged(this.ack, keys[0] as string, (node) =>
      new ScriptRunner(node).run(script, keys, args),
    );
    if (acknowledged < this.ack.replicas)
      throw new CordonError(
        'CORDON_ERR_EFFECT_NOT_REPLICATED',
        `Only ${acknowledged} of ${this.ack.replicas} Redis replica(s) acknowledged the effects ledger's record of ${keys[0] as string} within ${this.ack.timeoutMs} ms (CORDON_EFFECT_ACK_REPLICAS, CORDON_EFFECT_ACK_TIMEOUT_MS); this attempt fails (before its call, or with the call's record kept for the retry to read back). Attach the replicas, or lower CORDON_EFFECT_ACK_REPLICAS.`,
        {
          details: {
            replicas: this.ack.replicas,
            acknowledged,
            timeoutMs: this.ack.timeoutMs,
          },
        },
      );
    return result;
  }

  async recall(effectKey: string, name: string): Promise<unknown> {
    const raw = await this.redis.hget(this.keys.effect(effectKey), `memo:${name}`);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }
}
