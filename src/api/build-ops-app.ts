import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { PrincipalDirectory } from '../config/principals.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { registerAuth } from './auth.js';
import type { ReadinessCheck } from './deps.js';
import { frameworkErrors, registerErrorHandler } from './error-handler.js';
import { registerRequestLog } from './request-log.js';
import { operationRoutes } from './routes/operations.js';
import { registerSharedSchemas } from './schemas.js';
import { refuseWhileClosing } from './closing.js';
import { apiSchemaController } from './validation.js';

export interface OpsDeps {
  readonly principals: PrincipalDirectory;
  readonly metrics: Metrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly logger: Logger;
}

/**
 * A process without the API role (a correlator, runner or worker on its own) still needs
 * probes for its orchestrator and a /metrics to scrape: this serves those and nothing else,
 * on CORDON_OPS_PORT, with the same authentication as the API.
 */
export async function buildOpsApp(deps: OpsDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.logger.child({ domain: 'ops' });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 1024,
    requestTimeout: 10_000,
    // Refused in Cordon's shape instead (closing.ts).
    return503OnClosing: false,
    schemaController: apiSchemaController(),
    frameworkErrors,
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Cordon operations', version: '1', description: 'Probes and metrics.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  refuseWhileClosing(app);
  registerRequestLog(app);
  registerAuth(app, deps.principals);
  registerErrorHandler(app, deps.logger, deps.metrics);
  registerSharedSchemas(app);
  await app.register(operationRoutes, deps);
  return app;
}
