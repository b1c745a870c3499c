import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { snakeCaseKey } from '../monitors-common/label-key.js';
import type { MetricSample } from './metric-line.js';

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/** Dimension names (any spelling) that are entity fields rather than labels. */
const ENTITY_DIMENSIONS: Readonly<Record<string, 'model' | 'model_version' | 'host'>> = {
  modelname: 'model',
  model: 'model',
  modelversion: 'model_version',
  version: 'model_version',
  hostname: 'host',
};

/** Unit spellings vary by version (`Milliseconds` vs `ms`); these convert to ms. */
const TO_MS: Readonly<Record<string, (value: number) => number>> = {
  milliseconds: (v) => v,
  ms: (v) => v,
  microseconds: (v) => v / 1000,
  us: (v) => v / 1000,
  seconds: (v) => v * 1000,
  s: (v) => v * 1000,
};

/** Latency metrics worth a canonical measure, so rules need not know TorchServe's names. */
const LATENCY: Readonly<Record<string, 'latency_ms' | 'queue_ms'>> = {
  ts_inference_latency_microseconds: 'latency_ms',
  ts_queue_latency_microseconds: 'queue_ms',
  predictiontime: 'latency_ms',
  handlertime: 'latency_ms',
  queuetime: 'queue_ms',
};

/**
 * A `metric` event: `measures.value` as logged (in `labels.unit`), plus `latency_ms` /
 * `queue_ms` in milliseconds for the latency metrics. Dimensions go to entity.model,
 * model_version and host where they name those, else to snake_case labels.
 */
export function metricEvent(sample: MetricSample, log: string): Draft {
  const entity: Entity = {};
  const labels: Record<string, string> = { unit: sample.unit, log };
  for (const [name, value] of sample.dimensions) {
    const field = ENTITY_DIMENSIONS[name.toLowerCase().replace(/[^a-z]/g, '')];
    if (field !== undefined && value !== '') entity[field] = value;
    else labels[snakeCaseKey(name)] = value;
  }
  if (sample.host !== undefined && sample.host !== '') entity.host = sample.host;
  if (sample.requestId !== undefined && sample.requestId !== '')
    labels.request_id = sample.requestId;
  if (sample.type !== undefined) labels.metric_type = sample.type;
  const measures: Record<string, number> = { value: sample.value };
  const latency = LATENCY[sample.name.toLowerCase()];
  const toMs = TO_MS[sample.unit.toLowerCase()];
  // Rounded to the nanosecond: 41873.512 / 1000 is 41.873512000000005 in floating point.
  if (latency !== undefined && toMs !== undefined)
    measures[latency] = Math.round(toMs(sample.value) * 1e6) / 1e6;
  return {
    kind: 'metric',
    name: sample.name,
    severity: 'info',
    outcome: 'unknown',
    entity,
    measures,
    labels,
  };
}
