import { FakeServer, type FakeReply } from './fake-server.js';

/**
 * The WhyLabs API's analyzer-results query (ingest-formats §7, "enrich by pulling analyzer
 * results for the run"): POST /v0/organizations/{org}/analysis/analyzer-results with
 * `X-API-Key` (401 without the right one), a JSON body naming `datasetIds` and `runIds` or
 * `monitorIds`; answered with the AnalyzerResult objects of that dataset and run (or monitor),
 * only anomalies when `onlyAnomalies` is true, at most `limit`.
 */
export function whylabsFake(
  apiKey: string,
  results: readonly Record<string, unknown>[],
): FakeServer {
  return new FakeServer((req): FakeReply => {
    const match = /^\/v0\/organizations\/([^/]+)\/analysis\/analyzer-results$/.exec(req.path);
    if (req.method !== 'POST' || !match) return { status: 404, body: { message: 'Not found' } };
    if (req.headers['x-api-key'] !== apiKey)
      return { status: 401, body: { message: 'Unauthorized' } };
    const body = req.json as {
      datasetIds?: string[];
      runIds?: string[];
      monitorIds?: string[];
      onlyAnomalies?: boolean;
      limit?: number;
    };
    if (!Array.isArray(body?.datasetIds) || body.datasetIds.length === 0)
      return { status: 400, body: { message: 'datasetIds is required' } };
    const org = decodeURIComponent(match[1] ?? '');
    const found = results.filter(
      (r) =>
        r.orgId === org &&
        body.datasetIds?.includes(String(r.datasetId)) &&
        (body.runIds === undefined || body.runIds.includes(String(r.runId))) &&
        (body.monitorIds === undefined ||
          (Array.isArray(r.monitorIds) &&
            r.monitorIds.some((m) => body.monitorIds?.includes(String(m))))) &&
        (body.onlyAnomalies !== true || Number(r.anomalyCount) > 0),
    );
    return { status: 200, body: found.slice(0, body.limit ?? 100) };
  });
}
