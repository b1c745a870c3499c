import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Sample } from './exposition.js';
import { seriesKey } from './exposition.js';
import type { CounterField } from './triton-series.js';
import { gaugeUnit } from './triton-series.js';

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/** Counter increases of one model (and version, and instance) over one scrape interval. */
export interface ModelDeltas {
  readonly model: string;
  readonly version: string | undefined;
  readonly instance: string | undefined;
  readonly deltas: Partial<Record<CounterField, number>>;
  /** Cumulative values now, kept in raw. */
  readonly totals: Partial<Record<CounterField, number>>;
  /** Summary quantiles in ms (`latency_p99_ms`), as Triton reports them for its recent window. */
  readonly quantiles: Record<string, number>;
}

function ratio(numerator: number | undefined, denominator: number, scale = 1): number | undefined {
  return numerator === undefined || denominator <= 0 ? undefined : numerator / denominator / scale;
}

/** Rounded to the nanosecond, so averages of µs counters stay readable. */
function ms(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 1e6) / 1e6;
}

/**
 * One `metric` event per model per scrape: request, failure and inference counts over the
 * interval, average request latency and queue time per request (Δduration_us / Δrequests /
 * 1000), compute times per inference (ingest-formats §10), and the failure ratio.
 */
export function modelEvent(
  model: ModelDeltas,
  intervalMs: number | undefined,
  scrape: string,
): Draft & { id: string } {
  const d = model.deltas;
  const success = d.success ?? 0;
  const failure = d.failure ?? 0;
  const requests = success + failure;
  const inferences = d.inferences ?? 0;
  const values: Record<string, number | undefined> = {
    count: d.success === undefined && d.failure === undefined ? undefined : requests,
    success_count: d.success,
    failure_count: d.failure,
    inference_count: d.inferences,
    execution_count: d.executions,
    latency_ms: ms(ratio(d.request_us, requests, 1000)),
    queue_ms: ms(ratio(d.queue_us, requests, 1000)),
    compute_input_ms: ms(ratio(d.compute_input_us, inferences, 1000)),
    compute_infer_ms: ms(ratio(d.compute_infer_us, inferences, 1000)),
    compute_output_ms: ms(ratio(d.compute_output_us, inferences, 1000)),
    failure_ratio: ratio(d.failure, requests),
    cache_hits: d.cache_hits,
    cache_misses: d.cache_misses,
    interval_ms: intervalMs,
  };
  const measures: Record<string, number> = {};
  for (const [key, value] of Object.entries({ ...values, ...model.quantiles }))
    if (value !== undefined && Number.isFinite(value)) measures[key] = value;
  const entity: Entity = { model: model.model };
  if (model.version !== undefined) entity.model_version = model.version;
  if (model.instance !== undefined) entity.host = model.instance;
  return {
    id: prefixedHashId(
      'triton',
      `${scrape}|model|${model.model}|${model.version ?? ''}|${model.instance ?? ''}`,
    ),
    kind: 'metric',
    name: 'triton_model_stats',
    severity: failure > 0 ? 'low' : 'info',
    outcome: failure > 0 ? 'failure' : requests > 0 ? 'success' : 'unknown',
    entity,
    measures,
    labels: {},
    raw: { deltas: model.deltas, totals: model.totals },
  };
}

/** A gauge (GPU, CPU, pending requests) as it is now: `measures.value`, labels as sent. */
export function gaugeEvent(sample: Sample, scrape: string): Draft & { id: string } {
  const entity: Entity = {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(sample.labels)) {
    if (key === 'model') entity.model = value;
    else if (key === 'version') entity.model_version = value;
    else if (key === 'instance') entity.host = value;
    else labels[key] = value;
  }
  const unit = gaugeUnit(sample.name);
  if (unit !== undefined) labels.unit = unit;
  return {
    id: prefixedHashId('triton', `${scrape}|gauge|${seriesKey(sample.name, sample.labels)}`),
    kind: 'metric',
    name: sample.name,
    severity: 'info',
    outcome: 'unknown',
    entity,
    measures: { value: sample.value },
    labels,
    raw: { name: sample.name, labels: sample.labels, value: sample.value },
  };
}
