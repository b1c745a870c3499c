/** Triton's per-model cumulative counters (labels `model`, `version`), by the measure they feed. */
export const MODEL_COUNTERS = {
  nv_inference_request_success: 'success',
  nv_inference_request_failure: 'failure',
  nv_inference_count: 'inferences',
  nv_inference_exec_count: 'executions',
  nv_inference_request_duration_us: 'request_us',
  nv_inference_queue_duration_us: 'queue_us',
  nv_inference_compute_input_duration_us: 'compute_input_us',
  nv_inference_compute_infer_duration_us: 'compute_infer_us',
  nv_inference_compute_output_duration_us: 'compute_output_us',
  nv_cache_num_hits_per_model: 'cache_hits',
  nv_cache_num_misses_per_model: 'cache_misses',
} as const;

export type CounterField = (typeof MODEL_COUNTERS)[keyof typeof MODEL_COUNTERS];

export function counterField(name: string): CounterField | undefined {
  return Object.hasOwn(MODEL_COUNTERS, name)
    ? MODEL_COUNTERS[name as keyof typeof MODEL_COUNTERS]
    : undefined;
}

/** Gauges turned into `metric` events as they are (GPU, CPU, pending requests). */
export function isReportedGauge(name: string, declared: string | undefined): boolean {
  if (name === 'nv_energy_consumption') return false; // a counter of joules since start
  if (/^nv_(gpu|cpu)_/.test(name) || name === 'nv_inference_pending_request_count') return true;
  return declared === 'gauge' && counterField(name) === undefined;
}

/** Units of the gauges Triton documents, for `labels.unit`. */
export function gaugeUnit(name: string): string | undefined {
  if (name.endsWith('_bytes')) return 'bytes';
  if (name === 'nv_gpu_utilization' || name === 'nv_cpu_utilization') return 'ratio';
  if (name.startsWith('nv_gpu_power')) return 'watts';
  if (name === 'nv_inference_pending_request_count') return 'requests';
  return undefined;
}

/** Summary series (`--metrics-config summary_latencies=true`) whose quantiles go on model events. */
const SUMMARIES: Readonly<Record<string, string>> = {
  nv_inference_request_summary_us: 'latency',
  nv_inference_queue_summary_us: 'queue',
  nv_inference_compute_infer_summary_us: 'compute_infer',
};

/**
 * `latency_p99_ms` for `nv_inference_request_summary_us{quantile="0.99"}`: a quantile over
 * Triton's recent window (not cumulative), in ms. Undefined for other series.
 */
export function quantileMeasure(name: string, quantile: string | undefined): string | undefined {
  const base = Object.hasOwn(SUMMARIES, name) ? SUMMARIES[name] : undefined;
  if (base === undefined || quantile === undefined) return undefined;
  const q = Number(quantile);
  if (!Number.isFinite(q) || q <= 0 || q >= 1) return undefined;
  const digits = String(Math.round(q * 1000) / 10).replace('.', '_');
  return `${base}_p${digits}_ms`;
}
