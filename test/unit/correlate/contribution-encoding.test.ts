/**
 * Checkpointed window contents: the column encoding gives back exactly the contributions it
 * was given, and checkpoints written before it (one array per contribution) still restore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeContributions,
  encodeContribution,
  encodeContributions,
} from '../../../src/correlate/engine/contribution-buffer.js';
import type { Contribution } from '../../../src/correlate/engine/runtime.js';

const contribution = fc.record({
  t: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
  ref: fc.string(),
  input: fc.nat({ max: 4 }),
  value: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()), {
    nil: undefined,
  }),
  late: fc.boolean(),
});
const sorted = fc
  .array(contribution, { maxLength: 40 })
  .map((list) => [...list].sort((a, b) => a.t - b.t) as Contribution[]);

describe('checkpointed contributions', () => {
  it('round-trip through JSON in the column encoding', () => {
    fc.assert(
      fc.property(sorted, (list) => {
        const json = JSON.stringify(encodeContributions(list));
        expect(decodeContributions(JSON.parse(json))).toEqual(
          list.map((c) => ({ ...c, value: Object.is(c.value, -0) ? 0 : c.value })),
        );
      }),
    );
  });

  it('restore from the per-contribution arrays of older checkpoints', () => {
    fc.assert(
      fc.property(sorted, (list) => {
        const old = JSON.parse(JSON.stringify(list.map(encodeContribution)));
        expect(decodeContributions(old)).toEqual(
          decodeContributions(JSON.parse(JSON.stringify(encodeContributions(list)))),
        );
      }),
    );
  });

  it('write only the columns that say something, with times as deltas', () => {
    const list: Contribution[] = [
      { t: 1_000, ref: 'gw/a', input: 0, value: undefined, late: false },
      { t: 1_250, ref: 'gw/b', input: 0, value: undefined, late: true },
    ];
    expect(encodeContributions(list)).toEqual({
      t0: 1_000,
      dt: [0, 250],
      r: ['gw/a', 'gw/b'],
      l: [1],
    });
  });
});
