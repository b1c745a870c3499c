/**
 * WhyLabs notifications completed from the WhyLabs API (a local fake of the analyzer-results
 * query): what the notification lacks (column, drift value, threshold, anomaly count) is added;
 * every failure (bad key, timeout, unreachable API, no key set, a notification without ids)
 * still accepts the event, labelled with why enrichment did not happen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import { DEFAULT_KEEP_POLICY } from '../../../src/ingest/keep-policy.js';
import { whylabsKind } from '../../../src/ingest/sources/whylabs/index.js';
import type { WhylabsOptions } from '../../../src/ingest/sources/whylabs/options.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { DeadLetterStore } from '../../../src/store/dead-letters.js';
import { EventLog } from '../../../src/store/event-log.js';
import { whylabsFake } from '../../../src/demo/fakes/whylabs.js';
import { useStoreRedis } from '../store/store-helpers.js';

const env = useStoreRedis('whylabs-enrich');
const KEY = 'wl-test-key-0123';
const RESULTS = [
  {
    orgId: 'org-5Hsdjx',
    datasetId: 'model-12',
    runId: 'run-1',
    monitorIds: ['drift-monitor-x7k2'],
    column: 'prompt_topic',
    analyzerId: 'drift-analyzer-x7k2',
    analyzerType: 'drift',
    metric: 'frequent_items',
    algorithm: 'hellinger',
    anomalyCount: 1,
    drift_metricValue: 0.71,
    drift_threshold: 0.5,
    datasetTimestamp: 1_718_035_200_000,
  },
  {
    orgId: 'org-5Hsdjx',
    datasetId: 'model-12',
    runId: 'run-1',
    monitorIds: ['drift-monitor-x7k2'],
    column: 'response_length',
    analyzerType: 'drift',
    anomalyCount: 2,
    drift_metricValue: 0.55,
    drift_threshold: 0.5,
  },
  { orgId: 'org-5Hsdjx', datasetId: 'model-12', runId: 'run-1', column: 'ok', anomalyCount: 0 },
];
const fake = whylabsFake(KEY, RESULTS);
let url = '';
beforeAll(async () => {
  url = await fake.start();
});
afterAll(async () => {
  await fake.stop();
});

const TEMPLATE = Buffer.from(
  JSON.stringify({
    org_id: 'org-5Hsdjx',
    dataset_id: 'model-12',
    monitor_id: 'drift-monitor-x7k2',
    monitor_name: 'Drift on prompt topics',
    run_id: 'run-1',
  }),
);

async function deliver(
  options: WhylabsOptions,
  body: Buffer,
  secrets: Record<string, string> = { WHYLABS_API_KEY: KEY },
) {
  const keys = env.fresh('s');
  const log = new EventLog(env.t.redis, keys);
  const service = new IngestService({
    sources: new Map([['wl', { name: 'wl', type: 'whylabs', options, keep: DEFAULT_KEEP_POLICY }]]),
    log,
    deadLetters: new DeadLetterStore(env.t.redis, keys, {
      maxEntries: 10,
      bodyLimitBytes: 1024,
      maxBytes: 1 << 20,
      maxAgeMs: 86_400_000,
    }),
    clock: new ManualClock(Date.now()),
    metrics: new Metrics(),
    logger: createLogger('silent'),
    dedupeWindowMs: 86_400_000,
    secrets: {
      env: secrets,
      readFile: () => {
        throw new Error('no file');
      },
    },
  });
  const outcome = await service.ingest('wl', { body, contentType: 'application/json' }, 'test');
  expect(outcome.accepted).toBe(1);
  const stored = await log.get('wl', outcome.events[0]!.id);
  return stored!.event;
}

function options(overrides: Partial<NonNullable<WhylabsOptions['enrich']>> = {}): WhylabsOptions {
  const report = (path: readonly (string | number)[], reason: string) => {
    throw new Error(`${path.join('.')}: ${reason}`);
  };
  const compiled = whylabsKind.options!.compile(
    { enrich: { url, api_key: { env: 'WHYLABS_API_KEY' }, timeout_ms: 1_000 } },
    report,
  )!;
  return { enrich: { ...compiled.enrich!, ...overrides } };
}

describe('WhyLabs notifications enriched from the WhyLabs API', () => {
  it('adds the anomalous columns, the largest drift with its threshold and the anomaly count', async () => {
    const event = await deliver(options(), TEMPLATE);
    expect(event.labels).toMatchObject({
      whylabs_enrichment: 'ok',
      columns: 'prompt_topic,response_length',
      analyzer_type: 'drift',
      metric: 'frequent_items',
      algorithm: 'hellinger',
    });
    expect(event.entity).toMatchObject({ model: 'model-12', feature: 'prompt_topic' });
    expect(event.measures).toMatchObject({
      drift_score: 0.71,
      drift_threshold: 0.5,
      anomaly_count: 3,
      analyzer_results: 2,
    });
    const call = fake.calls('POST').at(-1)!;
    expect(call.path).toBe('/v0/organizations/org-5Hsdjx/analysis/analyzer-results');
    expect(call.json).toMatchObject({
      datasetIds: ['model-12'],
      runIds: ['run-1'],
      onlyAnomalies: true,
    });
  });

  it('accepts the event labelled failed on a refused key, without the key anywhere', async () => {
    const event = await deliver(options(), TEMPLATE, { WHYLABS_API_KEY: 'wrong-key-9999' });
    expect(event.labels.whylabs_enrichment).toBe('failed');
    expect(event.labels.whylabs_enrichment_error).toBe('the WhyLabs API answered HTTP 401');
    expect(event.measures.drift_score).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('wrong-key-9999');
  });

  it('accepts the event labelled failed when the API does not answer in time', async () => {
    fake.delayNext(3_000);
    const event = await deliver(options({ timeoutMs: 200 }), TEMPLATE);
    expect(event.labels).toMatchObject({
      whylabs_enrichment: 'failed',
      whylabs_enrichment_error: 'the WhyLabs API did not answer within 200 ms',
    });
  });

  it('accepts the event labelled failed when the API cannot be reached or no key is set', async () => {
    const down = await deliver(options({ url: 'http://127.0.0.1:9' }), TEMPLATE);
    expect(down.labels.whylabs_enrichment).toBe('failed');
    expect(down.labels.whylabs_enrichment_error).toMatch(/could not be reached/);
    const keyless = await deliver(options(), TEMPLATE, {});
    expect(keyless.labels.whylabs_enrichment_error).toBe(
      'no API key: environment variable WHYLABS_API_KEY is not set',
    );
  });

  it('skips a default-body notification, which names no org or dataset', async () => {
    const event = await deliver(
      options(),
      Buffer.from('{"monitorId":"drift-monitor-x7k2","monitorName":"Drift"}'),
    );
    expect(event.labels.whylabs_enrichment).toBe('skipped');
    expect(event.labels.whylabs_enrichment_error).toMatch(/<\[\[run-id\]\]>/);
  });

  it('refuses an inline API key and a plain-http remote URL in the connector', () => {
    const reports: string[] = [];
    const report = (path: readonly (string | number)[], reason: string) =>
      reports.push(`${path.join('.')}: ${reason}`);
    expect(
      whylabsKind.options!.compile(
        { enrich: { api_key: 'wl-inline', url: 'http://api.whylabsapp.com' } },
        report,
      ),
    ).toBeUndefined();
    expect(reports).toEqual([
      expect.stringMatching(/^enrich\.url: must be the WhyLabs API's https URL/),
      expect.stringMatching(/^enrich\.api_key: is never written inline/),
    ]);
  });
});
