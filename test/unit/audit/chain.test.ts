/**
 * The hash chain on its own: each kind of tampering with a stored trail is found at the right
 * entry and named, and what a trail without an outside anchor cannot prove is pinned down
 * (a tail cut together with its head, a rewrite re-hashed to the end).
 */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type AuditHead, type AuditRecord } from '../../../src/audit/audit-entry.js';
import {
  canonicalAuditJson,
  hashAuditEntry,
  sealAuditEntry,
  serializeAuditRecord,
  verifyChain,
} from '../../../src/audit/chain.js';

const T0 = Date.UTC(2026, 0, 1);

function entry(seq: number, outcome = 'succeeded') {
  return {
    seq,
    time: T0 + seq * 1000,
    actor: { id: 'system:worker', roles: [] },
    action: 'action.applied' as const,
    targets: { runId: `run_${seq}` },
    outcome,
    detail: { attempt: 1, operation: 'ratelimit.set' },
  };
}

/** A trail of `n` sealed entries as stored (JSON strings), with its head. */
function trail(n: number): { raws: string[]; records: AuditRecord[]; head: AuditHead } {
  const records: AuditRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const record = sealAuditEntry(prev, entry(seq));
    records.push(record);
    prev = record.hash;
  }
  return { raws: records.map(serializeAuditRecord), records, head: { seq: n, hash: prev } };
}

function edit(raw: string, change: (r: Record<string, unknown>) => void): string {
  const r = JSON.parse(raw) as Record<string, unknown>;
  change(r);
  return JSON.stringify(r);
}

describe('sealing', () => {
  it('hashes the previous hash with canonical JSON, independent of key order', () => {
    const a = entry(1);
    const reordered = {
      detail: { operation: 'ratelimit.set', attempt: 1 },
      outcome: a.outcome,
      targets: a.targets,
      action: a.action,
      actor: a.actor,
      time: a.time,
      seq: a.seq,
    };
    expect(canonicalAuditJson(reordered)).toBe(canonicalAuditJson(a));
    expect(hashAuditEntry(GENESIS_HASH, a)).toBe(hashAuditEntry(GENESIS_HASH, reordered));
    expect(hashAuditEntry(GENESIS_HASH, a)).not.toBe(hashAuditEntry('1'.repeat(64), a));
    expect(sealAuditEntry(GENESIS_HASH, a)).toMatchObject({ seq: 1, prev: GENESIS_HASH });
  });
});

describe('verifyChain', () => {
  it('accepts an intact trail and reports its count and head', async () => {
    const { raws, head } = trail(6);
    await expect(verifyChain(raws, { head })).resolves.toEqual({ ok: true, count: 6, head });
    await expect(verifyChain([], { head: undefined })).resolves.toEqual({
      ok: true,
      count: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it('reads an async source (the Redis pages) the same way', async () => {
    const { raws, head } = trail(4);
    async function* pages(): AsyncGenerator<string> {
      yield* raws;
    }
    await expect(verifyChain(pages(), { head })).resolves.toMatchObject({ ok: true, count: 4 });
  });

  it('finds an edited field', async () => {
    const { raws, head } = trail(6);
    raws[2] = edit(raws[2] as string, (r) => {
      r.outcome = 'failed';
    });
    await expect(verifyChain(raws, { head })).resolves.toMatchObject({
      ok: false,
      index: 2,
      seq: 3,
      kind: 'edited',
    });
  });

  it('finds an edit that was re-hashed: the next entry still links to the original', async () => {
    const { raws, records, head } = trail(6);
    const original = records[2] as AuditRecord;
    raws[2] = serializeAuditRecord(sealAuditEntry(original.prev, { ...original, outcome: 'x' }));
    const report = await verifyChain(raws, { head });
    expect(report).toMatchObject({ ok: false, index: 2, seq: 3, kind: 'edited' });
  });

  it('finds a field added beside the hashed ones, and a record that is not JSON', async () => {
    const { raws, head } = trail(3);
    const added = [...raws];
    added[1] = edit(raws[1] as string, (r) => {
      r.note = 'approved by the CEO';
    });
    await expect(verifyChain(added, { head })).resolves.toMatchObject({
      index: 1,
      kind: 'edited',
    });
    const garbled = [...raws];
    garbled[0] = '{"seq":1';
    await expect(verifyChain(garbled, { head })).resolves.toMatchObject({
      index: 0,
      kind: 'edited',
    });
  });

  it('finds a deleted entry, in the middle and at the start', async () => {
    const { raws, head } = trail(6);
    await expect(
      verifyChain([...raws.slice(0, 3), ...raws.slice(4)], { head }),
    ).resolves.toMatchObject({ ok: false, index: 3, seq: 4, kind: 'removed' });
    await expect(verifyChain(raws.slice(1), { head })).resolves.toMatchObject({
      index: 0,
      seq: 1,
      kind: 'removed',
    });
  });

  it('finds two swapped entries, adjacent or far apart', async () => {
    const { raws, head } = trail(6);
    const swapped = [...raws];
    [swapped[2], swapped[3]] = [raws[3] as string, raws[2] as string];
    const report = await verifyChain(swapped, { head });
    expect(report).toMatchObject({ ok: false, index: 2, seq: 3, kind: 'reordered' });
    expect(report.ok ? '' : report.reason).toContain('index 3');
    const far = [...raws];
    [far[1], far[5]] = [raws[5] as string, raws[1] as string];
    await expect(verifyChain(far, { head })).resolves.toMatchObject({
      index: 1,
      kind: 'reordered',
    });
  });

  it('finds an inserted entry, forged and linked to its predecessor, or a copied one', async () => {
    const { raws, records, head } = trail(6);
    const forged = sealAuditEntry((records[1] as AuditRecord).hash, entry(3, 'forged'));
    const inserted = [...raws.slice(0, 2), serializeAuditRecord(forged), ...raws.slice(2)];
    await expect(verifyChain(inserted, { head })).resolves.toMatchObject({
      ok: false,
      index: 2,
      seq: 3,
      kind: 'inserted',
    });
    const copied = [...raws.slice(0, 4), raws[1] as string, ...raws.slice(4)];
    await expect(verifyChain(copied, { head })).resolves.toMatchObject({
      index: 4,
      kind: 'inserted',
    });
    // Appended at the end, past the head, without going through Cordon.
    const next = sealAuditEntry(head.hash, entry(7));
    await expect(
      verifyChain([...raws, serializeAuditRecord(next)], { head }),
    ).resolves.toMatchObject({ index: 6, seq: 7, kind: 'inserted' });
  });

  it('finds a truncated tail through the head kept beside the trail', async () => {
    const { raws, head } = trail(6);
    await expect(verifyChain(raws.slice(0, 4), { head })).resolves.toMatchObject({
      ok: false,
      index: 4,
      seq: 5,
      kind: 'truncated',
    });
    await expect(verifyChain([], { head })).resolves.toMatchObject({ kind: 'truncated' });
    await expect(verifyChain(raws, { head: undefined })).resolves.toMatchObject({
      index: 6,
      kind: 'removed',
    });
  });

  it('checks an exported copy, which has no head, against an anchor only', async () => {
    const { raws, head } = trail(6);
    await expect(verifyChain(raws.slice(0, 4), { head: 'not-kept' })).resolves.toMatchObject({
      ok: true,
      count: 4,
    });
    await expect(
      verifyChain(raws.slice(0, 4), { head: 'not-kept', anchor: head }),
    ).resolves.toMatchObject({ ok: false, index: 4, kind: 'truncated' });
    await expect(verifyChain(raws, { head: 'not-kept', anchor: head })).resolves.toEqual({
      ok: true,
      count: 6,
      head,
    });
  });

  it('cannot see a tail cut together with its head, or a rewrite re-hashed to the end, without an outside anchor', async () => {
    const { raws, records, head } = trail(6);
    const cut = raws.slice(0, 4);
    const cutHead = { seq: 4, hash: (records[3] as AuditRecord).hash };
    await expect(verifyChain(cut, { head: cutHead })).resolves.toMatchObject({ ok: true });
    await expect(verifyChain(cut, { head: cutHead, anchor: head })).resolves.toMatchObject({
      ok: false,
      index: 4,
      kind: 'truncated',
    });

    // Re-seal everything from seq 3 on with one outcome changed.
    const rewritten = raws.slice(0, 2);
    let prev = (records[1] as AuditRecord).hash;
    for (let seq = 3; seq <= 6; seq += 1) {
      const r = sealAuditEntry(prev, entry(seq, seq === 3 ? 'failed' : 'succeeded'));
      rewritten.push(serializeAuditRecord(r));
      prev = r.hash;
    }
    const newHead = { seq: 6, hash: prev };
    await expect(verifyChain(rewritten, { head: newHead })).resolves.toMatchObject({ ok: true });
    await expect(verifyChain(rewritten, { head: newHead, anchor: head })).resolves.toMatchObject({
      ok: false,
      index: 5,
      seq: 6,
      kind: 'edited',
    });
  });
});
