import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './deps.js';
import { frameworkErrors, MAX_PARAM_LENGTH, registerErrorHandler } from './error-handler.js';
import { registerResponseHooks } from './response-hooks.js';
import { registerGuards } from './guards.js';
import { registerApiJsonParser } from './json-body.js';
import { registerRequestLog } from './request-log.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditRoutes } from './routes/audit.js';
import { dropInRoutes } from './routes/drop-in.js';
import { incidentRoutes } from './routes/incidents.js';
import { ingestHandshakeRoute, ingestRoutes } from './routes/ingest.js';
import { holdsRoutes } from './routes/holds.js';
import { containmentRoutes } from './routes/containment.js';
import { limiterRoutes } from './routes/limiter.js';
import { operationRoutes } from './routes/operations.js';
import { recordRoutes } from './routes/records.js';
import { playbookRoutes } from './routes/playbooks.js';
import { runRoutes } from './routes/runs.js';
import { schemaRoutes } from './routes/schemas.js';
import { streamRoutes } from './routes/stream.js';
import { ruleRoutes } from './routes/rules.js';
import { sourceRoutes } from './routes/sources.js';
import { whoamiRoutes } from './routes/whoami.js';
import { incidentEventRoutes } from './routes/incident-events.js';
import { registerSharedSchemas } from './schemas.js';
import { refuseWhileClosing } from './closing.js';
import { apiSchemaController } from './validation.js';

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
    // Query strings and path parameters are coerced to their types, bodies never (validation.ts).
    schemaController: apiSchemaController(),
    // Refused in Cordon's shape instead (closing.ts).
    return503OnClosing: false,
    // Path parameters up to the longest a schema takes (a limiter key: 512); the router's own
    // refusals (a longer segment, a URL that does not decode) answer in Cordon's error shape.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    ...httpTimeouts(deps),
    // Fastify's request lines log URLs verbatim, secrets and all: request-log.ts logs instead.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(swagger, {
    // Named schemas appear in the document under their $id.
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
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
  refuseWhileClosing(app);
  registerRequestLog(app);
  registerAuth(app, deps.principals, deps.audit.tokenUse);
  if (deps.limits) registerGuards(app, deps.limits, deps.metrics);
  registerErrorHandler(
    app,
    deps.logger,
    deps.metrics,
    deps.limits?.retryAfterS,
    (name) => !!deps.ingest.source(name),
    deps.ingestBodyLimitBytes,
  );
  registerResponseHooks(app, deps.metrics);
  registerSharedSchemas(app);
  registerApiJsonParser(app);
  await app.register(ingestRoutes, deps);
  await app.register(ingestHandshakeRoute, deps);
  await app.register(dropInRoutes, deps);
  await app.register(incidentRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(playbookRoutes, deps);
  await app.register(schemaRoutes, deps);
  await app.register(approvalRoutes, deps);
  await app.register(limiterRoutes, deps);
  await app.register(holdsRoutes, deps);
  await app.register(containmentRoutes, deps);
  await app.register(recordRoutes, deps);
  await app.register(operationRoutes, deps);
  await app.register(auditRoutes, deps);
  await app.register(streamRoutes, deps);
  await app.register(whoamiRoutes, deps);
  await app.register(ruleRoutes, deps);
  await app.register(sourceRoutes, deps);
  await app.register(incidentEventRoutes, deps);
  return app;
}

/**
 * Slow clients are cut off: headers must arrive within headersTimeoutMs and the whole request
 * within requestTimeoutMs (Node answers 408 and closes), an idle socket closes after
 * idleTimeoutMs. Node checks the first two every connectionsCheckingInterval (30 s by
 * default), so the interval follows the shorter timeout.
 */
function httpTimeouts(deps: ApiDeps): Record<string, unknown> {
  const http = deps.limits?.http;
  if (!http) return {};
  return {
    connectionTimeout: http.idleTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    http: {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(http.headersTimeoutMs / 4)),
      ),
    },
  };
}
