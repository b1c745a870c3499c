import { EVENT_KEYS } from '../../ingest/normalizers/canonical-input.js';

/**
 * The few top-level fields a replay needs of a line no rule reads (its kind, id, source, time
 * and receipt time), and those a line's detections may be decided on (name, severity and
 * outcome; see line-probe.ts), read in one pass over the text without building the object:
 * such lines are often most of a recording, and parsing each in full costs several times as
 * much.
 *
 * Only the plain form a JSON serialiser writes is read: no whitespace outside strings, each
 * wanted key once, wanted strings without escapes, wanted times as plain integers, and no key
 * a canonical event does not have (the full read refuses those lines). Anything else returns
 * undefined, and the caller parses the line in full (which reads it exactly, or
 * reports it as bad). A name, severity or outcome that is not such a string is null: the line
 * can still be counted, but not decided on.
 */
/**
 * The canonical paths read off a line by readTopLevelFields whose values a detection may be
 * decided on (CompiledDetection.mayMatch).
 */
export const DECIDABLE_PATHS: ReadonlySet<string> = new Set([
  'kind',
  'id',
  'source',
  'name',
  'severity',
  'outcome',
]);

export interface TopLevelFields {
  readonly kind: string;
  readonly id: string;
  /** Undefined when the line has no `source`. */
  readonly source: string | undefined;
  readonly time: number;
  /** Undefined when the line has no `received`. */
  readonly received: number | undefined;
  /** Undefined when absent; null when present but not a plain string (or repeated). */
  readonly name: string | null | undefined;
  readonly severity: string | null | undefined;
  readonly outcome: string | null | undefined;
}

const QUOTE = 34; // "
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const ZERO = 48;
const NINE = 57;

export function readTopLevelFields(line: string): TopLevelFields | undefined {
  return readTopLevelFieldsIn(line, 0, line.length, line.indexOf('\\') >= 0);
}

/**
 * readTopLevelFields for the line `text.slice(start, end)`, read in place: a replay worker reads
 * its chunk's text without making a string per line (reading a flat string is also faster than
 * reading a slice of one). `escapes`: whether the line has a backslash (the caller finds them
 * once per chunk; searching the rest of the chunk for each line would not end at the line).
 */
export function readTopLevelFieldsIn(
  text: string,
  start: number,
  end: number,
  escapes: boolean,
): TopLevelFields | undefined {
  if (end - start < 2 || text.charCodeAt(start) !== OPEN_BRACE) return undefined;
  let kind: string | undefined;
  let id: string | undefined;
  let source: string | undefined;
  let time: number | undefined;
  let received: number | undefined;
  let name: string | null | undefined;
  let severity: string | null | undefined;
  let outcome: string | null | undefined;
  // Most lines have no escape at all: then a string ends at the next quote, found by a
  // native search, and no key or value needs checking for one. Every end found is checked
  // against the line's: a search may run on into the next line of a line cut short.
  const stringEndOf = escapes ? stringEnd : plainStringEnd;
  let at = start + 1;
  if (text.charCodeAt(at) === CLOSE_BRACE) return undefined;
  for (;;) {
    // A key: no escapes in the keys this reads; an escaped key is read past like any string.
    if (text.charCodeAt(at) !== QUOTE) return undefined;
    const keyStart = at + 1;
    const keyEnd = stringEndOf(text, keyStart, end);
    if (keyEnd < 0 || keyEnd + 1 >= end || text.charCodeAt(keyEnd + 1) !== COLON) return undefined;
    if (escapes) {
      // An escaped key may spell a wanted one ("\u006bind"): the full parse reads it exactly.
      for (let i = keyStart; i < keyEnd; i += 1)
        if (text.charCodeAt(i) === BACKSLASH) return undefined;
    }
    const key = keyOf(text, keyStart, keyEnd);
    // A key a canonical event does not have: the full read refuses the line, and reports it.
    if (key === undefined) return undefined;
    at = keyEnd + 2;
    if (at >= end) return undefined;
    const c = text.charCodeAt(at);
    let valueEnd: number;
    if (c === QUOTE) {
      valueEnd = stringEndOf(text, at + 1, end);
      if (valueEnd < 0) return undefined;
      if (key === 'kind' || key === 'id' || key === 'source') {
        const value = text.slice(at + 1, valueEnd);
        // An escaped value is read exactly by the full parse.
        if (escapes && value.includes('\\')) return undefined;
        if (key === 'kind') {
          if (kind !== undefined) return undefined;
          kind = value;
        } else if (key === 'id') {
          if (id !== undefined) return undefined;
          id = value;
        } else {
          if (source !== undefined) return undefined;
          source = value;
        }
      } else if (key === 'name' || key === 'severity' || key === 'outcome') {
        const value = text.slice(at + 1, valueEnd);
        const plain = escapes && value.includes('\\') ? null : value;
        if (key === 'name') name = name === undefined ? plain : null;
        else if (key === 'severity') severity = severity === undefined ? plain : null;
        else outcome = outcome === undefined ? plain : null;
      } else if (key === 'time' || key === 'received') return undefined;
      valueEnd += 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (
        key === 'kind' ||
        key === 'id' ||
        key === 'source' ||
        key === 'time' ||
        key === 'received'
      )
        return undefined;
      if (key === 'name') name = null;
      else if (key === 'severity') severity = null;
      else if (key === 'outcome') outcome = null;
      valueEnd = nestedEnd(text, at, end, stringEndOf);
      if (valueEnd < 0) return undefined;
    } else {
      valueEnd = at;
      while (valueEnd < end) {
        const d = text.charCodeAt(valueEnd);
        if (d === COMMA || d === CLOSE_BRACE) break;
        valueEnd += 1;
      }
      if (key === 'name') name = null;
      else if (key === 'severity') severity = null;
      else if (key === 'outcome') outcome = null;
      else if (key === 'time' || key === 'received') {
        const value = plainInteger(text, at, valueEnd);
        if (value === undefined) return undefined;
        if (key === 'time') {
          if (time !== undefined) return undefined;
          time = value;
        } else {
          if (received !== undefined) return undefined;
          received = value;
        }
      } else if (key === 'kind' || key === 'id' || key === 'source') return undefined;
    }
    if (valueEnd >= end) return undefined;
    const next = text.charCodeAt(valueEnd);
    if (next === CLOSE_BRACE) {
      if (valueEnd !== end - 1) return undefined;
      break;
    }
    if (next !== COMMA) return undefined;
    at = valueEnd + 1;
  }
  if (kind === undefined || id === undefined || time === undefined) return undefined;
  return { kind, id, source, time, received, name, severity, outcome };
}

/** The keys read here; keyOf gives '' for the others a recorded line may have. */
const READ_KEYS: ReadonlySet<string> = new Set([
  'id',
  'kind',
  'time',
  'received',
  'source',
  'name',
  'severity',
  'outcome',
]);
/**
 * The keys a recorded line may have (a canonical event's, and the source and receipt time a
 * recording keeps), as char codes: compared in a loop, they cost the callers less to optimise
 * than one inlined `startsWith` per key did (about 40 ms of TurboFan per thread, in a replay of
 * two seconds), and run no slower.
 */
const LINE_KEYS: readonly string[] = [...EVENT_KEYS, 'source', 'received'];
const KEY_CODES: readonly (readonly number[])[] = LINE_KEYS.map((k) =>
  Array.from(k, (c) => c.charCodeAt(0)),
);
const KEY_READ: readonly string[] = LINE_KEYS.map((k) => (READ_KEYS.has(k) ? k : ''));

/**
 * `key` when the text from `start` to `end` is one of the keys read here, '' for another key a
 * canonical event has, undefined for any other. Compared in place: slicing every key of every
 * line to compare it cost more than the rest of the read.
 */
function keyOf(line: string, start: number, end: number): string | undefined {
  const length = end - start;
  const first = line.charCodeAt(start);
  for (let k = 0; k < KEY_CODES.length; k += 1) {
    const codes = KEY_CODES[k] as readonly number[];
    if (codes.length !== length || codes[0] !== first) continue;
    let i = 1;
    while (i < length && line.charCodeAt(start + i) === codes[i]) i += 1;
    if (i === length) return KEY_READ[k];
  }
  return undefined;
}

/** stringEnd for a line without any backslash. */
function plainStringEnd(text: string, from: number, end: number): number {
  const at = text.indexOf('"', from);
  return at < end ? at : -1;
}

/** Index (before `end`) of the quote closing a string whose text starts at `from`, or -1. */
function stringEnd(text: string, from: number, end: number): number {
  for (let i = from; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i += 1;
  }
  return -1;
}

/** Index just after the object or array opening at `from` (before `end`), or -1. */
function nestedEnd(
  text: string,
  from: number,
  end: number,
  stringEndOf: (text: string, from: number, end: number) => number,
): number {
  let depth = 0;
  for (let i = from; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEndOf(text, i + 1, end);
      if (i < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * A non-negative integer written plainly (digits only, at most 15 of them, no leading zero,
 * which JSON does not allow), or undefined.
 */
function plainInteger(line: string, from: number, to: number): number | undefined {
  if (to === from || to - from > 15) return undefined;
  if (to - from > 1 && line.charCodeAt(from) === ZERO) return undefined;
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const c = line.charCodeAt(i);
    if (c < ZERO || c > NINE) return undefined;
    value = value * 10 + (c - ZERO);
  }
  return value;
}
