import { describe, expect, it } from 'vitest';
import { evaluate, eventScores, isPositiveLabel, rocAuc } from '../../../src/correlate/evaluate.js';

describe('cordon eval metrics', () => {
  it('ROC AUC is the share of positive/negative pairs ranked right, ties half', () => {
    expect(rocAuc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(rocAuc([0.1], [0.9])).toBe(0);
    // Pairs: (0.9 > 0.5) 1, (0.9 > 0) 1, (0.5 = 0.5) ½, (0.5 > 0) 1 → 3.5 / 4.
    expect(rocAuc([0.9, 0.5], [0.5, 0])).toBe(0.875);
    expect(rocAuc([], [1])).toBeNull();
  });

  it('an event is predicted when a match lists it, scored by its best anomaly score', () => {
    const scores = eventScores([
      { refs: ['gw/a', 'gw/b'], aggregate: { score: 0.7 } },
      { refs: ['gw/b'], aggregate: { score: 0.9 } },
      { refs: ['gw/c'], aggregate: { count: 5 } },
    ]);
    expect(Object.fromEntries(scores)).toEqual({ 'gw/a': 0.7, 'gw/b': 0.9, 'gw/c': 1 });
    const labels = new Map([
      ['gw/a', false],
      ['gw/b', true],
      ['gw/c', true],
      ['gw/d', true],
      ['gw/e', false],
    ]);
    const e = evaluate(labels, scores);
    expect(e).toMatchObject({ events: 5, positives: 3, predicted: 3, truePositives: 2 });
    expect(e.precision).toBeCloseTo(2 / 3, 12);
    expect(e.recall).toBeCloseTo(2 / 3, 12);
    // Positives 0.9, 1, 0 against negatives 0.7, 0: 1 + 1 + 1 + 1 + 0 + ½ = 4.5 of 6.
    expect(e.auc).toBe(0.75);
  });

  it('reads labels as people write them', () => {
    for (const v of [true, 1, 'attack', 'yes', 'tokens']) expect(isPositiveLabel(v)).toBe(true);
    for (const v of [undefined, null, false, 0, '', '0', 'false', 'Benign', 'normal', 'none'])
      expect(isPositiveLabel(v)).toBe(false);
  });
});
