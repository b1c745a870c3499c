/**
 * An undo whose target other runs still hold must not read, in the run's timeline, as if it
 * lifted the containment: the entry's message says what the holds decided.
 */
import { describe, expect, it } from 'vitest';
import { describeHeldUndo } from '../../../src/actions/connectors/holds.js';
import type { RunRecord } from '../../../src/playbook/runtime/run-record.js';
import { EMPTY_BOOK, withEntry, type UndoEntry } from '../../../src/playbook/runtime/undo-book.js';
import { applyUndoDone } from '../../../src/playbook/runtime/undo-runtime.js';

const entry: UndoEntry = {
  effectKey: 'act_a',
  state: 'throttle',
  operation: 'ratelimit.set',
  connector: 'gw',
  connectorType: 'kong',
  inputs: { key: 'alice', limit: '10/m' },
  result: { applied: true },
  undo: { operation: 'ratelimit.clear', inputs: { key: 'alice' } },
  undoOnReject: false,
  at: 1,
  status: 'undoing',
};

function runWith(e: UndoEntry, reason: 'cancelled' | 'expiry' = 'cancelled'): RunRecord {
  return {
    id: 'run-a',
    playbookId: 'p',
    playbookHash: 'h',
    incidentId: 'i',
    initiator: 't',
    status: 'running',
    state: 'wait',
    step: 2,
    version: 2,
    context: { incident: {}, run: { id: 'run-a', playbook: 'p', startedAt: 0 }, steps: {} },
    pendingEffects: [],
    createdAt: 0,
    updatedAt: 0,
    undo: withEntry(EMPTY_BOOK, { ...e, reason }),
  } as unknown as RunRecord;
}

const kept = {
  applied: true,
  holds: { released: 'beneath', key: 'alice', keptBy: ['act_b'], keptByRuns: ['run-b'] },
};

describe('describeHeldUndo', () => {
  it('names the runs that keep the target contained, and the containment put back in force', () => {
    expect(describeHeldUndo(kept)).toBe(
      `this run's hold on "alice" is taken back, but "alice" stays contained: run run-b still holds it`,
    );
    expect(
      describeHeldUndo({
        holds: {
          released: 'top',
          key: 'alice',
          keptBy: ['act_b', 'act_c'],
          keptByRuns: ['run-b', 'run-c'],
          reapplied: 'act_c',
        },
      }),
    ).toBe(
      `this run's hold on "alice" is taken back, but "alice" stays contained: runs run-b, run-c still hold it; the newest remaining containment (effect act_c) is in force again`,
    );
  });

  it('does not name the undoing run itself among those that keep the target', () => {
    expect(
      describeHeldUndo({
        holds: {
          released: 'beneath',
          key: 'alice',
          keptBy: ['act_b'],
          keptByRuns: [],
          keptByThisRun: true,
        },
      }),
    ).toBe(
      `this run's hold on "alice" is taken back, but "alice" stays contained: another step of this run still holds it`,
    );
  });

  it('says when the last hold restored the state before the first, and when a release had dropped it', () => {
    expect(
      describeHeldUndo({
        removed: true,
        holds: { released: 'last', key: 'alice', restoredFrom: 'act_a', restoredFromRun: 'run-a' },
      }),
    ).toBe('the last hold on "alice": restored what was there before the first hold (run run-a)');
    expect(describeHeldUndo({ holds: { released: 'dropped', key: 'alice' } })).toBe(
      'an explicit release had already dropped this hold on "alice"; nothing was changed outside',
    );
  });

  it('says nothing of a result without holds', () => {
    for (const r of [undefined, null, 'x', { applied: true }, { holds: null }, { holds: {} }])
      expect(describeHeldUndo(r)).toBeUndefined();
  });
});

describe('the timeline entry of an undo', () => {
  it('carries what the holds decided', () => {
    const out = applyUndoDone(runWith(entry), { effectKey: 'act_a', ok: true, result: kept }, 5);
    expect(out?.timeline[0]).toMatchObject({
      type: 'undo.succeeded',
      effectKey: 'act_a',
      message: expect.stringContaining('stays contained: run run-b still holds it'),
    });
  });

  it("says a person's retry took it back, rather than the expiry that first asked", () => {
    const out = applyUndoDone(
      runWith({ ...entry, tries: 2 }, 'expiry'),
      { effectKey: 'act_a', ok: true, result: { applied: true } },
      5,
    );
    expect(out?.timeline[0]?.message).toBe('undone when tried again on request (2 times)');
  });

  it("carries the holds' decision when another run's undo took the effect back", () => {
    const out = applyUndoDone(
      runWith({ ...entry, status: 'applied' }),
      { effectKey: 'act_a', ok: true, result: kept, by: 'run-parent' },
      5,
    );
    expect(out?.timeline[0]?.message).toBe(
      `taken back by run run-parent, which holds the effect too; this run's hold on "alice" is taken back, but "alice" stays contained: run run-b still holds it`,
    );
  });

  it('after "undone on expiry" for an expiry, and alone for a plain undo', () => {
    const expired = applyUndoDone(
      runWith(entry, 'expiry'),
      { effectKey: 'act_a', ok: true, result: kept },
      5,
    );
    expect(expired?.timeline[0]?.message).toMatch(/^undone on expiry; this run's hold on "alice"/);
    const plain = applyUndoDone(
      runWith(entry),
      { effectKey: 'act_a', ok: true, result: { applied: true } },
      5,
    );
    expect(plain?.timeline[0]).not.toHaveProperty('message');
    const failed = applyUndoDone(
      runWith(entry),
      { effectKey: 'act_a', ok: false, result: kept, error: { code: 'X', message: 'no' } },
      5,
    );
    expect(failed?.timeline[0]).toMatchObject({ type: 'undo.failed' });
    expect(failed?.timeline[0]).not.toHaveProperty('message');
  });
});
