import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import type { FieldError, NormaliseResult } from '../../normalizers/types.js';

/** Langfuse's ingestion answer (HTTP 207): per ingestion event, accepted or why not. */
export interface LangfuseMultiStatus {
  successes: { id: string; status: 201 }[];
  errors: { id: string; status: 400; message: string; error?: string }[];
}

const ITEM_PATH = /^\/batch\/(\d+)(?:\/|$)/;

/**
 * Turns the result of normalising a Langfuse batch into the body Langfuse answers with 207
 * Multi-Status, so SDKs pointed at Cordon retry only what failed. Every item not refused is a
 * success, including those that made no event (trace-create, skipped types): resending them
 * would change nothing. Returns undefined when the body itself was refused (not JSON, no
 * `batch` array): Langfuse answers 400 then, and so should the endpoint, with `result.errors`.
 * `body` is the request body the result came from; it is read again for the event ids.
 */
export function langfuseMultiStatus(
  body: Buffer,
  result: NormaliseResult,
): LangfuseMultiStatus | undefined {
  const batch = readBatch(body);
  if (batch === undefined) return undefined;
  const failed = new Map<number, FieldError[]>();
  if (result.ok) {
    for (const item of result.rejected ?? []) failed.set(item.index, item.errors);
  } else {
    for (const error of result.errors) {
      const match = ITEM_PATH.exec(error.path);
      if (!match) return undefined;
      const index = Number(match[1]);
      failed.set(index, [...(failed.get(index) ?? []), error]);
    }
  }
  const reply: LangfuseMultiStatus = { successes: [], errors: [] };
  batch.forEach((item, index) => {
    const id = eventId(item, index);
    const errors = failed.get(index);
    if (errors === undefined) reply.successes.push({ id, status: 201 });
    else
      reply.errors.push({
        id,
        status: 400,
        message: errors.map((e) => `${e.path}: ${e.reason}`).join('; '),
        error: 'Invalid request data',
      });
  });
  return reply;
}

function readBatch(body: Buffer): unknown[] | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    const batch = isJsonObject(value) ? getOwn(value, 'batch') : undefined;
    return Array.isArray(batch) ? batch : undefined;
  } catch {
    return undefined;
  }
}

/** The item's own id; an item without one is named by its position, as nothing else names it. */
function eventId(item: unknown, index: number): string {
  const id = isJsonObject(item) ? getOwn(item, 'id') : undefined;
  return typeof id === 'string' && id !== '' ? id : `batch[${index}]`;
}
