/**
 * Sigma string values: `*` matches any run of characters, `?` exactly one, and `\` escapes
 * `*`, `?` and itself (a backslash before anything else is a plain backslash, so Windows paths
 * need no escaping). Patterns are matched by a two-pointer glob matcher rather than a RegExp, so
 * matching cost stays O(text × pattern) whatever the pattern looks like — no backtracking blow-up
 * on an attacker-controlled prompt.
 *
 * `?` matches one UTF-16 code unit (characters outside the BMP count as two).
 */
export type WildcardToken =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'one' };

/** Parses a Sigma string value, honouring its escapes, into literal text and wildcards. */
export function parseWildcards(value: string): WildcardToken[] {
  const tokens: WildcardToken[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') tokens.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] ?? '';
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        text += next;
        i += 1;
      } else {
        text += '\\';
      }
    } else if (ch === '*') {
      flush();
      tokens.push({ kind: 'star' });
    } else if (ch === '?') {
      flush();
      tokens.push({ kind: 'one' });
    } else {
      text += ch;
    }
  }
  flush();
  return tokens;
}

/**
 * A Sigma string's text, as pySigma writes it (`to_plain`): wildcards as `*` and `?`, a literal
 * `*` or `?` escaped, backslashes as they are. What pipelines' string conditions and
 * transformations read.
 */
export function renderSigma(tokens: readonly WildcardToken[]): string {
  return tokens
    .map((t) =>
      t.kind === 'star' ? '*' : t.kind === 'one' ? '?' : t.text.replace(/([*?])/g, '\\$1'),
    )
    .join('');
}

/** Tokens for a literal string (no wildcard meaning), e.g. a `fieldref` value. */
export function literalTokens(value: string): WildcardToken[] {
  return value === '' ? [] : [{ kind: 'text', text: value }];
}

export type Position = 'exact' | 'contains' | 'startswith' | 'endswith';

/** Applies contains/startswith/endswith by adding stars, as Sigma defines them. */
export function positionTokens(
  tokens: readonly WildcardToken[],
  position: Position,
): WildcardToken[] {
  const star: WildcardToken = { kind: 'star' };
  const lead = position === 'contains' || position === 'endswith' ? [star] : [];
  const trail = position === 'contains' || position === 'startswith' ? [star] : [];
  return [...lead, ...tokens, ...trail];
}

/** Lower-cases the literal parts, for case-insensitive matching against lower-cased text. */
export function foldTokens(tokens: readonly WildcardToken[]): WildcardToken[] {
  return tokens.map((t) => (t.kind === 'text' ? { kind: 'text', text: t.text.toLowerCase() } : t));
}

/** A run of literal characters and `?` between stars. */
class Piece {
  readonly length: number;

  constructor(
    private readonly text: string,
    /** Indexes holding `?`; undefined when there are none (then plain string search is used). */
    private readonly anyAt: ReadonlySet<number> | undefined,
  ) {
    this.length = text.length;
  }

  matchesAt(s: string, at: number): boolean {
    if (at < 0 || at + this.length > s.length) return false;
    if (!this.anyAt) return s.startsWith(this.text, at);
    for (let j = 0; j < this.length; j += 1) {
      if (!this.anyAt.has(j) && s.charCodeAt(at + j) !== this.text.charCodeAt(j)) return false;
    }
    return true;
  }

  indexFrom(s: string, from: number): number {
    if (!this.anyAt) return s.indexOf(this.text, from);
    for (let i = from; i + this.length <= s.length; i += 1) if (this.matchesAt(s, i)) return i;
    return -1;
  }
}

function splitPieces(tokens: readonly WildcardToken[]): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let anyAt: Set<number> | undefined;
  for (const token of tokens) {
    if (token.kind === 'star') {
      pieces.push(new Piece(text, anyAt));
      text = '';
      anyAt = undefined;
    } else if (token.kind === 'one') {
      anyAt ??= new Set();
      anyAt.add(text.length);
      // Placeholder character; never compared because its index is in anyAt.
      text += '?';
    } else {
      text += token.text;
    }
  }
  pieces.push(new Piece(text, anyAt));
  return pieces;
}

/**
 * Compiles tokens to a whole-string matcher. The caller folds case (both tokens and text) when
 * matching case-insensitively. Common shapes get the matching String method.
 */
export function compileWildcard(tokens: readonly WildcardToken[]): (s: string) => boolean {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (tokens.length === 0) return (s) => s === '';
  if (only?.kind === 'text') {
    const text = only.text;
    return (s) => s === text;
  }
  const [first, second, third] = tokens;
  if (tokens.length === 1 && first?.kind === 'star') return () => true;
  if (
    tokens.length === 3 &&
    first?.kind === 'star' &&
    second?.kind === 'text' &&
    third?.kind === 'star'
  ) {
    const text = second.text;
    return (s) => s.includes(text);
  }
  if (tokens.length === 2 && first?.kind === 'text' && second?.kind === 'star') {
    const text = first.text;
    return (s) => s.startsWith(text);
  }
  if (tokens.length === 2 && first?.kind === 'star' && second?.kind === 'text') {
    const text = second.text;
    return (s) => s.endsWith(text);
  }
  const pieces = splitPieces(tokens);
  const head = pieces[0] ?? new Piece('', undefined);
  if (pieces.length === 1) return (s) => s.length === head.length && head.matchesAt(s, 0);
  const tail = pieces[pieces.length - 1] ?? new Piece('', undefined);
  const middle = pieces.slice(1, -1);
  return (s) => {
    if (!head.matchesAt(s, 0)) return false;
    let pos = head.length;
    // Leftmost placement of each middle piece is optimal: pieces are fixed-length and only
    // need to appear in order, so an earlier placement never rules out a later match.
    for (const piece of middle) {
      const at = piece.indexFrom(s, pos);
      if (at < 0) return false;
      pos = at + piece.length;
    }
    const tailAt = s.length - tail.length;
    return tailAt >= pos && tail.matchesAt(s, tailAt);
  };
}

/** Merges adjacent stars and text tokens so the fast paths in compileWildcard apply. */
export function normaliseTokens(tokens: readonly WildcardToken[]): WildcardToken[] {
  const out: WildcardToken[] = [];
  for (const token of tokens) {
    const last = out[out.length - 1];
    if (token.kind === 'star' && last?.kind === 'star') continue;
    if (token.kind === 'text' && last?.kind === 'text') {
      out[out.length - 1] = { kind: 'text', text: last.text + token.text };
      continue;
    }
    if (token.kind === 'text' && token.text === '') continue;
    out.push(token);
  }
  return out;
}

export function hasWildcards(tokens: readonly WildcardToken[]): boolean {
  return tokens.some((t) => t.kind !== 'text');
}

/** `piece` with a trailing unescaped backslash escaped (`a\` → `a\\`: still one backslash). */
export function closeEscape(piece: string): string {
  let run = 0;
  while (run < piece.length && piece[piece.length - 1 - run] === '\\') run += 1;
  return run % 2 === 1 ? `${piece}\\` : piece;
}
