import { got } from '../../normalizers/json-values.js';
import type { Problems } from '../lines/problems.js';

/** One `[id param="value" …]` element of RFC 5424 STRUCTURED-DATA. */
export interface SdElement {
  readonly id: string;
  readonly params: readonly (readonly [string, string])[];
}

/** SD-NAME: 1–32 printable US-ASCII except `=`, space, `]` and `"` (sticky: read at an index). */
const SD_NAME = /[!#-<>-\\^-~]{1,32}/y;

/** The SD-NAME at `i`, without copying the rest of the text (a long SD must stay linear). */
function nameAt(text: string, i: number): string | undefined {
  SD_NAME.lastIndex = i;
  return SD_NAME.exec(text)?.[0];
}

/**
 * Reads STRUCTURED-DATA at `start` (the caller has seen `[`). Returns the elements and the
 * index after the last `]`, or undefined after reporting what broke. Inside a value `"`, `\`
 * and `]` are escaped by a backslash; a backslash before anything else stays literal (§6.3.3).
 */
export function readStructuredData(
  text: string,
  start: number,
  problems: Problems,
): { readonly elements: SdElement[]; readonly end: number } | undefined {
  const elements: SdElement[] = [];
  let i = start;
  const fail = (reason: string): undefined => {
    problems.error(['structured_data'], reason);
    return undefined;
  };
  while (text[i] === '[') {
    i += 1;
    const id = nameAt(text, i);
    if (id === undefined)
      return fail(
        `element at column ${i + 1} must start with an SD-ID such as "meta@32473"; got ${got(text.slice(i, i + 20))}.`,
      );
    i += id.length;
    const params: [string, string][] = [];
    while (text[i] === ' ') {
      i += 1;
      const name = nameAt(text, i);
      if (name === undefined)
        return fail(
          `[${id}] has a parameter at column ${i + 1} without a name; got ${got(text.slice(i, i + 20))}.`,
        );
      i += name.length;
      if (text.slice(i, i + 2) !== '="')
        return fail(
          `[${id}] parameter "${name}" must be followed by ="value" (quoted); got ${got(text.slice(i, i + 20))}.`,
        );
      i += 2;
      let value = '';
      for (;;) {
        const c = text[i];
        if (c === undefined)
          return fail(
            `[${id}] parameter "${name}" has no closing quote; escape a quote inside a value as \\".`,
          );
        if (c === '\\') {
          const next = text[i + 1];
          if (next === '"' || next === '\\' || next === ']') {
            value += next;
            i += 2;
          } else {
            value += c;
            i += 1;
          }
        } else if (c === '"') {
          i += 1;
          break;
        } else if (c === ']') {
          return fail(
            `[${id}] parameter "${name}" contains an unescaped "]" at column ${i + 1}; escape "]", "\\" and '"' inside values with a backslash (\\]).`,
          );
        } else {
          value += c;
          i += 1;
        }
      }
      params.push([name, value]);
    }
    if (text[i] !== ']')
      return fail(
        `[${id}] must end with "]" after its parameters; got ${got(text.slice(i, i + 20))} at column ${i + 1}.`,
      );
    i += 1;
    elements.push({ id, params });
  }
  return { elements, end: i };
}
