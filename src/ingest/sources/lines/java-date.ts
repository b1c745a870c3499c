import { got } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME } from '../../normalizers/time.js';
import type { TimeParse } from '../../normalizers/time.js';
import { impossibleDate, monthNumber, parseZoneToken, toEpochMs } from './zoned-time.js';
import type { Zone } from './zoned-time.js';

/**
 * Java date patterns (SimpleDateFormat / DateTimeFormatter letters), as LEEF's `devTimeFormat`
 * carries them and CEF's date form is written. The common letters are supported; a pattern
 * using another is refused by name, so the sender learns which letter to avoid.
 */

type Field =
  | 'year'
  | 'month'
  | 'monthName'
  | 'day'
  | 'hour'
  | 'hour12'
  | 'minute'
  | 'second'
  | 'fraction'
  | 'ampm'
  | 'zone'
  | 'skip';

interface Token {
  readonly field: Field;
  readonly regex: string;
  /** Two-digit year (`yy`): 2000-based. */
  readonly twoDigitYear?: boolean;
}

export type CompiledPattern =
  | { readonly ok: true; readonly parse: (text: string, defaultZone: Zone) => TimeParse }
  | { readonly ok: false; readonly reason: string };

const ZONE_TEXT = '[A-Za-z][A-Za-z_/+-]*(?:[+-]\\d{1,2}(?::?\\d{2})?)?|[+-]\\d{2}(?::?\\d{2})?';
const SUPPORTED = 'y u M L d H k h K m s S a E z Z X x V';

function letterToken(letter: string, count: number): Token | string {
  const digits = (fixed: number): string => (count >= 2 ? `\\d{${fixed}}` : '\\d{1,2}');
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2) return { field: 'year', regex: '\\d{2}', twoDigitYear: true };
      return { field: 'year', regex: count >= 4 ? `\\d{${count}}` : '\\d{4}' };
    case 'M':
    case 'L':
      if (count >= 4) return { field: 'monthName', regex: '[A-Za-z]{3,9}' };
      if (count === 3) return { field: 'monthName', regex: '[A-Za-z]{3}' };
      return { field: 'month', regex: digits(2) };
    case 'd':
      return { field: 'day', regex: digits(2) };
    case 'H':
    case 'k':
      return { field: 'hour', regex: digits(2) };
    case 'h':
    case 'K':
      return { field: 'hour12', regex: digits(2) };
    case 'm':
      return { field: 'minute', regex: digits(2) };
    case 's':
      return { field: 'second', regex: digits(2) };
    case 'S':
      return { field: 'fraction', regex: '\\d{1,9}' };
    case 'a':
      return { field: 'ampm', regex: '[AaPp][Mm]' };
    case 'E':
      return { field: 'skip', regex: '[A-Za-z]{2,9}' };
    case 'z':
    case 'Z':
    case 'X':
    case 'x':
    case 'V':
      return { field: 'zone', regex: `Z|${ZONE_TEXT}` };
    default:
      return `the letter "${letter}" is not supported (supported: ${SUPPORTED}; quote literal text in '…')`;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const cache = new Map<string, CompiledPattern>();

export function compileJavaPattern(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const compiled = compile(pattern);
  if (cache.size < 256) cache.set(pattern, compiled);
  return compiled;
}

function compile(pattern: string): CompiledPattern {
  const tokens: Token[] = [];
  let regex = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] ?? '';
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0)
        return { ok: false, reason: `pattern ${got(pattern)} has an unclosed quote (').` };
      const literal = end === i + 1 ? "'" : pattern.slice(i + 1, end);
      regex += escapeRegex(literal);
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let count = 1;
      while (pattern[i + count] === c) count += 1;
      const token = letterToken(c, count);
      if (typeof token === 'string')
        return { ok: false, reason: `pattern ${got(pattern)}: ${token}.` };
      tokens.push(token);
      regex += `(${token.regex})`;
      i += count;
    } else {
      regex += c === ' ' ? ' +' : escapeRegex(c);
      i += 1;
    }
  }
  if (!tokens.some((t) => t.field === 'year'))
    return {
      ok: false,
      reason: `pattern ${got(pattern)} has no year (y); a time without a year is ambiguous.`,
    };
  if (
    !tokens.some((t) => t.field === 'month' || t.field === 'monthName') ||
    !tokens.some((t) => t.field === 'day')
  )
    return { ok: false, reason: `pattern ${got(pattern)} needs a month (M) and a day (d).` };
  const re = new RegExp(`^${regex}$`);
  return {
    ok: true,
    parse: (text, defaultZone) => parseWith(re, tokens, pattern, text, defaultZone),
  };
}

function parseWith(
  re: RegExp,
  tokens: readonly Token[],
  pattern: string,
  text: string,
  defaultZone: Zone,
): TimeParse {
  const m = re.exec(text.trim());
  if (!m) return { ok: false, reason: `must match the pattern ${got(pattern)}; got ${got(text)}.` };
  const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millis: 0 };
  let hour12: number | undefined;
  let pm: boolean | undefined;
  let zone: Zone = defaultZone;
  for (const [index, token] of tokens.entries()) {
    const value = m[index + 1] ?? '';
    switch (token.field) {
      case 'year':
        f.year = token.twoDigitYear === true ? 2000 + Number(value) : Number(value);
        break;
      case 'month':
        f.month = Number(value);
        break;
      case 'monthName': {
        const month = monthNumber(value);
        if (month === undefined)
          return {
            ok: false,
            reason: `has ${got(value)} where the pattern ${got(pattern)} wants an English month name; got ${got(text)}.`,
          };
        f.month = month;
        break;
      }
      case 'day':
        f.day = Number(value);
        break;
      case 'hour':
        f.hour = Number(value) === 24 ? 0 : Number(value);
        break;
      case 'hour12':
        hour12 = Number(value);
        break;
      case 'minute':
        f.minute = Number(value);
        break;
      case 'second':
        f.second = Number(value);
        break;
      case 'fraction':
        // Truncated to ms: rounding could move an event into the next second.
        f.millis = Number(value.slice(0, 3).padEnd(3, '0'));
        break;
      case 'ampm':
        pm = value.toLowerCase() === 'pm';
        break;
      case 'zone': {
        const parsed = parseZoneToken(value);
        if (parsed === undefined)
          return {
            ok: false,
            reason: `has the zone ${got(value)}, which is not an offset (+02:00), UTC/GMT, a common abbreviation or an IANA name; got ${got(text)}.`,
          };
        zone = parsed;
        break;
      }
      case 'skip':
        break;
    }
  }
  if (hour12 !== undefined) f.hour = (hour12 % 12) + (pm === true ? 12 : 0);
  const impossible = impossibleDate(f);
  if (impossible !== undefined)
    return { ok: false, reason: `is not a real time: ${impossible}; got ${got(text)}.` };
  return checkRange(toEpochMs(f, zone), text);
}

/** The event-time window every normaliser enforces (a year far off is a unit or clock mistake). */
export function checkRange(ms: number, text: string): TimeParse {
  if (ms < MIN_EVENT_TIME || ms > MAX_EVENT_TIME)
    return { ok: false, reason: `is outside 2000–2100 (${got(text)}); check the sender's clock.` };
  return { ok: true, ms };
}
