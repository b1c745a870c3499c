import type { AuditHead, AuditRecord } from './audit-entry.js';
import { parseAuditRecord } from './chain.js';

/** Read access to the stored trail (store/audit-log.ts). */
export interface AuditReader {
  snapshot(): Promise<{ head: AuditHead | undefined; length: number }>;
  read(start: number, count: number): Promise<string[]>;
}

export interface AuditQuery {
  /** Entries with seq above this (0: from the first). */
  readonly after: number;
  readonly limit: number;
  /** An exact action name, or `<prefix>.*` (e.g. `approval.*`). */
  readonly action?: string;
  /** A principal id or `system:<role>`. */
  readonly actor?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
}

export interface AuditPage {
  readonly entries: AuditRecord[];
  /** Pass as `after` for the next page; null when the trail has nothing more. */
  readonly next: number | null;
  readonly head: AuditHead | null;
}

/** Entries examined per request at most, so a filter that matches nothing cannot read the whole trail at once. */
export const AUDIT_SCAN_LIMIT = 10_000;
const PAGE = 500;

/**
 * One page of entries in seq order, filtered. Filters scan forward (seq is the only index);
 * a page may come back short with a `next` cursor when the scan limit was reached first.
 * Stored records that do not parse are skipped here: judging them is `cordon audit verify`'s job.
 */
export async function queryAudit(reader: AuditReader, query: AuditQuery): Promise<AuditPage> {
  const { head, length } = await reader.snapshot();
  const matches = auditFilter(query);
  const entries: AuditRecord[] = [];
  let position = query.after;
  const scanEnd = Math.min(length, query.after + AUDIT_SCAN_LIMIT);
  while (position < scanEnd && entries.length < query.limit) {
    const raws = await reader.read(position, Math.min(PAGE, scanEnd - position));
    if (raws.length === 0) break;
    for (const raw of raws) {
      position += 1;
      const record = parseAuditRecord(raw);
      if (typeof record !== 'string' && matches(record)) entries.push(record);
      if (entries.length >= query.limit) break;
    }
  }
  return { entries, next: position < length ? position : null, head: head ?? null };
}

export function auditFilter(query: AuditQuery): (record: AuditRecord) => boolean {
  const { action, actor, since, until } = query;
  const prefix = action?.endsWith('.*') ? action.slice(0, -1) : undefined;
  return (r) =>
    (action === undefined || (prefix ? r.action.startsWith(prefix) : r.action === action)) &&
    (actor === undefined || r.actor.id === actor) &&
    (since === undefined || r.time >= since) &&
    (until === undefined || r.time < until);
}
