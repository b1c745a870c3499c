import type { Location } from './findings.js';
import { DEFAULT_MAX_DEPTH, findTooDeep } from './json-depth.js';
import { findJsonSyntaxError } from './json-syntax.js';

/**
 * Turns raw body bytes into JSON values, reporting body-level problems at path `''` (or
 * `/<lineIndex>` for one NDJSON line) with a line, a column and what to fix.
 */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

export interface JsonBodyOptions {
  /** What the endpoint expects, for the empty-body reason ("an Alertmanager webhook message"). */
  readonly expected: string;
  /** Extra advice when a second value follows the first (several documents concatenated). */
  readonly trailingContentHint?: string;
  /** Deepest nesting of objects and arrays accepted (DEFAULT_MAX_DEPTH when absent). */
  readonly maxDepth?: number | undefined;
}

export interface NdjsonLine {
  /** Zero-based physical line index: the first path segment of this line's errors. */
  readonly lineIndex: number;
  readonly value: unknown;
}

const INVALID = { ok: false } as const;

export function parseJsonBody(
  body: Buffer,
  at: Location,
  options: JsonBodyOptions,
): Parsed<unknown> {
  const text = decodeUtf8(body, at);
  if (text === undefined) return INVALID;
  if (text.trim() === '') {
    at.error(`the body is empty; send ${options.expected}.`);
    return INVALID;
  }
  const parsed = tryParse(text);
  if (parsed.ok) {
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const deep = findTooDeep(text, maxDepth);
    if (deep === undefined) return parsed;
    const { line, column } = lineAndColumn(text, deep);
    at.error(
      `${tooDeep(maxDepth)} at line ${line}, column ${column} (near ${near(text, deep)}). ${DEPTH_FIX}`,
    );
    return INVALID;
  }
  const problem = explainSyntaxError(text, parsed.error);
  const { line, column } = lineAndColumn(text, problem.position);
  const hint =
    problem.trailing && options.trailingContentHint ? ` ${options.trailingContentHint}` : '';
  at.error(
    `is not valid JSON: ${problem.message} at line ${line}, column ${column} (near ${near(text, problem.position)}). ${problem.fix}${hint}`,
  );
  return INVALID;
}

/**
 * One JSON value per non-empty line (NDJSON / JSON Lines). Every bad line is reported, so a
 * sender fixes them all in one go.
 */
export function parseNdjsonBody(
  body: Buffer,
  at: Location,
  options: JsonBodyOptions,
): Parsed<NdjsonLine[]> {
  const text = decodeUtf8(body, at);
  if (text === undefined) return INVALID;
  const lines = text.split('\n');
  const values: NdjsonLine[] = [];
  const bad: { index: number; line: string; error: unknown }[] = [];
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let tooDeepLines = 0;
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const parsed = tryParse(line);
    if (!parsed.ok) {
      bad.push({ index, line, error: parsed.error });
      return;
    }
    const deep = findTooDeep(line, maxDepth);
    if (deep === undefined) {
      values.push({ lineIndex: index, value: parsed.value });
      return;
    }
    tooDeepLines += 1;
    at.item(index, `line ${index + 1}: `).error(
      `${tooDeep(maxDepth)} at column ${deep + 1} (near ${near(line, deep)}). ${DEPTH_FIX}`,
    );
  });
  if (tooDeepLines > 0 && bad.length === 0) return INVALID;
  if (values.length === 0 && bad.length === 0) {
    at.error(`the body is empty; send ${options.expected}.`);
    return INVALID;
  }
  if (bad.length === 0) return { ok: true, value: values };
  // A pretty-printed document fails on every line; one clear body-level reason beats dozens.
  if (tooDeepLines === 0 && lines.length > 1 && tryParse(text).ok) {
    at.error(
      'is one JSON document spread over several lines, not NDJSON (one complete JSON object per line). ' +
        'Send it with Content-Type application/json, or put each event on a single line.',
    );
    return INVALID;
  }
  const lastLine = lastNonEmptyIndex(lines);
  for (const { index, line, error } of bad) {
    const problem = explainSyntaxError(line, error);
    const column = problem.position + 1;
    const cut =
      problem.truncated && index === lastLine
        ? ' This is the last line: the body looks cut off.'
        : '';
    at.item(index, `line ${index + 1}: `).error(
      `is not valid JSON: ${problem.message} at column ${column} (near ${near(line, problem.position)}). ${problem.fix}${cut}`,
    );
  }
  return INVALID;
}

function tooDeep(maxDepth: number): string {
  return `nests objects and arrays more than ${maxDepth} levels deep`;
}

const DEPTH_FIX =
  'Flatten the payload (deep data can travel as a JSON string), or raise CORDON_INGEST_MAX_DEPTH.';

/** Line and column (both 1-based, columns in UTF-16 units like V8's positions). */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i += 1) {
    if (text.charCodeAt(i) === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function decodeUtf8(body: Buffer, at: Location): string | undefined {
  try {
    // fatal: a lossy decode would silently turn bad bytes into U+FFFD inside event fields.
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    at.error('is not valid UTF-8; send the body UTF-8 encoded (JSON requires it).');
    return undefined;
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error };
  }
}

interface Explained {
  readonly position: number;
  readonly message: string;
  readonly fix: string;
  readonly truncated: boolean;
  readonly trailing: boolean;
}

function explainSyntaxError(text: string, error: unknown): Explained {
  const v8Message = error instanceof Error ? error.message : String(error);
  const v8Position = /at position (\d+)/.exec(v8Message)?.[1];
  const found = findJsonSyntaxError(text);
  const position = v8Position !== undefined ? Number(v8Position) : (found?.position ?? text.length);
  const truncated = found?.truncated ?? /end of JSON input/.test(v8Message);
  return {
    position,
    message: found?.message ?? v8Message,
    truncated,
    trailing: found?.message.startsWith('more content') ?? /after JSON/.test(v8Message),
    fix: truncated
      ? 'The body looks truncated (a cut connection or a proxy size limit); resend it complete.'
      : 'Fix the JSON syntax and resend.',
  };
}

/** A short excerpt around the error, so the sender can find it without counting columns. */
function near(text: string, position: number): string {
  const start = Math.max(0, position - 20);
  const excerpt = text.slice(start, position + 20).replace(/\s+/g, ' ');
  return JSON.stringify(
    `${start > 0 ? '…' : ''}${excerpt}${position + 20 < text.length ? '…' : ''}`,
  );
}

function lastNonEmptyIndex(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i -= 1) if ((lines[i] ?? '').trim() !== '') return i;
  return -1;
}
