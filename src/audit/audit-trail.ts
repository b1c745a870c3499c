import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { CordonError } from '../shared/errors.js';
import { EMPTY_HEAD, type AuditHead, type AuditInput, type AuditRecord } from './audit-entry.js';
import { sealAuditEntry } from './chain.js';

/**
 * The audit trail: an append-only, hash-chained record of every decision and side effect
 * (approvals, actions, undos, config and content loads, token use). This module seals entries
 * and appends them; it must not hold secrets (see audit-entry.ts) nor ever rewrite an entry.
 */

export type AppendOutcome =
  | { readonly kind: 'appended'; readonly head: AuditHead }
  | { readonly kind: 'moved'; readonly head: AuditHead; readonly nextTurnIsMine: boolean }
  /** Nothing appended: the records at `positions` (0-based) carry once-keys recorded already. */
  | { readonly kind: 'repeated'; readonly positions: readonly number[] }
  | { readonly kind: 'broken'; readonly length: number };

/** Where entries are kept (the Redis adapter is store/audit-log.ts). */
export interface AuditLog {
  /** The last entry's seq and hash; undefined when the trail has no head (empty, or tampered). */
  head(): Promise<AuditHead | undefined>;
  /**
   * Appends `records` (one, or several each sealed against the one before) only if the head is
   * still `expected` (compare-and-set), all or none. A writer that loses may be given the next
   * turn, so writers that keep losing take turns (`writer.id` is one per process; `now` bounds
   * how long a dead writer's turn blocks the others). `once[i]`: the once-key of `records[i]`,
   * if it has one: a record whose key the trail holds already is refused (`repeated`).
   */
  append(
    expected: AuditHead,
    records: AuditRecord | readonly AuditRecord[],
    writer: { id: string; now: number },
    once?: readonly (string | undefined)[],
  ): Promise<AppendOutcome>;
}

/** What the hook points need: a fake in tests, the trail in production. */
export interface AuditRecorder {
  /** `once`: the trail holds at most one entry under this key (AuditTrail.record). */
  record(input: AuditInput, options?: { once: string }): Promise<unknown>;
}

/** Appends lost to other processes before giving up; each loss means another entry landed. */
const MAX_APPEND_ATTEMPTS = 100;
/**
 * A writer that lost and does not hold the next turn waits a random 0..min(attempt, this) ms,
 * so writers do not retry in lockstep against the one whose turn it is.
 */
const MAX_BACKOFF_MS = 8;

export interface AuditTrailOptions {
  /** Pause between lost races (tests pass an instant one). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): jitter for the pause. */
  readonly random?: () => number;
}

/** Entries one append carries at most; more wait for the next (bounded script arguments). */
const MAX_BATCH = 256;

interface Waiting {
  readonly input: AuditInput;
  readonly once: string | undefined;
  readonly resolve: (record: AuditRecord | undefined) => void;
  readonly reject: (err: unknown) => void;
}

export class AuditTrail implements AuditRecorder {
  #head: AuditHead | undefined;
  // One append in flight per process (concurrent appends from one process would only race each
  // other for the same head); entries recorded meanwhile wait here and go in the next append
  // together (group commit), so a busy process appends once per round trip, not once per entry.
  #waiting: Waiting[] = [];
  #appending = false;

  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #writerId = randomUUID();

  constructor(
    private readonly log: AuditLog,
    private readonly clock: Clock,
    options: AuditTrailOptions = {},
  ) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
  }

  /**
   * Seals `input` as the next entry and appends it; resolves once it is stored. `once`: a key
   * the trail holds at most one entry for, whoever records it and however often (repeats of one
   * request); an entry whose key the trail holds already is not appended (resolves undefined).
   */
  record(input: AuditInput): Promise<AuditRecord>;
  record(input: AuditInput, options?: { once: string }): Promise<AuditRecord | undefined>;
  record(input: AuditInput, options: { once?: string } = {}): Promise<AuditRecord | undefined> {
    return new Promise<AuditRecord | undefined>((resolve, reject) => {
      this.#waiting.push({ input, once: options.once, resolve, reject });
      if (!this.#appending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#appending = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH);
        try {
          const records = await this.#append(batch);
          batch.forEach((w, i) => w.resolve(records[i]));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.#appending = false;
    }
  }

  /**
   * Seals the batch's inputs in order after the head and appends them in one compare-and-set;
   * answers each one's record, or undefined for one its once-key kept out.
   */
  async #append(batch: readonly Waiting[]): Promise<(AuditRecord | undefined)[]> {
    // The cached head is a guess (other processes append too); a wrong guess costs one retry.
    let head = this.#head ?? (await this.log.head()) ?? EMPTY_HEAD;
    const inputs = batch.map((w) => w.input);
    const what = inputs.length === 1 ? `"${inputs[0]?.action}"` : `${inputs.length} entries`;
    // Positions in `batch` still to append (a repeated once-key drops its entry).
    let pending = batch.map((_, i) => i);
    const out: (AuditRecord | undefined)[] = batch.map(() => undefined);
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      if (pending.length === 0) return out;
      const records: AuditRecord[] = [];
      let prev = head;
      for (const i of pending) {
        const record = sealAuditEntry(prev.hash, {
          ...(inputs[i] as AuditInput),
          seq: prev.seq + 1,
          time: this.clock.now(),
        });
        records.push(record);
        prev = { seq: record.seq, hash: record.hash };
      }
      const once = pending.map((i) => batch[i]?.once);
      const outcome = await this.log.append(
        head,
        records,
        { id: this.#writerId, now: this.clock.now() },
        once.some((k) => k !== undefined) ? once : undefined,
      );
      if (outcome.kind === 'appended') {
        this.#head = outcome.head;
        pending.forEach((i, n) => (out[i] = records[n]));
        return out;
      }
      if (outcome.kind === 'repeated') {
        // The head is where it was: re-sealed without those, at once. Not a lost race, so not
        // an attempt (each refusal drops at least one entry, so this ends).
        const dropped = new Set(outcome.positions);
        pending = pending.filter((_, n) => !dropped.has(n));
        if (pending.length === 0) return out;
        attempt -= 1;
        continue;
      }
      if (outcome.kind === 'broken') {
        this.#head = undefined;
        throw new CordonError(
          'CORDON_ERR_AUDIT_BROKEN',
          `The audit trail has ${outcome.length} entries but no head record, so ${what} ${inputs.length === 1 ? 'was' : 'were'} not appended (it would fork the chain). Run "cordon audit verify" and restore the trail from its archive.`,
        );
      }
      head = outcome.head;
      if (!outcome.nextTurnIsMine)
        await this.#sleep(this.#random() * Math.min(attempt, MAX_BACKOFF_MS));
    }
    this.#head = undefined;
    throw new CordonError(
      'CORDON_ERR_AUDIT_CONTENDED',
      `Could not append ${what} to the audit trail: other processes appended first ${MAX_APPEND_ATTEMPTS} times in a row. Retry; if it persists, fewer processes should write at once.`,
    );
  }
}
