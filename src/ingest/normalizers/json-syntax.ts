/**
 * Finds the first JSON syntax error in a text and explains it. Used only after JSON.parse
 * has failed: V8's messages differ between versions and some carry no position
 * ("Unexpected token '}', ... is not valid JSON"), while senders need a line, a column and a
 * hint (truncated body? NaN? trailing comma?). Iterative, so deep nesting cannot overflow
 * the stack.
 */
export interface JsonSyntaxProblem {
  /** UTF-16 offset, the unit V8 uses in "at position N". */
  readonly position: number;
  readonly message: string;
  /** The text ended before the value did: a cut connection or a proxy size limit. */
  readonly truncated: boolean;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';

const NON_FINITE = /-?(?:NaN|Infinity)/y;
/** Everything a sender may have meant as one number, so the error quotes all of it. */
const NUMBER_RUN = /[0-9a-zA-Z.+-]+/y;

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  const stack: ('{' | '[')[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const n = text.length;
  const fail = (message: string, position = i): JsonSyntaxProblem => ({
    position,
    message,
    truncated: false,
  });
  const ended = (inside: string): JsonSyntaxProblem => ({
    position: n,
    message: `the body ends inside ${inside}`,
    truncated: true,
  });
  const container = (): string => (stack[stack.length - 1] === '{' ? 'an object' : 'an array');

  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i += 1;
    const c = text[i];
    if (c === undefined) {
      if (stack.length === 0 && expect === 'after') return undefined;
      return stack.length === 0 ? fail('there is no JSON value', n) : ended(container());
    }
    switch (expect) {
      case 'value':
      case 'value-or-close': {
        if (c === ']' && stack[stack.length - 1] === '[') {
          if (expect === 'value') return fail("a trailing comma before ']' (JSON allows none)");
          stack.pop();
          i += 1;
          expect = 'after';
          break;
        }
        if (c === '{' || c === '[') {
          stack.push(c);
          i += 1;
          expect = c === '{' ? 'key-or-close' : 'value-or-close';
          break;
        }
        const problem = scanScalar();
        if (problem) return problem;
        expect = 'after';
        break;
      }
      case 'key':
      case 'key-or-close': {
        if (c === '}') {
          if (expect === 'key') return fail("a trailing comma before '}' (JSON allows none)");
          stack.pop();
          i += 1;
          expect = 'after';
          break;
        }
        if (c !== '"') {
          return fail(
            c === "'"
              ? 'a single-quoted property name (JSON needs double quotes)'
              : `${show(c)} where a double-quoted property name was expected`,
          );
        }
        const problem = scanString();
        if (problem) return problem;
        expect = 'colon';
        break;
      }
      case 'colon':
        if (c !== ':') return fail(`${show(c)} where ':' after a property name was expected`);
        i += 1;
        expect = 'value';
        break;
      case 'after': {
        const top = stack[stack.length - 1];
        if (top === undefined)
          return fail(`more content (${show(c)}) after the end of the JSON value`);
        if (c === ',') {
          i += 1;
          expect = top === '{' ? 'key' : 'value';
        } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
          stack.pop();
          i += 1;
        } else {
          const close = top === '{' ? '}' : ']';
          return fail(`${show(c)} where ',' or '${close}' was expected (a missing comma?)`);
        }
        break;
      }
    }
  }

  function scanScalar(): JsonSyntaxProblem | undefined {
    const c = text[i] ?? '';
    if (c === '"') return scanString();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return undefined;
      }
      if (n - i < literal.length && literal.startsWith(text.slice(i)))
        return ended(`the literal ${literal}`);
    }
    NON_FINITE.lastIndex = i;
    const nonFinite = NON_FINITE.exec(text);
    if (nonFinite)
      return fail(
        `${nonFinite[0]}, which JSON cannot represent (send null or leave the field out)`,
      );
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER_RUN.lastIndex = i;
      const run = NUMBER_RUN.exec(text)?.[0] ?? c;
      const { end, complete } = scanNumber(text, i);
      if (!complete && end === n) return ended('a number');
      // Like V8, point at the first character that cannot continue the number.
      if (!complete || /[0-9a-zA-Z.+-]/.test(text[end] ?? ''))
        return fail(`an invalid number ${show(run)}`, end);
      i = end;
      return undefined;
    }
    if (c === "'") return fail('a single-quoted string (JSON needs double quotes)');
    return fail(`${show(c)} where a value was expected`);
  }

  function scanString(): JsonSyntaxProblem | undefined {
    i += 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i += 1;
        return undefined;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) return ended('a string');
        if (e === 'u') {
          for (let k = i + 2; k < i + 6; k += 1) {
            if (k >= n) return ended('a string');
            if (!/[0-9a-fA-F]/.test(text[k] ?? ''))
              return fail('an invalid \\u escape in a string (four hex digits needed)', k);
          }
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return fail(`an invalid escape \\${e} in a string`, i + 1);
        }
        continue;
      }
      if (c < 0x20) {
        return fail(
          `a raw control character (U+${c.toString(16).toUpperCase().padStart(4, '0')}) in a string; escape it (\\n, \\t, \\u00XX)`,
        );
      }
      i += 1;
    }
    return ended('a string');
  }
}

function show(c: string): string {
  return JSON.stringify(c);
}

/**
 * Walks the JSON number grammar from `start` (a '-' or a digit). `complete` is false when it
 * stopped where a digit was required; `end` is then the offending position.
 */
function scanNumber(text: string, start: number): { end: number; complete: boolean } {
  const digitsFrom = (from: number): number => {
    let k = from;
    while (k < text.length && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) k += 1;
    return k;
  };
  let i = start;
  if (text[i] === '-') i += 1;
  if (text[i] === '0') {
    i += 1;
  } else {
    const end = digitsFrom(i);
    if (end === i) return { end: i, complete: false };
    i = end;
  }
  if (text[i] === '.') {
    const end = digitsFrom(i + 1);
    if (end === i + 1) return { end, complete: false };
    i = end;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    let k = i + 1;
    if (text[k] === '+' || text[k] === '-') k += 1;
    const end = digitsFrom(k);
    if (end === k) return { end, complete: false };
    i = end;
  }
  return { end: i, complete: true };
}
