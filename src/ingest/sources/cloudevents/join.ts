import { ENTITY_FIELDS } from '../../canonical-event.js';
import type { Entity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { SourceMemory } from '../source-kind.js';

/**
 * The request half of a request/response pair, kept in `ctx.memory` until the response
 * arrives. Only what the response event needs: the join is best-effort (memory can be lost
 * or the response can come first), so each delivery also stands as its own event.
 */
export interface RequestSummary {
  /** Event time of the request (epoch ms), when it carried a usable time. */
  readonly time?: number;
  readonly count?: number;
  readonly entity: Entity;
  readonly labels: Record<string, string>;
}

export async function rememberRequest(
  memory: SourceMemory,
  key: string,
  summary: RequestSummary,
  ttlMs: number,
  at: Location,
): Promise<void> {
  try {
    await memory.swap(key, JSON.stringify(summary), ttlMs);
  } catch (error) {
    at.warn(
      `could not be remembered for its response (${describe(error)}); the response will carry no latency.`,
    );
  }
}

export async function takeRequest(
  memory: SourceMemory,
  key: string,
  at: Location,
): Promise<RequestSummary | undefined> {
  let stored: string | undefined;
  try {
    stored = await memory.take(key);
  } catch (error) {
    at.warn(`its request could not be looked up (${describe(error)}); no latency was computed.`);
    return undefined;
  }
  return stored === undefined ? undefined : parseSummary(stored);
}

/** Memory is shared state: whatever is read back is checked, never trusted. */
function parseSummary(text: string): RequestSummary | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  const { time, count, entity, labels } = value;
  if (!isJsonObject(entity) || !isJsonObject(labels)) return undefined;
  if (![...Object.values(entity), ...Object.values(labels)].every((v) => typeof v === 'string'))
    return undefined;
  return {
    ...(typeof time === 'number' && Number.isFinite(time) ? { time } : {}),
    ...(typeof count === 'number' && Number.isFinite(count) ? { count } : {}),
    entity: Object.fromEntries(
      Object.entries(entity).filter(([k]) => (ENTITY_FIELDS as readonly string[]).includes(k)),
    ),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
