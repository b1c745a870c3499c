import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { labelText } from '../llm-common/raw-cap.js';
import { applyTraceContext, BodyReader, rawItem } from './item.js';
import type { IngestionItem } from './item.js';
import { levelOutcome, readLevel } from './level.js';
import type { TraceContext } from './trace-context.js';

/**
 * event-create and span-create → one `log` event: agent steps, tool calls and retrievals
 * around the generations, which sequence rules (a tool call after a suspicious prompt) need.
 * Their input/output is not LLM text, so it stays in raw only. span-update is skipped (see
 * index.ts): it repeats the span with an end time and would double every step.
 */
export function readObservationLog(
  item: IngestionItem,
  trace: TraceContext | undefined,
): NormalisedEvent | undefined {
  const r = new BodyReader(item.body, item.bodyAt);
  const start = r.time('startTime');
  const end = r.time('endTime');
  const level = r.check(readLevel(item.body, item.bodyAt));
  const labels: Record<string, string> = { langfuse_type: item.type };
  const fields: [string, string][] = [
    ['traceId', 'trace_id'],
    ['id', 'observation_id'],
    ['parentObservationId', 'parent_observation_id'],
    ['version', 'version'],
    ['environment', 'environment'],
  ];
  for (const [key, label] of fields) {
    const value = r.text(key);
    if (value !== undefined) labels[label] = value;
  }
  const statusMessage = r.text('statusMessage');
  if (statusMessage !== undefined) labels.status_message = labelText(statusMessage);
  if (level !== undefined && level !== 'DEFAULT') labels.level = level;
  const name = r.text('name');
  if (r.bad) return undefined;
  const measures: Record<string, number> = {};
  if (start !== undefined && end !== undefined && end >= start) measures.latency_ms = end - start;
  const entity: Entity = {};
  applyTraceContext(trace, entity, labels);
  return {
    id: item.id,
    time: start ?? item.time,
    kind: 'log',
    name: name ?? item.type.replace(/-create$/, ''),
    ...levelOutcome(level, false),
    entity,
    measures,
    labels,
    raw: rawItem(item),
  };
}
