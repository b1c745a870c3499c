import type { FastifyPluginAsync } from 'fastify';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

/** GET /v1/sources: each source connector with its ingest counters and dead letters. */
export const sourceRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get(
    '/v1/sources',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'listSources',
        summary: 'Source connectors with accepted, duplicate and refused counts',
        description:
          'Counts are kept in Redis (shared by every API process, surviving restarts) since the source first received something.',
        tags: ['sources'],
        response: {
          200: {
            description: 'Every source connector, by name.',
            type: 'object',
            properties: {
              sources: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    type: { type: 'string' },
                    accepted: { type: 'integer' },
                    duplicates: { type: 'integer' },
                    refused: {
                      type: 'integer',
                      description: 'Items refused (a whole refused body counts one).',
                    },
                    lastAcceptedAt: { type: 'integer' },
                    deadLetters: {
                      type: 'integer',
                      description: 'Dead letters ever kept for it (evicted ones included).',
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const names = [...deps.ingest.sourceNames].sort();
      const [counts, deadLetters] = await Promise.all([
        deps.sourceStats.read(names),
        deps.deadLetters.totals(),
      ]);
      return {
        sources: names.map((name) => ({
          name,
          type: deps.ingest.source(name)?.type ?? '',
          ...counts.get(name),
          deadLetters: deadLetters[name] ?? 0,
        })),
      };
    },
  );
};
