import type { NormalisedEvent } from '../../canonical-event.js';
import { getOwn, isJsonObject } from '../../normalizers/json-values.js';
import type { EnrichContext, EnrichmentOutcome } from '../source-kind.js';
import type { ApiKeyRef, WhylabsOptions } from './options.js';

/** Set on every enriched notification: `ok`, `failed` or `skipped` (then `…_error` says why). */
export const ENRICHMENT_LABEL = 'whylabs_enrichment';
export const ENRICHMENT_ERROR_LABEL = 'whylabs_enrichment_error';

/** Analyzer results read per notification; a run's anomalies beyond this are counted only. */
const MAX_RESULTS = 100;
/** Columns named in `labels.columns`. */
const MAX_COLUMNS = 20;

/**
 * Fills in what a WhyLabs notification never carries (ingest-formats §7: only org, dataset,
 * monitor and run ids are sent) from the WhyLabs API's analyzer results of that run:
 * `POST {url}/v0/organizations/{org}/analysis/analyzer-results` with `X-API-Key`, body
 * `{datasetIds, runIds | monitorIds, onlyAnomalies: true, …}`, answered with AnalyzerResult
 * objects. The event gains the anomalous columns, the largest drift value with its threshold,
 * the anomaly count and the analyzer type. Any failure (no ids, no key, timeout, HTTP error,
 * an answer of another shape) leaves the event as it was, labelled failed or skipped with the
 * reason: the notification is accepted either way.
 */
export async function enrichNotifications(
  events: readonly NormalisedEvent[],
  ctx: EnrichContext<WhylabsOptions>,
): Promise<void> {
  const config = ctx.options.enrich;
  if (config === undefined) return;
  for (const event of events) {
    const outcome = await enrichOne(event, config, ctx);
    event.labels[ENRICHMENT_LABEL] = outcome.status;
    if (outcome.reason !== undefined) event.labels[ENRICHMENT_ERROR_LABEL] = outcome.reason;
  }
}

type Outcome = { status: 'ok' | 'failed' | 'skipped'; reason?: string };

/** What enrichNotifications recorded on a notification (its labels); undefined: it did not run. */
export function notificationEnrichment(event: NormalisedEvent): EnrichmentOutcome | undefined {
  const status = event.labels[ENRICHMENT_LABEL];
  if (status !== 'ok' && status !== 'failed' && status !== 'skipped') return undefined;
  return { status, reason: event.labels[ENRICHMENT_ERROR_LABEL] };
}

async function enrichOne(
  event: NormalisedEvent,
  config: NonNullable<WhylabsOptions['enrich']>,
  ctx: EnrichContext<WhylabsOptions>,
): Promise<Outcome> {
  const { org_id: org, dataset_id: dataset, run_id: run, monitor_id: monitor } = event.labels;
  if (org === undefined || dataset === undefined || (run === undefined && monitor === undefined))
    return {
      status: 'skipped',
      reason:
        'the notification names no org, dataset and run (or monitor): send a body template with <[[org-id]]>, <[[dataset-id]]> and <[[run-id]]>',
    };
  const key = readKey(config.apiKey, ctx.secrets);
  if (key === undefined)
    return {
      status: 'failed',
      reason: `no API key: ${'env' in config.apiKey ? `environment variable ${config.apiKey.env} is not set` : `file ${config.apiKey.file} is missing or empty`}`,
    };
  const body = {
    datasetIds: [dataset],
    ...(run !== undefined ? { runIds: [run] } : { monitorIds: [monitor] }),
    onlyAnomalies: true,
    includeFailures: false,
    // Without a run, the last day's results of the monitor.
    ...(run === undefined
      ? {
          interval: `${new Date(ctx.now - 86_400_000).toISOString()}/${new Date(ctx.now).toISOString()}`,
        }
      : {}),
    limit: MAX_RESULTS,
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs);
  let answer: unknown;
  try {
    const response = await ctx.fetch(
      `${config.url}/v0/organizations/${encodeURIComponent(org)}/analysis/analyzer-results`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-api-key': key,
        },
        body: JSON.stringify(body),
        signal: controller.signal,
        redirect: 'error',
      },
    );
    if (!response.ok) {
      await response.body?.cancel();
      return { status: 'failed', reason: `the WhyLabs API answered HTTP ${response.status}` };
    }
    answer = await response.json();
  } catch (err) {
    return {
      status: 'failed',
      reason: controller.signal.aborted
        ? `the WhyLabs API did not answer within ${config.timeoutMs} ms`
        : `the WhyLabs API could not be reached or answered no JSON (${err instanceof Error ? err.name : 'error'})`,
    };
  } finally {
    clearTimeout(timer);
  }
  const results = Array.isArray(answer)
    ? answer
    : isJsonObject(answer)
      ? getOwn(answer, 'results')
      : undefined;
  if (!Array.isArray(results))
    return {
      status: 'failed',
      reason: 'the WhyLabs API answered with no list of analyzer results',
    };
  applyResults(event, results.slice(0, MAX_RESULTS).filter(isJsonObject));
  return { status: 'ok' };
}

function applyResults(event: NormalisedEvent, results: readonly Record<string, unknown>[]): void {
  const columns: string[] = [];
  let anomalies = 0;
  let top: { value: number; threshold?: number; result: Record<string, unknown> } | undefined;
  for (const r of results) {
    const column = getOwn(r, 'column');
    if (typeof column === 'string' && !columns.includes(column) && columns.length < MAX_COLUMNS)
      columns.push(column);
    const count = getOwn(r, 'anomalyCount');
    if (typeof count === 'number' && Number.isFinite(count)) anomalies += count;
    const value = getOwn(r, 'drift_metricValue');
    if (
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (top === undefined || value > top.value)
    ) {
      const threshold = getOwn(r, 'drift_threshold');
      top = {
        value,
        ...(typeof threshold === 'number' && Number.isFinite(threshold) ? { threshold } : {}),
        result: r,
      };
    }
  }
  event.measures.anomaly_count = anomalies;
  event.measures.analyzer_results = results.length;
  if (columns.length > 0) event.labels.columns = columns.join(',');
  const main = top?.result ?? results[0];
  const feature = main === undefined ? undefined : getOwn(main, 'column');
  if (typeof feature === 'string' && feature !== '') event.entity.feature = feature;
  if (top !== undefined) {
    event.measures.drift_score = top.value;
    if (top.threshold !== undefined) event.measures.drift_threshold = top.threshold;
  }
  for (const [field, label] of [
    ['analyzerType', 'analyzer_type'],
    ['metric', 'metric'],
    ['algorithm', 'algorithm'],
    ['analyzerId', 'analyzer_id'],
  ] as const) {
    const value = main === undefined ? undefined : getOwn(main, field);
    if (typeof value === 'string' && value !== '') event.labels[label] = value;
  }
}

function readKey(ref: ApiKeyRef, secrets: EnrichContext['secrets']): string | undefined {
  let value: string | undefined;
  if ('env' in ref) value = secrets.env[ref.env];
  else {
    try {
      value = secrets.readFile(ref.file).replace(/\r?\n$/, '');
    } catch {
      value = undefined;
    }
  }
  return value === undefined || value === '' ? undefined : value;
}
