import { suggest } from '../../../shared/shape.js';
import type { ConditionNode } from './ir.js';
import type { WildcardToken } from './wildcard.js';
import { compileWildcard, normaliseTokens } from './wildcard.js';

/**
 * Parser for Sigma detection conditions:
 *
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | primary
 *   primary := "(" or ")" | ("1" | "any" | "all") "of" (pattern | "them") | identifier
 *
 * which gives Sigma's precedence (loosest to tightest): or, and, not, x-of, brackets. Keywords
 * are case-insensitive; identifiers are not. `x of` patterns are expanded here, so the result
 * refers only to identifiers that exist.
 */

export interface ConditionError {
  /** 0-based offset of the offending token in the condition text. */
  readonly offset: number;
  /** The offending token as written, or "" at the end of the condition. */
  readonly token: string;
  readonly problem: string;
  readonly fix: string;
}

export type ConditionResult =
  | { readonly ok: true; readonly node: ConditionNode; readonly used: ReadonlySet<string> }
  | { readonly ok: false; readonly error: ConditionError };

interface Token {
  readonly kind: 'lparen' | 'rparen' | 'pipe' | 'word';
  readonly text: string;
  readonly offset: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\()|(\))|(\|)|([^\s()|]+))/gy;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null && match[0] !== '') {
    const [, lp, rp, pipe, word] = match;
    const offset = match.index + match[0].length - (lp ?? rp ?? pipe ?? word ?? '').length;
    if (lp !== undefined) tokens.push({ kind: 'lparen', text: lp, offset });
    else if (rp !== undefined) tokens.push({ kind: 'rparen', text: rp, offset });
    else if (pipe !== undefined) tokens.push({ kind: 'pipe', text: pipe, offset });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word, offset });
  }
  return tokens;
}

class ParseFailure extends Error {
  constructor(readonly detail: ConditionError) {
    super(detail.problem);
  }
}

/** Parses `text` against the search identifiers defined in the rule. Never throws. */
export function parseCondition(text: string, identifiers: readonly string[]): ConditionResult {
  const tokens = tokenize(text);
  const used = new Set<string>();
  let pos = 0;

  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, word: string): boolean =>
    t?.kind === 'word' && t.text.toLowerCase() === word;
  const fail = (token: Token | undefined, problem: string, fix: string): never => {
    throw new ParseFailure({
      offset: token?.offset ?? text.length,
      token: token?.text ?? '',
      problem,
      fix,
    });
  };

  const failAggregation = (token: Token): never =>
    fail(
      token,
      'uses a Sigma v1 aggregation ("| count() ...")',
      'Aggregations are written as Sigma correlation rules (type: event_count) in Cordon; move it into one.',
    );

  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (isWord(peek(), 'or')) {
      pos += 1;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: 'or', operands };
  };

  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (isWord(peek(), 'and')) {
      pos += 1;
      operands.push(parseNot());
    }
    return operands.length === 1 ? (operands[0] as ConditionNode) : { kind: 'and', operands };
  };

  const parseNot = (): ConditionNode => {
    if (isWord(peek(), 'not')) {
      pos += 1;
      return { kind: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };

  const parseQuantified = (quantifier: 'one' | 'all'): ConditionNode => {
    const target = peek();
    const targetWord = target?.kind === 'word' ? target.text.toLowerCase() : undefined;
    if (targetWord === undefined || (KEYWORDS.has(targetWord) && targetWord !== 'them')) {
      return fail(
        target,
        'expects a search-identifier pattern or "them" after "of"',
        'Write e.g. "1 of selection*" or "all of them".',
      );
    }
    pos += 1;
    const isThem = targetWord === 'them';
    const names = isThem
      ? identifiers.filter((n) => !n.startsWith('_'))
      : identifiers.filter(patternMatcher(target?.text ?? ''));
    if (names.length === 0) {
      const fix = isThem
        ? 'Every search identifier starts with "_", which "them" excludes; name the pattern explicitly.'
        : `Defined search identifiers: ${identifiers.join(', ')}.`;
      return fail(
        target,
        isThem
          ? 'has "them" but no search identifier qualifies'
          : 'has a pattern that matches no search identifier',
        fix,
      );
    }
    for (const n of names) used.add(n);
    return { kind: 'of', quantifier, names };
  };

  const parsePrimary = (): ConditionNode => {
    const token = peek();
    if (token === undefined) {
      return fail(token, 'ends where a search identifier was expected', 'Complete the expression.');
    }
    if (token.kind === 'lparen') {
      pos += 1;
      const inner = parseOr();
      const close = peek();
      if (close?.kind !== 'rparen')
        return fail(token, 'has a "(" that is never closed', 'Add the closing ")".');
      pos += 1;
      return inner;
    }
    if (token.kind === 'rparen')
      return fail(
        token,
        'has a ")" without a matching "("',
        'Remove it or add the opening parenthesis.',
      );
    if (token.kind === 'pipe') return failAggregation(token);
    const word = token.text.toLowerCase();
    const next = tokens[pos + 1];
    if (isWord(next, 'of')) {
      if (word === '1' || word === 'any' || word === 'all') {
        pos += 2;
        return parseQuantified(word === 'all' ? 'all' : 'one');
      }
      return fail(
        token,
        'uses a quantifier other than "1", "any" or "all"',
        'Sigma supports "1 of" and "all of" only; combine identifiers with "and"/"or" for other counts.',
      );
    }
    if (KEYWORDS.has(word)) {
      return fail(
        token,
        `has the keyword "${token.text}" where a search identifier was expected`,
        'Check the operators around it.',
      );
    }
    if (token.text.includes('*')) {
      return fail(
        token,
        'uses a wildcard outside "1 of" / "all of"',
        `Write "1 of ${token.text}" or "all of ${token.text}".`,
      );
    }
    if (!identifiers.includes(token.text)) {
      const hint = suggest(token.text, identifiers);
      return fail(
        token,
        `refers to unknown search identifier "${token.text}"`,
        hint
          ? `Did you mean "${hint}"?`
          : `Defined search identifiers: ${identifiers.join(', ') || '(none)'}.`,
      );
    }
    pos += 1;
    used.add(token.text);
    return { kind: 'ref', name: token.text };
  };

  try {
    if (tokens.length === 0)
      return fail(undefined, 'is empty', 'Write e.g. "selection and not filter".');
    const node = parseOr();
    const rest = peek();
    if (rest?.kind === 'pipe') return failAggregation(rest);
    if (rest !== undefined) {
      const fix =
        rest.kind === 'rparen'
          ? 'Remove it or add the opening parenthesis.'
          : 'Join expressions with "and" or "or".';
      const problem =
        rest.kind === 'rparen'
          ? 'has a ")" without a matching "("'
          : 'has an unexpected token where "and", "or" or the end was expected';
      return fail(rest, problem, fix);
    }
    return { ok: true, node, used };
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, error: err.detail };
    throw err;
  }
}

/** `sel*` style patterns: `*` matches any run of characters; case-sensitive like identifiers. */
function patternMatcher(pattern: string): (name: string) => boolean {
  const tokens: WildcardToken[] = [];
  pattern.split('*').forEach((part, i) => {
    if (i > 0) tokens.push({ kind: 'star' });
    if (part !== '') tokens.push({ kind: 'text', text: part });
  });
  return compileWildcard(normaliseTokens(tokens));
}
