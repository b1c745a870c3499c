import { DEFAULT_MAX_DEPTH, findTooDeep } from '../../normalizers/json-depth.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';

export const BULK_ACTIONS = ['index', 'create', 'update', 'delete'] as const;
export type BulkActionType = (typeof BULK_ACTIONS)[number];

/** One action of a `_bulk` body with its document line, as far as it could be read. */
export interface BulkAction {
  /** Position among the body's actions: the index of its entry in the `_bulk` response. */
  readonly ordinal: number;
  readonly type: BulkActionType;
  /** Zero-based line of the action and of its document (none for `delete`, or when missing). */
  readonly actionLine: number;
  readonly docLine: number | undefined;
  /** The action's metadata (`{"_index": …, "_id": …}`). */
  readonly meta: Record<string, unknown>;
  /** The parsed document line; undefined when it is missing or not JSON (see `docProblem`). */
  readonly doc: unknown;
  /** The document line's text, when it parsed. */
  readonly docText?: string | undefined;
  readonly docProblem: string | undefined;
}

/** The body could not be split into actions: Elasticsearch refuses such a request whole. */
export interface BulkFailure {
  readonly line: number | undefined;
  readonly reason: string;
}

export type BulkParse =
  | { readonly ok: true; readonly actions: readonly BulkAction[] }
  | { readonly ok: false; readonly failure: BulkFailure };

/**
 * Splits a `_bulk` body (NDJSON: an action line, then a document line unless the action is
 * `delete`) the way Elasticsearch does: a malformed action line fails the whole request,
 * since nothing after it can be paired reliably; a bad document fails its own item only.
 */
export function parseBulk(text: string, maxDepth = DEFAULT_MAX_DEPTH): BulkParse {
  return parseBulkLines(text.split('\n'), maxDepth);
}

/**
 * `parseBulk` for a body already split at "\n" (see utf8Lines: a big body is decoded line by
 * line rather than whole). The array's entries lose a trailing "\r" in place.
 */
export function parseBulkLines(lines: string[], maxDepth = DEFAULT_MAX_DEPTH): BulkParse {
  // One pass instead of a mapped copy of every line; CRLF bodies (Windows shippers) lose the \r.
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n] as string;
    if (line.endsWith('\r')) lines[n] = line.slice(0, -1);
  }
  const actions: BulkAction[] = [];
  // Shippers repeat one action line for a whole batch ({"create":{"_index":"filebeat-8"}}):
  // a line equal to the previous action line is that same action, not parsed again. Its
  // metadata object is shared between the actions, which only ever read it.
  let lastActionText: string | undefined;
  let lastAction: { type: BulkActionType; meta: Record<string, unknown> } | undefined;
  let i = 0;
  const skipBlank = (): void => {
    while (i < lines.length && (lines[i] ?? '').trim() === '') i += 1;
  };
  skipBlank();
  if (i >= lines.length)
    return {
      ok: false,
      failure: {
        line: undefined,
        reason: 'the body is empty; send action and document lines (NDJSON).',
      },
    };
  while (i < lines.length) {
    const actionLine = i;
    const actionText = lines[i] ?? '';
    let action: { type: BulkActionType; meta: Record<string, unknown> };
    if (lastAction !== undefined && actionText === lastActionText) action = lastAction;
    else {
      const parsed = parseLine(actionText, maxDepth);
      if (!parsed.ok)
        return {
          ok: false,
          failure: {
            line: actionLine,
            reason: `is not a valid action line: ${parsed.reason} Each action is one JSON object on its own line, such as {"index":{"_index":"logs"}}.`,
          },
        };
      const read = readAction(parsed.value);
      if (typeof read === 'string')
        return { ok: false, failure: { line: actionLine, reason: read } };
      action = read;
      lastAction = read;
      lastActionText = actionText;
    }
    i += 1;
    let docLine: number | undefined;
    let doc: unknown;
    let docText: string | undefined;
    let docProblem: string | undefined;
    if (action.type !== 'delete') {
      if (i >= lines.length || (lines[i] ?? '').trim() === '') {
        docProblem = `the ${action.type} action has no document line after it; put the document on the next line.`;
      } else {
        docLine = i;
        const docParsed = parseLine(lines[i] ?? '', maxDepth);
        if (docParsed.ok) {
          doc = docParsed.value;
          docText = lines[i];
        } else docProblem = `is not a valid JSON document: ${docParsed.reason}`;
        i += 1;
      }
    }
    // One object shape for every action (docText always present, possibly undefined), so the
    // readers of the actions stay monomorphic.
    actions.push({
      ordinal: actions.length,
      type: action.type,
      meta: action.meta,
      actionLine,
      docLine,
      doc,
      docText,
      docProblem,
    });
    skipBlank();
  }
  return { ok: true, actions };
}

function parseLine(
  line: string,
  maxDepth: number,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `${message}. A pretty-printed document spans lines; _bulk needs each JSON object on one line.`,
    };
  }
  const deep = mayNestDeeper(line, maxDepth) ? findTooDeep(line, maxDepth) : undefined;
  if (deep !== undefined)
    return {
      ok: false,
      reason: `it nests more than ${maxDepth} levels deep (at column ${deep + 1}).`,
    };
  return { ok: true, value };
}

function readAction(
  value: unknown,
): { type: BulkActionType; meta: Record<string, unknown> } | string {
  const expected = `expected one of ${BULK_ACTIONS.join(', ')}, such as {"create":{"_index":"logs"}}`;
  if (!isJsonObject(value)) return `is not an action line: ${expected}; got ${got(value)}.`;
  const keys = Object.keys(value);
  const [type] = keys;
  if (keys.length !== 1 || type === undefined)
    return `must hold exactly one action (${expected}); got ${keys.length === 0 ? 'an empty object' : `keys ${keys.map((k) => JSON.stringify(k)).join(', ')}`}.`;
  if (!(BULK_ACTIONS as readonly string[]).includes(type))
    return `has an unknown action ${JSON.stringify(type)}: ${expected}.`;
  const meta = value[type];
  if (!isJsonObject(meta))
    return `the ${type} action's metadata must be an object such as {"_index":"logs"}; got ${got(meta)}.`;
  return { type: type as BulkActionType, meta };
}

/**
 * False when the line cannot nest deeper than `maxDepth`, as it opens no more objects and
 * arrays than that (counting brackets in strings too, which only errs towards true). Counting
 * with indexOf is native; most lines need no walk by findTooDeep at all.
 */
export function mayNestDeeper(line: string, maxDepth: number): boolean {
  let opened = 0;
  for (const bracket of ['{', '[']) {
    for (let i = line.indexOf(bracket); i >= 0; i = line.indexOf(bracket, i + 1)) {
      opened += 1;
      if (opened > maxDepth) return true;
    }
  }
  return false;
}
