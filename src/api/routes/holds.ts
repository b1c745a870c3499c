import type { FastifyPluginAsync } from 'fastify';
import { CordonError } from '../../shared/errors.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

const holdsViewSchema = {
  type: 'object',
  properties: {
    family: { type: 'string' },
    holders: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          effect: { type: 'string' },
          run: { type: 'string' },
          runStatus: {
            type: 'string',
            description:
              "The holder run's status now ('unknown': gone): a cancelled or failed run still holding means its undo failed (POST /v1/runs/{id}/retry-undo).",
          },
          operation: { type: 'string' },
          at: { type: 'integer' },
          place: { type: 'integer' },
        },
      },
    },
    dropped: { type: 'array', items: { type: 'string' } },
    takenBy: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          properties: { effect: { type: 'string' }, until: { type: 'integer' } },
        },
      ],
    },
  },
} as const;

/**
 * Overlapping containment on an outbound gateway, as a person asks of it: which runs keep this
 * Kong consumer (LiteLLM key, API Gateway key) contained, so an undo left it contained.
 */
export const holdsRoutes: FastifyPluginAsync<Pick<ApiDeps, 'holds' | 'clock' | 'runs'>> = async (
  app,
  deps,
) => {
  app.get<{ Params: { name: string; key: string } }>(
    '/v1/connectors/:name/holds/:key',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getConnectorHolds',
        summary: "The runs that hold containment on one target of an outbound gateway's connector",
        tags: ['connectors'],
        params: {
          type: 'object',
          required: ['name', 'key'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            key: { type: 'string', minLength: 1, maxLength: 512 },
          },
        },
        response: {
          200: {
            description:
              'Per kind of containment the connector keeps holds for: who holds the target (newest first), holds a release dropped, and the effect acting on it now.',
            type: 'object',
            properties: {
              connector: { type: 'string' },
              key: { type: 'string' },
              contained: { type: 'boolean' },
              holds: { type: 'array', items: holdsViewSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { name, key } = request.params;
      const families = deps.holds?.families(name);
      if (families === undefined)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `No action connector "${name}" in connectors/. Name one of the connectors your playbooks act through.`,
        );
      if (families.length === 0)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `Connector "${name}" keeps no holds (only the outbound gateways do: kong, litellm-proxy, aws-apigateway); the built-in limiter shows its layers at GET /v1/limiter/keys/<key>.`,
        );
      const views = (await deps.holds?.read(name, families, key, deps.clock.now())) ?? [];
      // Who holds it, and whether that run still goes on (one that ended holding: its undo failed).
      const ids = [...new Set(views.flatMap((v) => v.holders.map((h) => h.run)))];
      const runs = await Promise.all(ids.map(async (id) => (id ? deps.runs.get(id) : undefined)));
      const status = new Map(ids.map((id, i) => [id, runs[i]?.status ?? 'unknown']));
      return {
        connector: name,
        key,
        contained: views.some((v) => v.holders.length > 0),
        holds: views.map((v) => ({
          ...v,
          holders: v.holders.map((h) => ({ ...h, runStatus: status.get(h.run) ?? 'unknown' })),
        })),
      };
    },
  );
};
