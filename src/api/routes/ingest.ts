import type { FastifyPluginAsync } from 'fastify';
import {
  admitSource,
  declareIngestSeries,
  verifySignature,
  withIngestRetryAfter,
} from '../ingest-admission.js';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { registerIngestBodyParser } from '../ingest-body.js';
import { errorResponses, named } from '../schemas.js';
import { CordonError } from '../../shared/errors.js';
import { flattenHeaders } from '../../ingest/ingest-service.js';

/**
 * POST /v1/ingest/{source}. Bodies are taken raw (any content type, up to the size limit) so
 * the source's normaliser can report exact positions and the dead-letter store keeps the
 * bytes as they arrived.
 */
export const ingestRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  // Present at zero from the start, one series per configured source (never per request).
  declareIngestSeries(deps);
  app.decorateRequest('pendingSignature', null);
  registerIngestBodyParser(app, deps);

  app.post<{ Params: { source: string }; Querystring: { ids?: boolean } }>(
    '/v1/ingest/:source',
    {
      config: { roles: ['ingest'], senderAuth: true },
      // Source and scope are checked before the body is read: a principal cannot make the
      // server take in megabytes for a source it may not use (or that does not exist).
      onRequest: async (request, reply) => {
        admitSource(deps, request, reply, request.params.source);
      },
      preHandler: async (request) => {
        verifySignature(deps, request, bodyOf(request.body));
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
              rejected: {
                description:
                  'Items of the batch refused while the rest went in (each by index, with why); kept together as dead letter deadLetterId.',
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    index: { type: 'integer' },
                    errors: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: { path: { type: 'string' }, reason: { type: 'string' } },
                      },
                    },
                  },
                },
              },
              deadLetterId: { type: 'string' },
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
      const outcome = await withIngestRetryAfter(reply, () =>
        deps.ingest.ingest(
          source,
          {
            body: bodyOf(request.body),
            contentType: request.headers['content-type'],
            headers: request.headers,
          },
          principal.id,
        ),
      );
      const { events, warnings, rejected, deadLetterId, ...counts } = outcome;
      return reply.status(202).send({
        ...counts,
        ...(request.query.ids ? { events } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(rejected.length > 0 ? { rejected, deadLetterId } : {}),
      });
    },
  );
};

/**
 * GET /v1/ingest/{source}: a sender's handshake (Okta's one-time verification), answered by
 * the source's kind after the same authentication as a delivery.
 */
export const ingestHandshakeRoute: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get<{ Params: { source: string } }>(
    '/v1/ingest/:source',
    {
      config: { roles: ['ingest'], senderAuth: true },
      onRequest: async (request, reply) => {
        admitSource(deps, request, reply, request.params.source);
        if (request.pendingSignature)
          throw new CordonError(
            'CORDON_ERR_API_UNAUTHENTICATED',
            `Source "${request.params.source}" authenticates by body signature, which a GET cannot carry; use a credential from its connector's auth.`,
          );
      },
      schema: {
        operationId: 'ingestHandshake',
        summary: "Answer a sender's verification handshake",
        description:
          "Some senders verify an endpoint before delivering (Okta event hooks send a one-time challenge). The source's kind answers; sources without a handshake answer 404.",
        tags: ['ingest'],
        params: {
          type: 'object',
          required: ['source'],
          properties: { source: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } },
        },
        response: {
          200: {
            description: "The kind's answer (Okta: { verification }).",
            type: 'object',
            additionalProperties: true,
          },
          ...errorResponses,
          404: named('Error', 'No such source, or its kind has no handshake.'),
        },
      },
    },
    async (request, reply) => {
      const info = deps.ingest.source(request.params.source);
      const kind = info ? deps.ingest.kindOf(info) : undefined;
      const answer = kind?.handshake?.(
        {
          method: 'GET',
          headers: flattenHeaders(request.headers),
          query: Object.fromEntries(
            Object.entries((request.query ?? {}) as Record<string, unknown>).map(([k, v]) => [
              k,
              typeof v === 'string' ? v : undefined,
            ]),
          ),
        },
        info?.options,
      );
      if (!answer)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `Source "${request.params.source}" (${info?.type ?? 'unknown'}) has no handshake to answer; senders POST events to this URL.`,
        );
      for (const [name, value] of Object.entries(answer.headers ?? {}))
        void reply.header(name, value);
      return reply.status(answer.status).send(answer.body);
    },
  );
};

function bodyOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
