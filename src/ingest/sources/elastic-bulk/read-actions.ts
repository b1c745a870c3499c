import type { BulkAction } from './bulk-lines.js';

/**
 * The actions the `elastic-bulk` reader parsed from a body, kept beside that body so the
 * drop-in's `_bulk` answer lists them without splitting and parsing the body a second time
 * (that second pass was about a tenth of a `_bulk` request's time). Keyed by the body Buffer
 * the reader was given, which is the one the route answers for; a WeakMap, so the actions live
 * exactly as long as the request's body. A body the reader could not split has no entry.
 */
const READ = new WeakMap<Buffer, readonly BulkAction[]>();

export function rememberBulkActions(body: Buffer, actions: readonly BulkAction[]): void {
  READ.set(body, actions);
}

/** What the reader made of `body`, if it split it into actions. */
export function bulkActionsRead(body: Buffer): readonly BulkAction[] | undefined {
  return READ.get(body);
}
