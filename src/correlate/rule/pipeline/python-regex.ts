import { compileRegex, splitInlineFlags } from '../detection/regex.js';

/**
 * Regular expressions as pySigma pipelines write them (Python's `re`), for JavaScript: named
 * groups `(?P<name>…)` and their references `(?P=name)` are rewritten, leading inline flags
 * (`(?i)`) become flags. What else differs between the two dialects is left to the engine,
 * whose error is reported.
 */
export function pythonRegex(
  pattern: string,
): { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly reason: string } {
  const escaped = pythonEscapes(pattern);
  if (!escaped.ok) return escaped;
  const rewritten = escaped.source
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  const { source, flags } = splitInlineFlags(rewritten, []);
  const compiled = compileRegex(source, [...flags]);
  return compiled.ok ? { ok: true, regex: compiled.regex } : { ok: false, reason: compiled.reason };
}

/** Letters JavaScript reads after a backslash (outside a class) as Python does. */
const SHARED_ESCAPES = new Set([...'dDwWsSbBnrtfvxu']);

/**
 * `\A` and `\Z` (start and end of the whole value) become look-arounds; any other letter
 * escape JavaScript would read as a plain letter without a word (`\a`, `\N{…}`, `\U…`) is
 * refused.
 */
function pythonEscapes(
  pattern: string,
):
  { readonly ok: true; readonly source: string } | { readonly ok: false; readonly reason: string } {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      i += 1;
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else if (/[A-Za-z]/.test(next) && !SHARED_ESCAPES.has(next) && !(inClass && next === 'b'))
        return { ok: false, reason: `the escape "\\${next}", which JavaScript reads otherwise` };
      else out += ch + next;
      continue;
    }
    if (inClass && ch === ']') inClass = false;
    else if (!inClass && ch === '[') inClass = true;
    out += ch;
  }
  return { ok: true, source: out };
}

/** One piece of a replacement template: literal text, or a group's text by number or name. */
type Piece = string | { readonly group: number | string };

/**
 * A `re.sub` replacement template (`\1`, `\g<1>`, `\g<name>`, `\\`, `\n`), as a function
 * for String#replace: a JavaScript replacement string would read `$` instead, which Python
 * takes literally. Undefined, with the reason, for a template Python refuses.
 */
export function pythonReplacement(
  template: string,
  regex: RegExp,
):
  | { readonly ok: true; readonly replace: (match: RegExpExecArray | string[]) => string }
  | { readonly ok: false; readonly reason: string } {
  const pieces: Piece[] = [];
  let text = '';
  const groupCount = new RegExp(`${regex.source}|`).exec('')?.length ?? 1;
  for (let i = 0; i < template.length; i += 1) {
    const ch = template[i] as string;
    if (ch !== '\\') {
      text += ch;
      continue;
    }
    const next = template[i + 1];
    if (next === undefined) return { ok: false, reason: 'a lone backslash at the end' };
    const escapes: Record<string, string> = {
      '\\': '\\',
      n: '\n',
      t: '\t',
      r: '\r',
      f: '\f',
      v: '\v',
      a: '\x07',
      b: '\b',
    };
    let group: number | string | undefined;
    let width = 2;
    if (/[0-9]/.test(next)) {
      const digits = /^[0-9]{1,2}/.exec(template.slice(i + 1))?.[0] ?? next;
      group = Number(digits);
      width = 1 + digits.length;
    } else if (next === 'g') {
      const m = /^g<([^>]*)>/.exec(template.slice(i + 1));
      if (!m) return { ok: false, reason: 'a "\\g" without "<group>"' };
      const name = m[1] ?? '';
      group = /^[0-9]+$/.test(name) ? Number(name) : name;
      width = 1 + m[0].length;
    } else if (escapes[next] !== undefined) {
      text += escapes[next];
      i += 1;
      continue;
    } else if (/[A-Za-z]/.test(next)) {
      return { ok: false, reason: `the unknown escape "\\${next}"` };
    } else {
      // Python keeps any other escaped character as written, backslash included.
      text += `\\${next}`;
      i += 1;
      continue;
    }
    if (typeof group === 'number' && group >= groupCount)
      return { ok: false, reason: `a reference to group ${group}, which the pattern lacks` };
    if (typeof group === 'string' && !new RegExp(`\\(\\?<${group}>`).test(regex.source))
      return { ok: false, reason: `a reference to the group "${group}", which the pattern lacks` };
    if (text !== '') pieces.push(text);
    text = '';
    pieces.push({ group });
    i += width - 1;
  }
  if (text !== '') pieces.push(text);
  return {
    ok: true,
    replace: (match) =>
      pieces
        .map((p) =>
          typeof p === 'string'
            ? p
            : typeof p.group === 'number'
              ? (match[p.group] ?? '')
              : ((match as RegExpExecArray).groups?.[p.group] ?? ''),
        )
        .join(''),
  };
}
