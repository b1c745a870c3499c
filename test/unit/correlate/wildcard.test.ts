import { describe, expect, it } from 'vitest';
import type { WildcardToken } from '../../../src/correlate/rule/detection/wildcard.js';
import {
  compileWildcard,
  normaliseTokens,
  parseWildcards,
  positionTokens,
} from '../../../src/correlate/rule/detection/wildcard.js';

const text = (t: string): WildcardToken => ({ kind: 'text', text: t });
const star: WildcardToken = { kind: 'star' };
const one: WildcardToken = { kind: 'one' };

describe('parseWildcards (Sigma escapes)', () => {
  it.each([
    ['abc', [text('abc')]],
    ['a*b?c', [text('a'), star, text('b'), one, text('c')]],
    [String.raw`a\*b`, [text('a*b')]],
    [String.raw`a\?b`, [text('a?b')]],
    [String.raw`a\\*`, [text('a\\'), star]],
    [String.raw`a\\\*`, [text('a\\*')]],
    [String.raw`C:\Windows\x`, [text(String.raw`C:\Windows\x`)]],
    [String.raw`\\\\`, [text('\\\\')]],
    ['\\\\\\', [text('\\\\')]], // three backslashes
    ['trailing\\', [text('trailing\\')]],
  ])('%s', (input, expected) => {
    expect(parseWildcards(input)).toEqual(expected);
  });
});

function escapeRegex(s: string): string {
  return [...s].map((c) => ('\\^$.*+?()[]{}|/'.includes(c) ? `\\${c}` : c)).join('');
}

/** Reference semantics: the same pattern as an anchored regular expression. */
function oracle(tokens: readonly WildcardToken[]): RegExp {
  const body = tokens
    .map((t) =>
      t.kind === 'star' ? '[\\s\\S]*' : t.kind === 'one' ? '[\\s\\S]' : escapeRegex(t.text),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

describe('compileWildcard', () => {
  it('agrees with a regular-expression oracle on random patterns', () => {
    // Deterministic pseudo-random generator so a failure is reproducible.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', '*', '?'];
    for (let i = 0; i < 3000; i += 1) {
      const pattern = Array.from({ length: rand(7) }, () => alphabet[rand(4)]).join('');
      const subject = Array.from({ length: rand(9) }, () => 'ab'[rand(2)]).join('');
      const tokens = normaliseTokens(parseWildcards(pattern));
      expect(compileWildcard(tokens)(subject), `${pattern} vs ${subject}`).toBe(
        oracle(tokens).test(subject),
      );
    }
  });

  it('implements contains, startswith and endswith by adding stars', () => {
    const contains = compileWildcard(
      normaliseTokens(positionTokens(parseWildcards('b?d'), 'contains')),
    );
    expect(contains('abcde')).toBe(true);
    expect(contains('abde')).toBe(false);
    expect(
      compileWildcard(normaliseTokens(positionTokens([text('ab')], 'startswith')))('abc'),
    ).toBe(true);
    expect(compileWildcard(normaliseTokens(positionTokens([text('ab')], 'endswith')))('abc')).toBe(
      false,
    );
  });
});
