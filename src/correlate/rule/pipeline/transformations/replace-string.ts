import { describe } from '../../../../shared/duration.js';
import type { WildcardToken } from '../../detection/wildcard.js';
import { literalTokens, parseWildcards, renderSigma } from '../../detection/wildcard.js';
import { pythonRegex, pythonReplacement } from '../python-regex.js';
import type { ItemValue, TransformationKind } from '../types.js';

/**
 * `replace_string`: `regex` → `replacement` (Python's `re.sub`: `\1`, `\g<name>`) in every
 * string value of the items it selects, and in numbers, which become strings. By default on
 * the value's Sigma text (wildcards as `*`, `?`), whose wildcards the result keeps; with
 * `skip_special`, only on the literal parts, leaving wildcards alone, and then the result's
 * own `*` and `?` are wildcards only with `interpret_special`.
 *
 * A value keeps the rule's `cased` (pySigma makes it case-insensitive again).
 */
export const replaceString: TransformationKind = {
  type: 'replace_string',
  keys: ['regex', 'replacement', 'skip_special', 'interpret_special'],
  required: ['regex', 'replacement'],
  schema: {
    regex: { type: 'string', description: "A regular expression (Python's re)." },
    replacement: { type: 'string', description: 'Its replacement; \\1 or \\g<name> for groups.' },
    skip_special: { type: 'boolean' },
    interpret_special: { type: 'boolean' },
  },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const {
      regex,
      replacement,
      skip_special: skip = false,
      interpret_special: interpret = false,
    } = item;
    const compiled = typeof regex === 'string' ? pythonRegex(regex) : undefined;
    const template =
      compiled?.ok && typeof replacement === 'string'
        ? pythonReplacement(replacement, compiled.regex)
        : undefined;
    let ok = true;
    const report = (key: string, problem: string, got: unknown, fix: string): void => {
      ok = false;
      ctx.sink.error(
        [...ctx.path, key],
        got === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} ${problem}; got ${describe(got)}. ${fix}`,
      );
    };
    if (!compiled || !compiled.ok)
      report(
        'regex',
        `needs "regex", a regular expression${compiled && !compiled.ok ? ` (${compiled.reason})` : ''}`,
        regex,
        `Write e.g. "regex: '^C:\\\\\\\\'".`,
      );
    if (typeof replacement !== 'string' || (template && !template.ok))
      report(
        'replacement',
        `needs "replacement", the text that takes the match's place${template && !template.ok ? ` (it has ${template.reason})` : ''}`,
        replacement,
        'Write e.g. "replacement: \'\'" to remove the match, or "\\1" for its first group.',
      );
    for (const [key, v] of [
      ['skip_special', skip],
      ['interpret_special', interpret],
    ] as const)
      if (typeof v !== 'boolean')
        report(key, `${key} must be true or false`, v, 'Remove it or write true.');
    if (!ok || !compiled?.ok || !template?.ok) return undefined;
    const re = new RegExp(compiled.regex.source, `${compiled.regex.flags.replace('g', '')}g`);
    const sub = (text: string): string => {
      let out = '';
      let last = 0;
      for (const m of text.matchAll(re)) {
        out += text.slice(last, m.index) + template.replace(m);
        last = m.index + m[0].length;
      }
      return out + text.slice(last);
    };
    const onString = (tokens: readonly WildcardToken[]): WildcardToken[] => {
      if (!skip) {
        // As pySigma reads its result back: a backslash escapes only a wildcard after it.
        return parseWildcards(sub(renderSigma(tokens)).replace(/\\(?![*?])/g, '\\\\'));
      }
      return tokens.flatMap((t) =>
        t.kind !== 'text'
          ? [t]
          : interpret
            ? parseWildcards(sub(t.text))
            : literalTokens(sub(t.text)),
      );
    };
    return {
      kind: 'item',
      apply(detectionItem) {
        let changed = false;
        const values = detectionItem.values.map((v): ItemValue => {
          if (v.kind !== 'string' && v.kind !== 'number') return v;
          changed = true;
          const tokens = v.kind === 'string' ? v.tokens : literalTokens(String(v.value));
          // With skip_special pySigma changes the parts in place (a |cased string stays one);
          // otherwise it reads a new, plain string back.
          return skip && v.kind === 'string' && v.cased
            ? { kind: 'string', tokens: onString(tokens), cased: true }
            : { kind: 'string', tokens: onString(tokens) };
        });
        return changed ? { kind: 'values', values } : undefined;
      },
    };
  },
};
