import type { FastifyPluginAsync } from 'fastify';
import { canIngest } from '../../config/principals.js';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, named } from '../schemas.js';

/**
 * POST /v1/ingest/{source}. Bodies are taken raw (any content type, up to the size limit) so
 * the source's normaliser can report exact positions and the dead-letter store keeps the
 * bytes as they arrived.
 */
export const ingestRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const backpressureHelp =
    'Ingest requests refused because correlation lagged past CORDON_INGEST_MAX_LAG_ENTRIES.';
  // Present at zero from the start, one series per configured source (never per request).
  for (const source of deps.ingest.sourceNames)
    deps.metrics.inc('cordon_ingest_backpressure_total', backpressureHelp, { source }, 0);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: deps.ingestBodyLimitBytes },
    (_req, body, done) => {
      done(null, body);
    },
  );

  app.post<{ Params: { source: string }; Querystring: { ids?: boolean } }>(
    '/v1/ingest/:source',
    {
      config: { roles: ['ingest'] },
      // Source and scope are checked before the body is read: a principal cannot make the
      // server take in megabytes for a source it may not use (or that does not exist).
      onRequest: async (request, reply) => {
        const principal = principalOf(request);
        const { source } = request.params;
        if (!deps.ingest.source(source)) {
          throw new CordonError(
            'CORDON_ERR_INGEST_UNKNOWN_SOURCE',
            `No source connector is named "${source}". Sources: ${deps.ingest.sourceNames.join(', ') || 'none'}.`,
          );
        }
        if (!canIngest(principal, source)) {
          throw new CordonError(
            'CORDON_ERR_API_FORBIDDEN',
            `Principal "${principal.id}" may not post to source "${source}".`,
          );
        }
        // Backpressure, also before the body is read: a refused sender keeps its events and
        // retries.
        const lag = deps.limits?.backpressure?.exceeded();
        if (lag === undefined) return;
        const retryAfterS = deps.limits?.retryAfterS ?? 5;
        deps.metrics.inc('cordon_ingest_backpressure_total', backpressureHelp, { source });
        void reply.header('Retry-After', String(retryAfterS));
        throw new CordonError(
          'CORDON_ERR_INGEST_BACKPRESSURE',
          `Correlation is ${lag} log entries behind (bound: CORDON_INGEST_MAX_LAG_ENTRIES=${deps.limits?.backpressure?.maxLagEntries ?? 0}); nothing from source "${source}" was accepted. Retry in ${retryAfterS} s.`,
          { details: { source, lagEntries: lag, retryAfterS } },
        );
      },

      schema: {
        operationId: 'ingestEvents',
        summary: 'Accept events from a source',
        description:
          "Authenticates, validates and normalises the body with the source's format, then appends the events to the durable log. 202 means every event is durably accepted (or was already).",
        tags: ['ingest'],
        params: {
          type: 'object',
          required: ['source'],
          properties: { source: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } },
        },
        querystring: {
          type: 'object',
          properties: {
            ids: {
              type: 'boolean',
              default: false,
              description: 'List each event (id, log position, duplicate or not) in the answer.',
            },
          },
        },
        response: {
          202: {
            description:
              'Accepted: counts of new and duplicate events (each event with `?ids=true`; warnings when there are some).',
            type: 'object',
            properties: {
              source: { type: 'string' },
              accepted: { type: 'integer' },
              duplicates: { type: 'integer' },
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    seq: { type: 'string' },
                    duplicate: { type: 'boolean' },
                  },
                },
              },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errorResponses,
          400: named(
            'Error',
            'The body was rejected (kept as a dead letter): each bad field and why.',
          ),
          404: named('Error', 'No source connector has this name.'),
          413: named('Error', 'The body is over CORDON_INGEST_BODY_LIMIT_BYTES; it was not read.'),
          415: named('Error', 'The source does not take this content type.'),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { source } = request.params;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await deps.ingest.ingest(
        source,
        body,
        request.headers['content-type'],
        principal.id,
      );
      const { events, warnings, ...counts } = outcome;
      return reply.status(202).send({
        ...counts,
        ...(request.query.ids ? { events } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      });
    },
  );
};
