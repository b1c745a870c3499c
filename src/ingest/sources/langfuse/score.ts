import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { getOwn, got } from '../../normalizers/json-values.js';
import { labelText } from '../llm-common/raw-cap.js';
import { applyTraceContext, BodyReader, rawItem } from './item.js';
import type { IngestionItem } from './item.js';
import type { TraceContext } from './trace-context.js';

const DATA_TYPES = ['NUMERIC', 'CATEGORICAL', 'BOOLEAN'];

/**
 * score-create → one `feedback` event named after the score (`groundedness`, `user-thumbs`).
 * A numeric or boolean score (1/0) is `measures.value`; a categorical one is `labels.value`.
 * Scores judge, they do not succeed or fail: the outcome is `unknown`.
 */
export function readScore(
  item: IngestionItem,
  trace: TraceContext | undefined,
): NormalisedEvent | undefined {
  const r = new BodyReader(item.body, item.bodyAt);
  const name = r.text('name');
  if (name === undefined && !r.bad) {
    item.bodyAt.child('name').error('is required: the score name, such as "groundedness".');
    r.bad = true;
  }
  const time = r.time('timestamp');
  const measures: Record<string, number> = {};
  const labels: Record<string, string> = { langfuse_type: item.type };
  const value = getOwn(item.body, 'value');
  if (typeof value === 'number' && Number.isFinite(value)) measures.value = value;
  else if (typeof value === 'boolean') measures.value = value ? 1 : 0;
  else if (typeof value === 'string' && value !== '') labels.value = labelText(value, 256);
  else {
    item.bodyAt
      .child('value')
      .error(
        value === undefined || value === null
          ? 'is required: the score, a number (NUMERIC, BOOLEAN as 1/0) or a string (CATEGORICAL).'
          : `must be a number or a string; got ${got(value)}.`,
      );
    r.bad = true;
  }
  const dataType = r.text('dataType');
  if (dataType !== undefined && !DATA_TYPES.includes(dataType)) {
    item.bodyAt
      .child('dataType')
      .error(`must be "NUMERIC", "CATEGORICAL" or "BOOLEAN"; got ${got(dataType)}.`);
    r.bad = true;
  } else if (dataType !== undefined) labels.data_type = dataType;
  const entity: Entity = {};
  const session = r.text('sessionId');
  if (session !== undefined) entity.session = session;
  const fields: [string, string][] = [
    ['traceId', 'trace_id'],
    ['observationId', 'observation_id'],
    ['id', 'score_id'],
    ['source', 'score_source'],
    ['environment', 'environment'],
    ['configId', 'config_id'],
  ];
  for (const [key, label] of fields) {
    const text = r.text(key);
    if (text !== undefined) labels[label] = text;
  }
  const comment = r.text('comment');
  if (comment !== undefined) labels.comment = labelText(comment);
  if (r.bad || name === undefined) return undefined;
  applyTraceContext(trace, entity, labels);
  return {
    id: item.id,
    time: time ?? item.time,
    kind: 'feedback',
    name,
    severity: 'info',
    outcome: 'unknown',
    entity,
    measures,
    labels,
    raw: rawItem(item),
  };
}
