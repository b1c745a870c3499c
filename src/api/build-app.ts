import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './deps.js';
import { registerErrorHandler } from './error-handler.js';
import { registerRequestLog } from './request-log.js';
import { approvalRoutes } from './routes/approvals.js';
import { incidentRoutes } from './routes/incidents.js';
import { ingestRoutes } from './routes/ingest.js';
import { limiterRoutes } from './routes/limiter.js';
import { operationRoutes } from './routes/operations.js';
import { recordRoutes } from './routes/records.js';
import { runRoutes } from './routes/runs.js';

/**
 * Builds the HTTP API without listening (tests drive it with `inject()`; main listens).
 * Every route declares schemas; the OpenAPI document is served at /docs.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance keeps Fastify's default generic parameters.
  const logger: FastifyBaseLogger = deps.logger.child({ domain: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    // Bodies other than ingest are small JSON documents.
    bodyLimit: 64 * 1024,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
      },
    },
    return503OnClosing: true,
    // Fastify's request lines log URLs verbatim, secrets and all: request-log.ts logs instead.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cordon API',
        version: '1',
        description:
          'Ingest, correlation incidents, playbook runs, approvals and the built-in limiter.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  registerRequestLog(app);
  registerAuth(app, deps.principals);
  registerErrorHandler(app, deps.logger, deps.metrics, (name) => !!deps.ingest.source(name));
  await app.register(ingestRoutes, deps);
  await app.register(incidentRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(approvalRoutes, deps);
  await app.register(limiterRoutes, deps);
  await app.register(recordRoutes, deps);
  await app.register(operationRoutes, deps);
  return app;
}
