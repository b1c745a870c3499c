import type { FastifyInstance } from 'fastify';
import { CORDON_METRICS } from '../shared/metric-families.js';
import type { Metrics } from '../shared/metrics.js';

const INGEST_ROUTE = '/v1/ingest/:source';

/**
 * Request latency histograms (every route by its template; ingest accepts by source), and a
 * newline after every JSON body so `curl` output ends its line.
 */
export function registerResponseHooks(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (
      typeof payload === 'string' &&
      typeof type === 'string' &&
      type.startsWith('application/json')
    )
      return payload.endsWith('\n') ? payload : `${payload}\n`;
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    // Templates only: a path that matched no route is "unmatched", so labels stay bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    const { httpRequests, ingestAccept } = CORDON_METRICS;
    metrics.observe(
      httpRequests.name,
      httpRequests.help,
      { method: request.method, route, status_code: String(reply.statusCode) },
      seconds,
    );
    if (route === INGEST_ROUTE && reply.statusCode === 202) {
      // A 202 names a configured source, so the label is bounded by the connectors.
      const { source } = request.params as { source: string };
      metrics.observe(ingestAccept.name, ingestAccept.help, { source }, seconds);
    }
  });
}
