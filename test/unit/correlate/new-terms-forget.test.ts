/**
 * new_terms over correlations: a withdrawn inner match is taken out of what the group has seen
 * (RuleRuntime.forget), the same whenever sweeps (prune) and checkpoints (encode/decode) ran.
 */
import { describe, expect, it } from 'vitest';
import type { Contribution, RuleRuntime } from '../../../src/correlate/engine/runtime.js';
import type { CompiledCorrelation } from '../../../src/correlate/rule/types.js';
import { newTerms } from '../../../src/correlate/types/new-terms/index.js';

const ctx = { maxEventsPerGroup: 1000, maxDistinctExact: 100 };

/** History 10, learning 0, lateness 0, inner span 10 unless `shape` says otherwise; input 0 a detection, 1 a correlation. */
function runtime(
  cap = 1000,
  shape: {
    historyMs?: number;
    innerSpanMs?: number;
    learningMs?: number;
    latenessMs?: number;
  } = {},
): RuleRuntime {
  const rule = {
    timespanMs: shape.historyMs ?? 10,
    params: { learningMs: shape.learningMs ?? 0 },
    allowedLatenessMs: shape.latenessMs ?? 0,
    limits: { maxEventsPerGroup: cap },
    inputs: [{ kind: 'detection' }, { kind: 'correlation' }],
  } as unknown as CompiledCorrelation;
  const build = { ...ctx, maxEventsPerGroup: cap, innerSpanMs: shape.innerSpanMs ?? 10 };
  const made = newTerms.runtime?.(rule, build);
  if (!made) throw new Error('new_terms has no runtime');
  return made;
}

let n = 0;
const inner = (t: number, term: string): Contribution => ({
  t,
  ref: `cordon/m${(n += 1)}`,
  input: 1,
  value: term,
  late: false,
});
const plain = (t: number, term: string): Contribution => ({
  t,
  ref: `gw/e${(n += 1)}`,
  input: 0,
  value: term,
  late: false,
});

type Step = Contribution | { prune: number } | { forget: Contribution } | 'checkpoint';

/** The terms that fired, `term@t`, in order. */
function play(
  steps: readonly Step[],
  cap?: number,
  shape?: Parameters<typeof runtime>[1],
): string[] {
  const rt = runtime(cap, shape);
  let g = rt.create();
  const fired: string[] = [];
  for (const s of steps) {
    if (s === 'checkpoint') g = rt.decode(JSON.parse(JSON.stringify(rt.encode(g))));
    else if ('prune' in s) rt.prune(g, s.prune);
    else if ('forget' in s) rt.forget?.(g, s.forget.ref);
    else if (rt.add(g, s, ctx).length > 0) fired.push(`${String(s.value)}@${s.t}`);
  }
  return fired;
}

describe('new_terms forget', () => {
  it('makes the term of a withdrawn inner match new again for a later occurrence', () => {
    const w = inner(5, 'b');
    expect(play([inner(0, 'a'), w, { forget: w }, inner(8, 'b')])).toEqual(['a@0', 'b@5', 'b@8']);
    // Not withdrawn: b@8 is known through b@5.
    expect(play([inner(0, 'a'), inner(5, 'b'), inner(8, 'b')])).toEqual(['a@0', 'b@5']);
  });

  it('keeps the term known through its other occurrences, plain events included', () => {
    const w = inner(5, 'b');
    expect(play([inner(0, 'a'), inner(3, 'b'), w, { forget: w }, inner(8, 'b')])).toEqual([
      'a@0',
      'b@3',
    ]);
    const v = inner(5, 'b');
    expect(play([inner(0, 'a'), plain(3, 'b'), v, { forget: v }, inner(8, 'b')])).toEqual([
      'a@0',
      'b@3',
    ]);
  });

  it('decides the same whether or not prune and checkpoints ran before the withdrawal', () => {
    // Sweeps at watermarks no later than the arrivals after them (lateness 0), as the engine runs them.
    for (const sweep of [
      [],
      [{ prune: 12 }],
      ['checkpoint'],
      [{ prune: 14 }, 'checkpoint'],
    ] as Step[][]) {
      const w = inner(6, 'b');
      expect(
        play([
          inner(0, 'a'),
          inner(3, 'b'),
          w,
          inner(8, 'b'),
          ...sweep,
          { forget: w },
          inner(15, 'b'),
        ]),
      ).toEqual(['a@0', 'b@3']);
      const p = inner(6, 'c');
      expect(
        play([plain(0, 'a'), plain(5, 'c'), p, ...sweep, { forget: p }, inner(14, 'c')]),
      ).toEqual(['a@0', 'c@5']);
    }
  });

  it('moves where learning restarts with the withdrawn match: one that bridged a quiet spell', () => {
    // Learning 3. Without w, b@11 comes after a quiet spell longer than the history (10): the
    // group starts afresh there and learns until 14, so c@13 is not new yet.
    const w = inner(8, 'a');
    const bridged = [inner(0, 'a'), w, inner(11, 'b'), inner(12, 'a')];
    expect(play([...bridged, { forget: w }, inner(13, 'c')], 1000, { learningMs: 3 })).toEqual([
      'b@11',
    ]);
    const never = [inner(0, 'a'), inner(11, 'b'), inner(12, 'a'), inner(13, 'c')];
    expect(play(never, 1000, { learningMs: 3 })).toEqual([]);
  });

  it('moves where learning restarts with the withdrawn match: one that came after a quiet spell', () => {
    // Lateness 10. x@20 starts the group afresh (nothing within 10 before it); without it, a
    // late a@14 is known through a@5.
    const x = inner(20, 'a');
    const steps: Step[] = [inner(0, 'a'), inner(5, 'a'), x, { forget: x }, inner(14, 'a')];
    expect(play(steps, 1000, { latenessMs: 10 })).toEqual(['a@0', 'a@20']);
  });

  it('counts an inner match evicted at the cap as seen for good: it can no longer be taken out', () => {
    // Cap 2: a@3, the oldest, is evicted when the third inner match arrives.
    const first = inner(3, 'a');
    const steps = (w: Contribution): Step[] => [w, inner(5, 'b'), inner(6, 'b'), { forget: w }];
    expect(play([...steps(first), inner(12, 'a')], 2)).toEqual(['a@3', 'b@5']);
    // Within the cap it is taken out, and a@12 is new.
    const kept = inner(3, 'a');
    expect(play([...steps(kept), inner(12, 'a')])).toEqual(['a@3', 'b@5', 'a@12']);
  });

  it('keeps only the inner matches a withdrawal may still reach; older ones stay seen', () => {
    const rt = runtime(1000, { historyMs: 20, innerSpanMs: 5 });
    const g = rt.create();
    const old = inner(3, 'a');
    const recent = inner(12, 'b');
    for (const c of [old, recent]) rt.add(g, c, ctx);
    // At 10 the match at 3 is past the inner span (5): it can no longer be withdrawn.
    rt.prune(g, 10);
    const kept = (rt.encode(g) as { a?: unknown[] }).a ?? [];
    expect(kept).toHaveLength(1);
    expect(rt.forget?.(g, old.ref)).toEqual([]);
    expect(rt.forget?.(g, recent.ref)).toEqual([recent]);
    // a stays seen (known at 14, within the history of 20), b is new again.
    expect(rt.add(g, inner(14, 'a'), ctx)).toHaveLength(0);
    expect(rt.add(g, inner(15, 'b'), ctx)).toHaveLength(1);
  });

  it('lets a group go once prune has forgotten its terms, whether or not it read correlations', () => {
    const rt = runtime();
    const g = rt.create();
    rt.add(g, plain(0, 'a'), ctx);
    expect(rt.prune(g, 11)).toBe(true);
    const h = rt.create();
    rt.add(h, inner(0, 'a'), ctx);
    expect(rt.prune(h, 10)).toBe(false);
    expect(rt.prune(h, 11)).toBe(true);
  });
});
