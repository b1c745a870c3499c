import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

/** Probes (public, reveal nothing), Prometheus metrics and the OpenAPI document. */
export const operationRoutes: FastifyPluginAsync<Pick<ApiDeps, 'metrics' | 'readiness'>> = async (
  app,
  deps,
) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process is serving',
        tags: ['operations'],
        security: [],
        response: {
          200: {
            description: 'The process is up.',
            type: 'object',
            properties: { status: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: Redis answers and every role of this process is running',
        tags: ['operations'],
        security: [],
        response: {
          200: {
            description: 'Ready: every check passed.',
            type: 'object',
            properties: {
              status: { type: 'string' },
              checks: { type: 'object', additionalProperties: { type: 'boolean' } },
            },
          },
          503: {
            description: 'Not ready: the checks say which part is not.',
            type: 'object',
            properties: {
              status: { type: 'string' },
              checks: { type: 'object', additionalProperties: { type: 'boolean' } },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        deps.readiness.map(async (c) => [c.name, await c.check().catch(() => false)] as const),
      );
      const checks = Object.fromEntries(results);
      const ready = results.every(([, ok]) => ok);
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );

  app.get(
    '/metrics',
    {
      config: { roles: ['metrics', 'analyst'], withoutRedis: true },
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of this process (see README "Metrics")',
        tags: ['operations'],
        response: {
          200: {
            description: 'The Prometheus text exposition format.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          401: errorResponses[401],
          403: errorResponses[403],
        },
      },
    },
    async (_request, reply) =>
      reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
  );

  app.get('/docs', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/docs/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
