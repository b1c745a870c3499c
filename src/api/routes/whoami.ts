import type { FastifyPluginAsync } from 'fastify';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

/** GET /v1/whoami: who the token is and its roles, so a client shows and enables by role. */
export const whoamiRoutes: FastifyPluginAsync<ApiDeps> = async (app) => {
  app.get(
    '/v1/whoami',
    {
      schema: {
        operationId: 'whoami',
        summary: "The token's principal and roles",
        tags: ['auth'],
        response: {
          200: {
            description: 'The principal.',
            type: 'object',
            required: ['principal', 'roles'],
            properties: {
              principal: { type: 'string' },
              roles: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { principal: principal.id, roles: [...principal.roles] };
    },
  );
};
