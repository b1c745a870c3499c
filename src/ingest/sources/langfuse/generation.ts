import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import { promptText, responseText, withText } from '../llm-common/chat-text.js';
import { labelText } from '../llm-common/raw-cap.js';
import { spanMs } from '../llm-common/times.js';
import { applyTraceContext, BodyReader, rawItem } from './item.js';
import type { IngestionItem } from './item.js';
import { levelOutcome, readLevel } from './level.js';
import type { TraceContext } from './trace-context.js';
import { readUsage, usageUnit } from './usage.js';

/**
 * generation-create / generation-update → one `llm` event. The SDK usually sends a create
 * when the call starts and an update when it ends (with output, usage and cost), so each
 * becomes its own event; they share `labels.observation_id`, and only one of them normally
 * carries usage, so sums over tokens and cost stay right.
 */
export function readGeneration(
  item: IngestionItem,
  trace: TraceContext | undefined,
): NormalisedEvent | undefined {
  const r = new BodyReader(item.body, item.bodyAt);
  const start = r.time('startTime');
  const end = r.time('endTime');
  const firstToken = r.time('completionStartTime');
  const level = r.check(readLevel(item.body, item.bodyAt));
  const measures = readUsage(item.body, item.bodyAt);
  if (measures === undefined) r.bad = true;

  const entity: Entity = {};
  const model = r.text('model');
  if (model !== undefined) entity.model = model;
  const labels: Record<string, string> = { langfuse_type: item.type };
  const fields: [string, string][] = [
    ['traceId', 'trace_id'],
    ['id', 'observation_id'],
    ['parentObservationId', 'parent_observation_id'],
    ['version', 'version'],
    ['environment', 'environment'],
    ['promptName', 'prompt_name'],
  ];
  for (const [key, label] of fields) {
    const value = r.text(key);
    if (value !== undefined) labels[label] = value;
  }
  const promptVersion = getOwn(item.body, 'promptVersion');
  if (typeof promptVersion === 'number' && Number.isInteger(promptVersion))
    labels.prompt_version = String(promptVersion);
  else if (promptVersion !== undefined && promptVersion !== null) {
    item.bodyAt
      .child('promptVersion')
      .error(`must be a whole number (the prompt version); got ${got(promptVersion)}.`);
    r.bad = true;
  }
  const statusMessage = r.text('statusMessage');
  if (statusMessage !== undefined) labels.status_message = labelText(statusMessage);
  if (level !== undefined && level !== 'DEFAULT') labels.level = level;
  const unit = usageUnit(item.body);
  if (unit !== undefined) labels.usage_unit = unit;
  const name = r.text('name');
  if (r.bad || measures === undefined) return undefined;

  const latency = spanMs(start, end);
  if (latency !== undefined && latency >= 0) measures.latency_ms = latency;
  const ttft = spanMs(start, firstToken);
  if (ttft !== undefined && ttft >= 0 && firstToken !== end) measures.ttft_ms = ttft;
  applyTraceContext(trace, entity, labels);
  const { outcome, severity } = levelOutcome(level, item.type.endsWith('-update'));
  const event: NormalisedEvent = {
    id: item.id,
    time: start ?? end ?? item.time,
    kind: 'llm',
    name: name ?? 'generation',
    severity,
    outcome,
    entity,
    measures,
    labels,
    raw: rawItem(item),
  };
  const answer = responseText(getOwn(item.body, 'output'));
  return withText(event, {
    ...promptText(getOwn(item.body, 'input')),
    ...(answer === undefined ? {} : { response: answer }),
  });
}
