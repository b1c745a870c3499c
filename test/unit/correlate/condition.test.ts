import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../../src/correlate/rule/detection/condition.js';

const IDS = ['selection', 'selection_b', 'filter', '_hidden'];

describe('parseCondition', () => {
  it('builds or/and/not with Sigma precedence', () => {
    const result = parseCondition('selection or selection_b and not filter', IDS);
    expect(result).toMatchObject({
      ok: true,
      node: {
        kind: 'or',
        operands: [
          { kind: 'ref', name: 'selection' },
          {
            kind: 'and',
            operands: [
              { kind: 'ref', name: 'selection_b' },
              { kind: 'not', operand: { kind: 'ref', name: 'filter' } },
            ],
          },
        ],
      },
    });
  });

  it('expands patterns and them, excluding "_" identifiers from them only', () => {
    expect(parseCondition('all of them', IDS)).toMatchObject({
      ok: true,
      node: { kind: 'of', quantifier: 'all', names: ['selection', 'selection_b', 'filter'] },
    });
    expect(parseCondition('1 of _*', IDS)).toMatchObject({
      ok: true,
      node: { kind: 'of', quantifier: 'one', names: ['_hidden'] },
    });
    expect(parseCondition('any of sel*', IDS)).toMatchObject({
      ok: true,
      node: { names: ['selection', 'selection_b'] },
    });
    expect(parseCondition('1 of *_b', IDS)).toMatchObject({
      ok: true,
      node: { names: ['selection_b'] },
    });
  });

  it('reports which identifiers the condition uses', () => {
    const result = parseCondition('1 of sel* and not filter', IDS);
    expect(result.ok && [...result.used].sort()).toEqual(['filter', 'selection', 'selection_b']);
  });

  it.each([
    ['', 1, '', 'is empty'],
    ['selection and', 14, '', 'ends where a search identifier was expected'],
    ['selection filter', 11, 'filter', 'unexpected token'],
    ['(selection', 1, '(', 'never closed'],
    ['selection)', 10, ')', 'without a matching "("'],
    ['2 of sel*', 1, '2', 'quantifier other than'],
    ['sel*', 1, 'sel*', 'wildcard outside'],
    ['1 of nothing*', 6, 'nothing*', 'matches no search identifier'],
    ['1 of and', 6, 'and', 'after "of"'],
    ['selecton', 1, 'selecton', 'Did you mean "selection"?'],
    ['selection and or filter', 15, 'or', 'keyword "or"'],
    ['selection | count() > 5', 11, '|', 'aggregation'],
  ])('%j fails at character %i on %j', (text, position, token, phrase) => {
    const result = parseCondition(text, IDS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.offset + 1).toBe(position);
    expect(result.error.token).toBe(token);
    expect(`${result.error.problem} ${result.error.fix}`).toContain(phrase);
  });
});
