import { sha256Hex, stableStringify } from '../shared/hash.js';
import { GENESIS_HASH, type AuditEntry, type AuditHead, type AuditRecord } from './audit-entry.js';

/**
 * The hash chain, pure: how an entry is serialised and sealed, and how a stored trail is
 * checked. No I/O here; the Redis adapter stores what `sealAuditEntry` returns and the verifier
 * reads whatever sequence of stored strings it is handed.
 */

/** JSON of the hashed fields only, keys sorted at every level, so a hash never depends on key order. */
export function canonicalAuditJson(entry: AuditEntry): string {
  return stableStringify({
    seq: entry.seq,
    time: entry.time,
    actor: { id: entry.actor.id, roles: entry.actor.roles },
    action: entry.action,
    targets: entry.targets,
    outcome: entry.outcome,
    detail: entry.detail,
  });
}

/** sha256 hex of the previous hash, a newline and the entry's canonical JSON. */
export function hashAuditEntry(prev: string, entry: AuditEntry): string {
  return sha256Hex(`${prev}\n${canonicalAuditJson(entry)}`);
}

export function sealAuditEntry(prev: string, entry: AuditEntry): AuditRecord {
  return {
    seq: entry.seq,
    time: entry.time,
    actor: { id: entry.actor.id, roles: [...entry.actor.roles] },
    action: entry.action,
    targets: entry.targets,
    outcome: entry.outcome,
    detail: entry.detail,
    prev,
    hash: hashAuditEntry(prev, entry),
  };
}

/** What a stored record serialises to; `parseAuditRecord` accepts exactly these keys. */
export function serializeAuditRecord(record: AuditRecord): string {
  return JSON.stringify(record);
}

const RECORD_KEYS = [
  'action',
  'actor',
  'detail',
  'hash',
  'outcome',
  'prev',
  'seq',
  'targets',
  'time',
].join(',');
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A stored string back to a record, or the reason it is not one. Unknown keys are refused: a
 * field the hash does not cover would let anyone add text to an entry without breaking it.
 */
export function parseAuditRecord(raw: string): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not valid JSON';
  }
  if (!isObject(value)) return 'not a JSON object';
  const keys = Object.keys(value).sort().join(',');
  if (keys !== RECORD_KEYS) return `has the keys ${keys}, expected ${RECORD_KEYS}`;
  const r = value;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return 'seq is not a positive integer';
  if (!Number.isSafeInteger(r.time)) return 'time is not an integer';
  if (typeof r.action !== 'string' || typeof r.outcome !== 'string')
    return 'action or outcome is not a string';
  if (!isObject(r.actor) || typeof r.actor.id !== 'string' || !Array.isArray(r.actor.roles))
    return 'actor is not { id, roles }';
  if (!isObject(r.targets) || !isObject(r.detail)) return 'targets or detail is not an object';
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return 'prev is not a sha256 hex digest';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'hash is not a sha256 hex digest';
  return value as unknown as AuditRecord;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How a trail was tampered with, as far as the stored records tell. An edit that was re-hashed
 * and re-linked all the way to the head leaves a consistent chain: only a head kept outside
 * Redis (`anchor`) catches that.
 */
export type TamperKind = 'edited' | 'removed' | 'reordered' | 'inserted' | 'truncated';

export type ChainReport =
  | { readonly ok: true; readonly count: number; readonly head: AuditHead }
  | {
      readonly ok: false;
      /** Records read before the verdict. */
      readonly count: number;
      /** 0-based position, in the stored trail, of the first entry that cannot be trusted. */
      readonly index: number;
      /** The seq an intact trail has at that position. */
      readonly seq: number;
      readonly kind: TamperKind;
      readonly reason: string;
    };

export interface VerifyOptions {
  /**
   * The head stored beside the trail; undefined when it is missing; `'not-kept'` for an
   * exported copy, which has no head (only `anchor` can then catch a cut tail).
   */
  readonly head: AuditHead | undefined | 'not-kept';
  /** A head recorded earlier outside Redis (`cordon audit verify --expect-head seq:hash`). */
  readonly anchor?: AuditHead;
}

/**
 * Walks a stored trail from its first record and reports the first entry that breaks the
 * chain and why, or the count and head when it is intact. Reads `records` once, in order
 * (lookahead for a misplaced entry keeps reading the same iterator), so a trail of any length
 * is checked in constant memory.
 */
export async function verifyChain(
  records: Iterable<string> | AsyncIterable<string>,
  options: VerifyOptions,
): Promise<ChainReport> {
  const iterator = toAsyncIterator(records);
  let index = 0;
  let prev: AuditRecord | undefined;
  const fail = (at: number, seq: number, kind: TamperKind, reason: string): ChainReport => ({
    ok: false,
    count: index,
    index: at,
    seq,
    kind,
    reason,
  });

  for (let next = await iterator.next(); !next.done; next = await iterator.next(), index += 1) {
    const expectedSeq = index + 1;
    const expectedPrev = prev?.hash ?? GENESIS_HASH;
    const rec = parseAuditRecord(next.value);
    if (typeof rec === 'string')
      return fail(index, expectedSeq, 'edited', `The entry at index ${index} ${rec}.`);

    if (rec.seq < expectedSeq) {
      // Every seq below expectedSeq has been seen once, in order: this one is a second copy.
      const sameParent = prev !== undefined && rec.seq === prev.seq && rec.prev === prev.prev;
      if (sameParent) {
        // Two entries claim one place; the chain goes on from the one the next entry links to.
        const after = await iterator.next();
        const following = after.done ? undefined : parseAuditRecord(after.value);
        const laterIsOriginal = typeof following === 'object' && following.prev === rec.hash;
        const at = laterIsOriginal ? index - 1 : index;
        return fail(
          at,
          rec.seq,
          'inserted',
          `Entries at index ${index - 1} and ${index} both claim seq ${rec.seq}; the one at index ${at} is not part of the chain.`,
        );
      }
      return fail(
        index,
        expectedSeq,
        'inserted',
        `The entry at index ${index} repeats seq ${rec.seq}, which came earlier; seq ${expectedSeq} was expected.`,
      );
    }
    if (rec.seq > expectedSeq) {
      const foundAt = await findSeq(iterator, expectedSeq, index + 1);
      if (foundAt !== undefined)
        return fail(
          index,
          expectedSeq,
          'reordered',
          `The entry at index ${index} has seq ${rec.seq}, but seq ${expectedSeq} comes later, at index ${foundAt}.`,
        );
      return fail(
        index,
        expectedSeq,
        'removed',
        `Seq ${expectedSeq}${rec.seq - 1 > expectedSeq ? ` to ${rec.seq - 1}` : ''} missing: the entry at index ${index} has seq ${rec.seq}.`,
      );
    }
    if (hashAuditEntry(rec.prev, rec) !== rec.hash)
      return fail(
        index,
        expectedSeq,
        'edited',
        `The entry at index ${index} (seq ${rec.seq}) does not match its hash: its content was changed.`,
      );
    if (rec.prev !== expectedPrev) {
      if (prev && rec.prev === prev.prev)
        return fail(
          index - 1,
          prev.seq,
          'inserted',
          `The entry at index ${index - 1} (seq ${prev.seq}) is not linked into the chain: the entry after it links to the one before it.`,
        );
      return fail(
        Math.max(0, index - 1),
        Math.max(1, expectedSeq - 1),
        'edited',
        `The entry at index ${index} (seq ${rec.seq}) links to a hash that the entry before it no longer has: that entry was rewritten and re-hashed (or this one was forged).`,
      );
    }
    if (options.anchor && rec.seq === options.anchor.seq && rec.hash !== options.anchor.hash)
      return fail(
        index,
        expectedSeq,
        'edited',
        `The entry at index ${index} (seq ${rec.seq}) differs from the head recorded outside Redis: the trail up to here was rewritten.`,
      );
    prev = rec;
  }

  const count = index;
  const lastHash = prev?.hash ?? GENESIS_HASH;
  const { head, anchor } = options;
  if (anchor && count < anchor.seq)
    return fail(
      count,
      count + 1,
      'truncated',
      `The trail ends at seq ${count}, but the head recorded outside Redis has seq ${anchor.seq}: entries were removed from the end.`,
    );
  if (head === 'not-kept') return { ok: true, count, head: { seq: count, hash: lastHash } };
  if (!head) {
    if (count === 0) return { ok: true, count, head: { seq: 0, hash: GENESIS_HASH } };
    return fail(
      count,
      count + 1,
      'removed',
      `The head record is missing, so a removed tail cannot be ruled out (${count} entries are intact).`,
    );
  }
  if (head.seq > count)
    return fail(
      count,
      count + 1,
      'truncated',
      `The head says ${head.seq} entries, the trail has ${count}: seq ${count + 1} to ${head.seq} were removed from the end.`,
    );
  if (head.seq < count)
    return fail(
      head.seq,
      head.seq + 1,
      'inserted',
      `The trail has ${count} entries but the head says ${head.seq}: entries after seq ${head.seq} were added without going through Cordon.`,
    );
  if (head.hash !== lastHash)
    return fail(
      count - 1,
      count,
      'edited',
      `The last entry's hash differs from the head's: the last entry (or the head) was rewritten.`,
    );
  return { ok: true, count, head: { seq: count, hash: lastHash } };
}

async function findSeq(
  iterator: AsyncIterator<string>,
  seq: number,
  startIndex: number,
): Promise<number | undefined> {
  let index = startIndex;
  for (let next = await iterator.next(); !next.done; next = await iterator.next(), index += 1) {
    const rec = parseAuditRecord(next.value);
    if (typeof rec !== 'string' && rec.seq === seq) return index;
  }
  return undefined;
}

function toAsyncIterator(source: Iterable<string> | AsyncIterable<string>): AsyncIterator<string> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const sync = source[Symbol.iterator]();
  return { next: async () => sync.next() };
}
