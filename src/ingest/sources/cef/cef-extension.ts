import { got } from '../../normalizers/json-values.js';
import type { Problems } from '../lines/problems.js';
import { trimEndOf } from '../lines/trim.js';

/**
 * A key starts after a space (or the start) and ends at an unescaped `=`. The space run is
 * taken whole (`(?<! )` … `(?! )`): otherwise a long run of spaces costs quadratic time.
 */
const KEY_AT = /(?:^|(?<! ) +(?! ))([A-Za-z0-9_.[\]-]+)=/g;

/**
 * Splits `key=value key2=value with spaces` into pairs: a value runs up to the next ` key=`.
 * Values are unescaped (`\=`, `\\`, `\n`, `\r`); an `=` left unescaped inside a value is
 * refused, since it makes the split ambiguous for every other CEF reader too.
 */
export function parseCefExtension(text: string, problems: Problems): [string, string][] {
  const pairs: [string, string][] = [];
  if (text.trim() === '') return pairs;
  if (/\t/.test(text)) {
    problems.error(
      ['extension'],
      'contains a tab; CEF separates key=value pairs with spaces (tabs are LEEF). Replace the tabs with single spaces.',
    );
    return pairs;
  }
  const starts: { key: string; keyStart: number; valueStart: number }[] = [];
  for (const m of text.matchAll(KEY_AT)) {
    const key = m[1] ?? '';
    const valueStart = m.index + m[0].length;
    // `\=` is an escaped equals sign inside a value, never a key boundary.
    if (text[valueStart - 2] === '\\') continue;
    starts.push({ key, keyStart: m.index + m[0].length - key.length - 1, valueStart });
  }
  const first = starts[0];
  if (first === undefined || text.slice(0, first.keyStart).trim() !== '') {
    problems.error(
      ['extension'],
      `must be space-separated key=value pairs; got ${got(text.slice(0, first?.keyStart ?? 40))} before any key.`,
    );
    if (first === undefined) return pairs;
  }
  starts.forEach((start, index) => {
    const end = starts[index + 1]?.keyStart ?? text.length;
    const rawValue = trimEndOf(text.slice(start.valueStart, end), ' ');
    const value = unescapeValue(rawValue, start.key, problems);
    if (value !== undefined) pairs.push([start.key, value]);
  });
  return pairs;
}

function unescapeValue(raw: string, key: string, problems: Problems): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i] ?? '';
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === '=' || next === '\\') out += next;
      else if (next === 'n') out += '\n';
      else if (next === 'r') out += '\r';
      else {
        out += c;
        continue;
      }
      i += 1;
    } else if (c === '=') {
      problems.error(
        ['extension', key],
        `contains an unescaped "=" (${got(raw)}); inside a CEF value write it as \\=.`,
      );
      return undefined;
    } else if (c === '\n' || c === '\r') {
      problems.error(
        ['extension', key],
        'contains a raw line break; CEF writes line breaks inside values as \\n (a raw one splits the message).',
      );
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}
