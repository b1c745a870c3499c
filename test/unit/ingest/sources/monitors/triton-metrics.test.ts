import { describe, expect, it } from 'vitest';
import { tritonMetricsKind } from '../../../../../src/ingest/sources/triton-metrics/index.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';
import { errorsOf, expectErrorsAt } from './error-checks.js';

const first = fixtureBytes('samples/ingest/triton-metrics.prom').toString('utf8');

/** The sample one minute later: fraud-scorer served 1000 more requests, 10 of them failed. */
const second = first
  .replace(
    'nv_inference_request_success{model="fraud-scorer",version="3"} 182331',
    'nv_inference_request_success{model="fraud-scorer",version="3"} 183321',
  )
  .replace(
    'nv_inference_request_failure{model="fraud-scorer",version="3"} 417',
    'nv_inference_request_failure{model="fraud-scorer",version="3"} 427',
  )
  .replace(
    'nv_inference_count{model="fraud-scorer",version="3"} 1458648',
    'nv_inference_count{model="fraud-scorer",version="3"} 1466648',
  )
  .replace(
    'nv_inference_exec_count{model="fraud-scorer",version="3"} 45582',
    'nv_inference_exec_count{model="fraud-scorer",version="3"} 45832',
  )
  .replace(
    'nv_inference_request_duration_us{model="fraud-scorer",version="3"} 7712093881',
    'nv_inference_request_duration_us{model="fraud-scorer",version="3"} 7754093881',
  )
  .replace(
    'nv_inference_queue_duration_us{model="fraud-scorer",version="3"} 310229114',
    'nv_inference_queue_duration_us{model="fraud-scorer",version="3"} 311729114',
  )
  .replace(
    'nv_inference_compute_infer_duration_us{model="fraud-scorer",version="3"} 6988120447',
    'nv_inference_compute_infer_duration_us{model="fraud-scorer",version="3"} 7020120447',
  )
  .replace(
    'nv_inference_request_success{model="embedder",version="1"} 90412',
    'nv_inference_request_success{model="embedder",version="1"} 90512',
  );

function twoScrapes() {
  let now = SAMPLE_NOW;
  const memory = new LocalSourceMemory(() => now);
  const run = async (body: string, at: number) => {
    now = at;
    return runKind(tritonMetricsKind, body, { memory, now: at });
  };
  return run;
}

describe('triton-metrics: scrapes', () => {
  it('takes the first scrape as the baseline: GPU gauges only, and says so', async () => {
    const result = await twoScrapes()(first, SAMPLE_NOW);
    const events = okEvents(result);
    expectGolden(events, 'triton-metrics/triton-metrics-first-scrape.json');
    expect(events.map((e) => [e.name, e.measures.value])).toEqual([
      ['nv_gpu_utilization', 0.87],
      ['nv_gpu_memory_used_bytes', 74301587456],
    ]);
    expect(events[0]?.labels).toEqual({
      gpu_uuid: 'GPU-6f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8',
      unit: 'ratio',
      'cordon.time_missing': 'true',
    });
    expect(result.ok && result.warnings.some((w) => w.includes('baseline'))).toBe(true);
  });

  it('turns the next scrape into per-model deltas, averages and the failure ratio', async () => {
    const run = twoScrapes();
    await run(first, SAMPLE_NOW);
    const events = okEvents(await run(second, SAMPLE_NOW + 60_000));
    expectGolden(events, 'triton-metrics/triton-metrics-second-scrape.json');
    const fraud = events.find((e) => e.entity.model === 'fraud-scorer');
    expect(fraud).toMatchObject({
      kind: 'metric',
      name: 'triton_model_stats',
      outcome: 'failure',
      entity: { model: 'fraud-scorer', model_version: '3' },
      time: SAMPLE_NOW + 60_000,
    });
    expect(fraud?.measures).toEqual({
      count: 1000,
      success_count: 990,
      failure_count: 10,
      inference_count: 8000,
      execution_count: 250,
      // 42,000,000 µs over 1000 requests; 1,500,000 µs queued; 32,000,000 µs compute over 8000 inferences.
      latency_ms: 42,
      queue_ms: 1.5,
      compute_input_ms: 0,
      compute_infer_ms: 4,
      compute_output_ms: 0,
      failure_ratio: 0.01,
      interval_ms: 60_000,
      // Summary quantiles are Triton's own (recent window), in ms.
      queue_p50_ms: 1.12,
      queue_p99_ms: 19.88,
    });
    const embedder = events.find((e) => e.entity.model === 'embedder');
    expect(embedder?.outcome).toBe('success');
    expect(embedder?.measures).toMatchObject({ count: 100, failure_ratio: 0 });
  });

  it('a resend of the same scrape gets the same ids', async () => {
    const run = twoScrapes();
    await run(first, SAMPLE_NOW);
    const a = okEvents(await run(second, SAMPLE_NOW + 60_000));
    const b = okEvents(await run(second, SAMPLE_NOW + 61_000));
    expect(b.map((e) => e.id).sort()).toEqual(a.map((e) => e.id).sort());
  });

  it('treats a counter that went down as a restart: the current value is the delta, with a warning', async () => {
    const run = twoScrapes();
    await run(first, SAMPLE_NOW);
    const restarted = first.replace(
      'nv_inference_request_success{model="embedder",version="1"} 90412',
      'nv_inference_request_success{model="embedder",version="1"} 12',
    );
    const result = await run(restarted, SAMPLE_NOW + 60_000);
    const embedder = okEvents(result).find((e) => e.entity.model === 'embedder');
    expect(embedder?.measures.success_count).toBe(12);
    expect(result.ok && result.warnings.find((w) => w.includes('went down'))).toContain(
      '/3: line 4: nv_inference_request_success{model="embedder",version="1"} went down from 90412 to 12',
    );
  });
});

describe('triton-metrics: bad exposition', () => {
  it('refuses each bad line by its number and keeps the rest', async () => {
    const body = fixtureBytes('samples/ingest/bad/triton-metrics-bad.prom');
    const result = await runKind(tritonMetricsKind, body);
    // Nothing good is left to record on a baseline scrape with no gauge: refused whole.
    const errors = errorsOf(result);
    expectErrorsAt(errors, {
      '/1': ['line 2: ', 'repeats the series', 'of line 1'],
      '/2': ['line 3: ', 'unquoted value "3"', 'version="3"'],
      '/3': ['line 4: ', 'expected "," or "}"', 'missing comma'],
      '/4': ['line 5: ', 'NaN', 'cannot be recorded'],
      '/6': ['line 7: ', 'cannot be negative', '-5'],
    });
  });

  it('accepts the good lines of a scrape that has some bad ones', async () => {
    const body = `${first}\nnv_gpu_power_usage{gpu_uuid=GPU-1} 250\n`;
    const result = await runKind(tritonMetricsKind, body);
    expect(okEvents(result)).toHaveLength(2);
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([first.split('\n').length]);
    expect(result.ok && result.warnings.length).toBeGreaterThan(0);
  });

  it('warns when a Triton counter is declared a gauge', async () => {
    const body = fixtureBytes('samples/ingest/bad/triton-metrics-bad.prom').toString('utf8');
    const result = await runKind(
      tritonMetricsKind,
      `${body}nv_gpu_utilization{gpu_uuid="GPU-1"} 0.5\n`,
    );
    expect(result.ok && result.warnings).toContain(
      '/5: line 6: declares nv_inference_queue_duration_us a gauge, but Triton documents it as a cumulative counter; it was read as a counter.',
    );
  });

  it('is registered, and never throws on random or truncated bodies', async () => {
    expect(getSourceKind('triton-metrics')).toBe(tritonMetricsKind);
    await fuzzKind(
      tritonMetricsKind,
      ['samples/ingest/triton-metrics.prom', 'samples/ingest/bad/triton-metrics-bad.prom'].map(
        (path) => fixtureBytes(path),
      ),
    );
  });
});
