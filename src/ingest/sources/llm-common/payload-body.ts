import type { Location } from '../../normalizers/findings.js';
import { DEFAULT_MAX_DEPTH, findTooDeep } from '../../normalizers/json-depth.js';
import { findJsonSyntaxError } from '../../normalizers/json-syntax.js';
import { got, truncate } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import { readUtf8Text } from '../../normalizers/utf8-text.js';

/** One payload object of a body, with the location its errors go to. */
export interface PayloadItem {
  readonly value: unknown;
  readonly at: Location;
}

export interface PayloadBodyOptions {
  /** What one item is, without an article ("LiteLLM StandardLoggingPayload object"). */
  readonly itemName: string;
  /** How the sender picks a format, for the mixed-format reason ("set log_format to …"). */
  readonly formatHint: string;
  readonly maxDepth?: number | undefined;
}

/**
 * Reads a body that holds payload objects in any of the three shapes LiteLLM's generic_api
 * callback (`log_format` json_array | ndjson | single) and the spend-log exports produce: one
 * JSON object, one JSON array of objects, or one object per line. The shape is detected, not
 * configured: the sender's Content-Type says application/json for all three.
 *
 * Array items and NDJSON lines are batch items, so one bad item refuses only itself; a single
 * object reports at the body root. A body that is neither (empty, not UTF-8, a pretty-printed
 * document cut short) is refused as a whole. Returns undefined when the body is refused.
 */
export function readPayloadItems(
  body: Buffer,
  root: Location,
  options: PayloadBodyOptions,
): PayloadItem[] | undefined {
  const expected = `a ${options.itemName}, a JSON array of them, or one per line (NDJSON)`;
  const text = readUtf8Text(body, root, 'send the body UTF-8 encoded (JSON requires it).');
  if (text === undefined) return undefined;
  if (text.trim() === '') {
    root.error(`the body is empty; send ${expected}.`);
    return undefined;
  }
  const whole = tryParse(text);
  if (whole.ok) {
    // parseJsonBody re-checks the depth limit and words the error the same way as other kinds.
    if (findTooDeep(text, options.maxDepth ?? DEFAULT_MAX_DEPTH) !== undefined) {
      parseJsonBody(body, root, { expected, maxDepth: options.maxDepth });
      return undefined;
    }
    return fromDocument(whole.value, root, options);
  }
  const lines = text.split('\n');
  const first = lines.findIndex((line) => line.trim() !== '');
  const firstLine = tryParse(stripCr(lines[first] ?? ''));
  // NDJSON only if the first line stands alone; otherwise it is one document with a syntax error.
  if (!firstLine.ok || lines.length < 2) {
    parseJsonBody(body, root, { expected, maxDepth: options.maxDepth });
    return undefined;
  }
  return fromLines(lines, root, options);
}

function fromDocument(
  value: unknown,
  root: Location,
  options: PayloadBodyOptions,
): PayloadItem[] | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      root.error(`is an empty array; send at least one ${options.itemName}.`);
      return undefined;
    }
    return (value as unknown[]).map((item, index) => ({ value: item, at: root.batchItem(index) }));
  }
  if (value !== null && typeof value === 'object') return [{ value, at: root }];
  root.error(`must be a ${options.itemName} or a JSON array of them; got ${got(value)}.`);
  return undefined;
}

function fromLines(
  lines: readonly string[],
  root: Location,
  options: PayloadBodyOptions,
): PayloadItem[] {
  const items: PayloadItem[] = [];
  const last = lastNonEmpty(lines);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  lines.forEach((raw, index) => {
    const line = stripCr(raw);
    if (line.trim() === '') return;
    const at = root.batchItem(index, `line ${index + 1}: `);
    const parsed = tryParse(line);
    if (!parsed.ok) {
      at.error(syntaxReason(line, index === last));
      return;
    }
    if (findTooDeep(line, maxDepth) !== undefined) {
      at.error(
        `nests objects and arrays more than ${maxDepth} levels deep. Flatten the payload, or raise CORDON_INGEST_MAX_DEPTH.`,
      );
      return;
    }
    if (Array.isArray(parsed.value)) {
      // A json_array flush glued to NDJSON lines: the body mixes two log formats.
      at.error(
        `is a JSON array, but the other lines make this body NDJSON (one ${options.itemName} per line). ` +
          `The body mixes two formats; ${options.formatHint}`,
      );
      return;
    }
    items.push({ value: parsed.value, at });
  });
  return items;
}

function syntaxReason(line: string, isLast: boolean): string {
  const problem = findJsonSyntaxError(line);
  const position = problem?.position ?? line.length;
  const excerpt = JSON.stringify(
    truncate(line.slice(Math.max(0, position - 20), position + 20), 40),
  );
  const cut =
    problem?.truncated === true
      ? isLast
        ? ' This is the last line: the body looks cut off (a cut connection or a proxy size limit); resend it complete.'
        : ' The line ends early; each line must hold one complete JSON object.'
      : ' Fix the JSON syntax and resend.';
  return `is not valid JSON: ${problem?.message ?? 'unparseable'} at column ${position + 1} (near ${excerpt}).${cut}`;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function lastNonEmpty(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i -= 1) if ((lines[i] ?? '').trim() !== '') return i;
  return -1;
}
