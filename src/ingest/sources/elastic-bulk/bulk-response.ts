import type { NormaliseResult } from '../../normalizers/types.js';
import type { FieldError } from '../../normalizers/types.js';
import { parseBulk } from './bulk-lines.js';
import type { BulkAction, BulkActionType } from './bulk-lines.js';

export interface BulkItemResult {
  readonly _index: string;
  readonly _id: string;
  readonly status: number;
  readonly result?: 'created' | 'noop';
  readonly error?: { readonly type: string; readonly reason: string };
}

export interface BulkResponse {
  readonly took: number;
  readonly errors: boolean;
  readonly items: readonly Partial<Record<BulkActionType, BulkItemResult>>[];
}

/**
 * The `_bulk` response shippers expect, built from the body and what `elastic-bulk` made of
 * it: one entry per action, under the action type the sender used, 201 when accepted and 400
 * with the reasons when refused (Beats and Logstash drop 400 items rather than retry them,
 * which is right for a document that will never parse). Deletes are acknowledged (200, noop).
 * Undefined when the body is not a bulk body at all: answer that with the normaliser's errors
 * as a plain 400, as Elasticsearch does.
 *
 * `_id` is the sender's `_id`, else the event's id when every accepted action made exactly one
 * event (so they can be paired in order), else "".
 */
export function bulkResponse(
  body: Buffer,
  result: NormaliseResult,
  took = 0,
): BulkResponse | undefined {
  const parsed = parseBulk(body.toString('utf8'));
  if (!parsed.ok) return undefined;
  const actions = parsed.actions;
  const errors = errorsByOrdinal(actions, result);
  const accepted = actions.filter((a) => a.type !== 'delete' && !errors.has(a.ordinal));
  const events = result.ok ? result.events : [];
  const paired = events.length === accepted.length;
  let next = 0;
  const items = actions.map((action) => {
    const index = typeof action.meta._index === 'string' ? action.meta._index : '';
    const senderId = typeof action.meta._id === 'string' ? action.meta._id : undefined;
    const refused = errors.get(action.ordinal);
    let entry: BulkItemResult;
    if (refused !== undefined) {
      entry = {
        _index: index,
        _id: senderId ?? '',
        status: 400,
        error: {
          type: 'mapper_parsing_exception',
          reason: refused.map((e) => `${e.path === '' ? '' : `${e.path}: `}${e.reason}`).join(' '),
        },
      };
    } else if (action.type === 'delete') {
      entry = { _index: index, _id: senderId ?? '', status: 200, result: 'noop' };
    } else {
      const event = paired ? events[next] : undefined;
      next += 1;
      entry = { _index: index, _id: senderId ?? event?.id ?? '', status: 201, result: 'created' };
    }
    return { [action.type]: entry };
  });
  return { took, errors: errors.size > 0, items };
}

/**
 * Errors per action. Item errors carry their index; when the whole body was refused, each
 * error is matched to its action by the line its path starts with, and an error of the body
 * as a whole refuses every action.
 */
function errorsByOrdinal(
  actions: readonly BulkAction[],
  result: NormaliseResult,
): Map<number, FieldError[]> {
  const byOrdinal = new Map<number, FieldError[]>();
  const add = (ordinal: number, error: FieldError): void => {
    const list = byOrdinal.get(ordinal) ?? [];
    list.push(error);
    byOrdinal.set(ordinal, list);
  };
  if (result.ok) {
    for (const item of result.rejected ?? [])
      for (const error of item.errors) add(item.index, error);
    return byOrdinal;
  }
  const byLine = new Map<number, number>();
  for (const action of actions) {
    byLine.set(action.actionLine, action.ordinal);
    if (action.docLine !== undefined) byLine.set(action.docLine, action.ordinal);
  }
  for (const error of result.errors) {
    const line = /^\/(\d+)(?:\/|$)/.exec(error.path)?.[1];
    const ordinal = line === undefined ? undefined : byLine.get(Number(line));
    if (ordinal !== undefined) add(ordinal, error);
    else for (const action of actions) add(action.ordinal, error);
  }
  return byOrdinal;
}
