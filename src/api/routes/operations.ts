import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';

/** Probes (public, reveal nothing), Prometheus metrics and the OpenAPI document. */
export const operationRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness: the process is serving',
        tags: ['operations'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        summary: 'Readiness: Redis answers and every role of this process is running',
        tags: ['operations'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              checks: { type: 'object', additionalProperties: { type: 'boolean' } },
            },
          },
          503: {
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
      schema: { summary: 'Prometheus metrics of this process', tags: ['operations'] },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4').send(deps.metrics.render()),
  );

  app.get('/docs', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/docs/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
