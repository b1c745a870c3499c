import type { FastifyPluginAsync } from 'fastify';
import { decodeCursor, encodeCursor } from '../../actions/containment.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, limitQuery } from '../schemas.js';

const holderSchema = {
  type: 'object',
  properties: {
    run: {
      type: 'string',
      description:
        'The run that placed it (the built-in limiter: whoever set it, a run id or a principal).',
    },
    runStatus: {
      type: 'string',
      description: "That run's status now ('unknown': gone, or no run).",
    },
    effect: { type: 'string' },
    at: { type: 'integer' },
    expiresAt: {
      type: ['integer', 'null'],
      description:
        "When this holder lets go by itself: the earlier of the limiter's expiry of its limit and the undo its run scheduled (`expires`; past when that undo is overdue); null: only an undo or a release.",
    },
    undo: {
      type: ['string', 'null'],
      description:
        "Its entry in the run's undo book: 'applied', 'undoing', 'undo-failed' (the undo failed after its retries and left it in force: POST /v1/runs/{id}/retry-undo), or null (no undo declared, or no run).",
    },
  },
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    connector: {
      type: ['string', 'null'],
      description: "The connector instance holding it; null: Cordon's built-in limiter.",
    },
    type: { type: 'string', description: "The connector type ('builtin-limiter', 'kong', …)." },
    kind: {
      type: 'string',
      description:
        "The limiter's mode ('throttle', 'block') or the kind of containment held ('ratelimit', 'key', 'access').",
    },
    key: { type: 'string' },
    at: {
      type: 'integer',
      description:
        'When containment was last placed on it (epoch ms; a hold, or a limit): the order of the list.',
    },
    expiresAt: {
      type: ['integer', 'null'],
      description:
        'When the target is free by itself (the last holder to let go); null: a holder never expires.',
    },
    holders: {
      type: 'array',
      description: 'Newest first; the first is in force, the others take over as it goes.',
      items: holderSchema,
    },
    detail: { type: 'string', description: 'The API path with everything on the target.' },
  },
} as const;

/**
 * What Cordon keeps contained now, as a SOC asks before a shift hands over: every key its
 * limiter throttles or blocks and every target runs hold on an outbound gateway, who holds
 * each and when it lifts.
 */
export const containmentRoutes: FastifyPluginAsync<Pick<ApiDeps, 'containment' | 'clock'>> = async (
  app,
  deps,
) => {
  app.get<{ Querystring: { connector?: string; limit: number; cursor?: string } }>(
    '/v1/containment',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listContainment',
        summary:
          "Everything contained now: the built-in limiter's keys and the outbound gateways' held targets, newest first",
        tags: ['connectors'],
        querystring: {
          type: 'object',
          properties: {
            connector: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description:
                "Only this connector's: an outbound gateway's held targets, or (a builtin-limiter connector) the limiter's keys.",
            },
            limit: limitQuery,
            cursor: {
              type: 'string',
              minLength: 1,
              maxLength: 2048,
              description: 'The `next` of the page before.',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description:
              'A page, newest first. A page may hold fewer than `limit` items, none even (lifted containment is skipped, at most 10 index entries looked at per item asked for): follow `next` until it is null. A target contained again while you page moves to the top (ask again from the first page to see it).',
            type: 'object',
            properties: {
              items: { type: 'array', items: itemSchema },
              next: { type: ['string', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { connector, limit, cursor } = request.query;
      const page = await deps.containment.page(
        {
          limit,
          ...(connector !== undefined ? { connector } : {}),
          ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}),
        },
        deps.clock.now(),
      );
      return { items: page.items, next: page.next ? encodeCursor(page.next) : null };
    },
  );
};
