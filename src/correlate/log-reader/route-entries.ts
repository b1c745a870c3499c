import type { LoggedEvent } from '../../store/event-log.js';
import type { CorrelationEngine } from '../engine/engine.js';
import { streamOf } from '../engine/engine.js';
import { RoutedBatchBuilder, type RoutedBatch } from '../routing/routed-batch.js';

/** Routes log entries with an engine used only for routing; its figures go with the batch. */
export function routeEntries(
  router: CorrelationEngine,
  entries: readonly LoggedEvent[],
): RoutedBatch {
  const batch = new RoutedBatchBuilder();
  for (const { seq, event } of entries)
    batch.add(
      seq,
      streamOf(event),
      event.time,
      event.received,
      `${event.source}/${event.id}`,
      router.route(event),
    );
  return batch.build(router.takeStats());
}
