import type { PackedEvents, StoredEvent } from '../store/event-log.js';
import { toStoredEvent } from '../store/event-log.js';
import type { EntityField, NormalisedEvent } from './canonical-event.js';
import { applyKeepPolicy, DEFAULT_KEEP_POLICY } from './keep-policy.js';
import type { KeepPolicy } from './keep-policy.js';
import type { FieldError, RejectedItem } from './normalizers/types.js';

/**
 * A body read up to what the log appends: the events in their stored form (keep policy
 * applied, JSON made), or why the whole body was refused. Made on the main thread or on an
 * ingest worker thread alike (plain data: it crosses threads), by the same functions, so
 * either place gives the same bytes.
 */
export type PreparedBatch =
  | {
      readonly ok: true;
      /** Packed when made on a worker thread (one transferable block of bytes). */
      readonly events: StoredEvent[] | PackedEvents;
      readonly warnings: string[];
      readonly rejected: RejectedItem[];
      /** What the kind remembered of the body (`OffloadSpec.carry`), when read elsewhere. */
      readonly carried?: unknown;
    }
  | { readonly ok: false; readonly errors: FieldError[]; readonly carried?: unknown };

/**
 * The stored form of a batch's accepted events under the source's keep policy.
 * `rawFromSender`: the canonical kind's raw is the sender's own (see applyKeepPolicy).
 */
export function storedEvents(
  events: readonly NormalisedEvent[],
  keep: KeepPolicy | undefined,
  stamp: { readonly source: string; readonly received: number },
  rawFromSender: boolean,
  /** The entity field the source partitions the event log by (default: the primary entity). */
  partitionBy?: EntityField,
): StoredEvent[] {
  const policy = keep ?? DEFAULT_KEEP_POLICY;
  const out = new Array<StoredEvent>(events.length);
  // Each event is stringified as soon as it is stamped, while it is still young in the heap.
  for (let i = 0; i < events.length; i += 1)
    out[i] = toStoredEvent(
      applyKeepPolicy(events[i] as NormalisedEvent, policy, stamp, rawFromSender),
      partitionBy,
    );
  return out;
}
