import type { BulkAction, BulkActionType } from './bulk-lines.js';

/**
 * The actions the `elastic-bulk` reader parsed from a body, kept beside that body so the
 * drop-in's `_bulk` answer lists them without splitting and parsing the body a second time
 * (that second pass was about a tenth of a `_bulk` request's time). Keyed by the body Buffer
 * the reader was given, which is the one the route answers for; a WeakMap, so the entry lives
 * exactly as long as the request's body. Only what the answer needs is kept (each action's
 * type and metadata object, which a batch's repeated action lines share), not the parsed
 * documents. A body the reader could not split has no entry.
 */
export interface ReadActions {
  readonly types: readonly BulkActionType[];
  readonly metas: readonly Record<string, unknown>[];
}

const READ = new WeakMap<Buffer, ReadActions>();

export function rememberBulkActions(body: Buffer, actions: readonly BulkAction[]): void {
  const types: BulkActionType[] = new Array<BulkActionType>(actions.length);
  const metas: Record<string, unknown>[] = new Array<Record<string, unknown>>(actions.length);
  for (let i = 0; i < actions.length; i += 1) {
    const action = actions[i] as BulkAction;
    types[i] = action.type;
    metas[i] = action.meta;
  }
  READ.set(body, { types, metas });
}

/** What the reader made of `body`, if it split it into actions. */
export function bulkActionsRead(body: Buffer): ReadActions | undefined {
  return READ.get(body);
}

/**
 * Registers actions read from `body` elsewhere (an ingest worker thread read a copy of it and
 * sent them back as plain data): the answer then lists them as if read here.
 */
export function restoreBulkActions(body: Buffer, carried: unknown): void {
  if (carried === undefined || carried === null || typeof carried !== 'object') return;
  const { types, metas } = carried as Partial<ReadActions>;
  if (!Array.isArray(types) || !Array.isArray(metas)) return;
  READ.set(body, { types, metas });
}
