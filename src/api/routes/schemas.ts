import type { FastifyPluginAsync } from 'fastify';
import { SCHEMAS } from '../../schemas/index.js';
import { CordonError } from '../../shared/errors.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, openObject } from '../schemas.js';

/**
 * The JSON Schemas of the YAML languages (the files in schemas/, built from the same code).
 * Not secret, but every endpoint is authenticated: any principal may read them.
 */
export const schemaRoutes: FastifyPluginAsync<ApiDeps> = async (app) => {
  const names = Object.keys(SCHEMAS);
  app.get<{ Params: { name: string } }>(
    '/v1/schemas/:name',
    {
      schema: {
        operationId: 'getSchema',
        summary:
          'A JSON Schema for playbooks, playbook tests, correlations, rule tests or connectors',
        tags: ['content'],
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', pattern: '^[a-z-]{1,40}(\\.schema\\.json)?$' } },
        },
        response: {
          200: { description: 'The JSON Schema (draft 2020-12).', ...openObject },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const name = request.params.name.replace(/\.schema\.json$/, '');
      const build = SCHEMAS[name];
      if (!build)
        throw new CordonError(
          'CORDON_ERR_API_NOT_FOUND',
          `No schema ${request.params.name}; schemas: ${names.join(', ')}.`,
        );
      return reply.type('application/schema+json; charset=utf-8').send(build());
    },
  );
};
