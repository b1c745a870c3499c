import type { FastifyPluginAsync } from 'fastify';
import { canIngest } from '../../config/principals.js';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, errorSchema } from '../schemas.js';

/**
 * POST /v1/ingest/{source}. Bodies are taken raw (any content type, up to the size limit) so
 * the source's normaliser can report exact positions and the dead-letter store keeps the
 * bytes as they arrived.
 */
export const ingestRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: deps.ingestBodyLimitBytes },
    (_req, body, done) => {
      done(null, body);
    },
  );

  app.post<{ Params: { source: string } }>(
    '/v1/ingest/:source',
    {
      config: { roles: ['ingest'] },
      // Source and scope are checked before the body is read: a principal cannot make the
      // server take in megabytes for a source it may not use (or that does not exist).
      onRequest: async (request) => {
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
      },
      schema: {
        summary: 'Accept events from a source',
        description:
          "Authenticates, validates and normalises the body with the source's format, then appends the events to the durable log. 202 means every event is durably accepted (or was already).",
        tags: ['ingest'],
        params: {
          type: 'object',
          required: ['source'],
          properties: { source: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } },
        },
        response: {
          202: {
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
          413: errorSchema,
          415: errorSchema,
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
      return reply.status(202).send(outcome);
    },
  );
};
