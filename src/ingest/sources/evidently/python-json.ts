/** A non-standard number token Python's `json` module writes for float('nan') and infinities. */
export interface NonFiniteToken {
  readonly token: 'NaN' | 'Infinity' | '-Infinity';
  readonly line: number;
  readonly column: number;
}

const TOKENS = ['-Infinity', 'Infinity', 'NaN'] as const;

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z0-9_$]/.test(char);
}

/**
 * Python's `json.dumps` (which Evidently's `.json()` uses) writes `NaN`, `Infinity` and
 * `-Infinity` for non-finite floats (a drift score over an empty column); `JSON.parse`
 * refuses them. This pre-pass turns each such token outside strings into `null`, so the
 * report parses, the value is read as missing, and the sender is told where each was.
 * Strings are skipped with their escapes, so a column named "NaN" is left alone.
 */
export function replaceNonFiniteTokens(text: string): {
  readonly text: string;
  readonly found: NonFiniteToken[];
} {
  const found: NonFiniteToken[] = [];
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  // Line and column are kept as the scan goes: a report can hold thousands of NaNs.
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n') {
      line += 1;
      lineStart = i + 1;
    }
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    if (char !== 'N' && char !== 'I' && char !== '-') continue;
    const token = TOKENS.find((t) => text.startsWith(t, i));
    if (token === undefined || isWordChar(text[i - 1]) || isWordChar(text[i + token.length]))
      continue;
    found.push({ token, line, column: i - lineStart + 1 });
    out += `${text.slice(copiedUpTo, i)}null`;
    copiedUpTo = i + token.length;
    i += token.length - 1;
  }
  return { text: found.length === 0 ? text : out + text.slice(copiedUpTo), found };
}
