/**
 * The `re` modifier. Sigma limits regular expressions to a small PCRE subset (no look-arounds,
 * no atomic groups); Cordon also refuses backreferences. Those are the constructs that make a
 * regex engine do unbounded work per character, and rules run on every ingested event.
 *
 * Patterns compile without the `u` flag so common PCRE spellings such as `\-` outside a
 * character class keep working.
 */

export type RegexFlag = 'i' | 'm' | 's';

/** The first construct outside Sigma's subset, described for a message; undefined when none. */
export function findUnsupportedRegexConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `backreference "\\${next}"`;
      if (!inClass && next === 'k' && source[i + 2] === '<') return 'named backreference "\\k<…>"';
      i += 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (source[i + 1] === '^') i += 1;
      if (source[i + 1] === ']') i += 1;
      continue;
    }
    if (ch === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith('=')) return 'lookahead "(?="';
      if (rest.startsWith('!')) return 'negative lookahead "(?!"';
      if (rest === '<=') return 'lookbehind "(?<="';
      if (rest === '<!') return 'negative lookbehind "(?<!"';
      if (rest.startsWith('>')) return 'atomic group "(?>"';
    }
  }
  return undefined;
}

/** Compiles a pattern, returning the RegExp or the engine's error message. */
export function compileRegex(
  source: string,
  flags: readonly RegexFlag[],
): { ok: true; regex: RegExp } | { ok: false; reason: string } {
  try {
    return { ok: true, regex: new RegExp(source, [...new Set(flags)].sort().join('')) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Leading inline flags, as SigmaHQ rules write them for pySigma (Python's `re`): `(?i)`, `(?ims)`,
 * also several groups in a row. JavaScript has no such syntax, so they become RegExp flags,
 * added to those of the `|i`/`|m`/`|s` modifiers. Any other `(?…)` form is left in the pattern,
 * where the RegExp constructor refuses it with its own message.
 */
export function splitInlineFlags(
  source: string,
  flags: readonly RegexFlag[],
): { source: string; flags: RegexFlag[] } {
  const all = new Set<RegexFlag>(flags);
  let rest = source;
  for (let m = INLINE_FLAGS.exec(rest); m; m = INLINE_FLAGS.exec(rest)) {
    for (const flag of m[1] ?? '') all.add(flag as RegexFlag);
    rest = rest.slice(m[0].length);
  }
  return { source: rest, flags: [...all] };
}
