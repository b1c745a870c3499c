import type { MergedRead } from '../../store/event-log.js';
import { parseSeq } from '../../store/log-position.js';
import type { CorrelationEngine } from '../engine/engine.js';
import { streamOf } from '../engine/engine.js';
import { RoutedBatchBuilder } from '../routing/routed-batch.js';
import type { LogBatch } from './log-reader.js';

/**
 * Routes log entries with an engine used only for routing; its figures go with the batch.
 * `partitions`: the log's partition count (entries of partition p > 0 carry it in their seq;
 * the batch keeps the entry id and the partition apart).
 */
export function routeEntries(
  router: CorrelationEngine,
  read: MergedRead,
  partitions: number,
): LogBatch {
  const batch = new RoutedBatchBuilder();
  const split = partitions > 1;
  const parts = new Uint8Array(split ? read.entries.length : 0);
  read.entries.forEach(({ seq, event }, i) => {
    let id = seq;
    if (split) {
      const at = parseSeq(seq);
      parts[i] = at?.partition ?? 0;
      id = at?.id ?? seq;
    }
    batch.add(
      id,
      streamOf(event),
      event.time,
      event.received,
      `${event.source}/${event.id}`,
      router.route(event),
    );
  });
  return {
    batch: batch.build(router.takeStats()),
    position: read.position,
    consumed: read.consumed,
    partitions: parts,
  };
}
