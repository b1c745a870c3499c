import type { FastifyPluginAsync } from 'fastify';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, named, openObject } from '../schemas.js';

const decisionSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    decision: { type: 'string', enum: ['allow', 'throttle', 'block'] },
    limit: { type: 'integer' },
    remaining: { type: 'integer' },
    resetMs: { type: 'integer' },
    expiresAt: { type: 'integer' },
  },
} as const;

/**
 * The built-in limiter's decision endpoint, asked by a gateway before each request:
 * 200 allow, 429 throttled (Retry-After), 403 blocked. `style=nginx` answers 403 for throttling
 * too, because nginx auth_request turns any status but 2xx/401/403 into a 500; the
 * X-Cordon-Decision header still says which it was.
 */
export const limiterRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'LimiterDecision', ...decisionSchema });
  app.get<{ Querystring: { key: string; style?: 'standard' | 'nginx' } }>(
    '/v1/limiter/check',
    {
      config: { roles: ['gateway'], unmetered: true },
      schema: {
        operationId: 'checkLimiter',
        summary: 'Count one request for a key and decide: 200 allow, 429 throttled, 403 blocked',
        tags: ['limiter'],
        querystring: {
          type: 'object',
          required: ['key'],
          properties: {
            key: { type: 'string', minLength: 1, maxLength: 512 },
            style: { type: 'string', enum: ['standard', 'nginx'], default: 'standard' },
          },
          additionalProperties: false,
        },
        response: {
          200: named('LimiterDecision', 'Allowed: the request counts against the key.'),
          // 403 is a block decision, or the caller lacking the gateway role (an error body).
          403: {
            description:
              'Blocked (a decision; with style=nginx, also throttled), or the caller lacks the gateway role (an error).',
            anyOf: [{ $ref: 'Error#' }, { $ref: 'LimiterDecision#' }],
          },
          429: named('LimiterDecision', 'Throttled: retry after the Retry-After header (seconds).'),
          401: errorResponses[401],
          400: errorResponses[400],
        },
      },
    },
    async (request, reply) => {
      const { key, style } = request.query;
      const now = deps.clock.now();
      const d = await deps.limiter.check(key, now);
      void reply.header('X-Cordon-Decision', d.decision);
      if (d.limit !== undefined) {
        void reply.header('X-RateLimit-Limit', String(d.limit));
        void reply.header('X-RateLimit-Remaining', String(d.remaining ?? 0));
      }
      deps.metrics.inc(
        'cordon_limiter_decisions_total',
        'Gateway decisions by the built-in limiter.',
        { decision: d.decision },
      );
      if (d.decision === 'allow') return reply.status(200).send({ key, ...d });
      if (d.decision === 'throttle') {
        void reply.header(
          'Retry-After',
          String(Math.max(1, Math.ceil((d.resetMs ?? 1000) / 1000))),
        );
        return reply.status(style === 'nginx' ? 403 : 429).send({ key, ...d });
      }
      return reply.status(403).send({ key, ...d });
    },
  );

  app.get<{ Params: { key: string } }>(
    '/v1/limiter/keys/:key',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'getLimiterKey',
        summary: 'The limit on a key (if any) and every set/clear ever applied to it',
        tags: ['limiter'],
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', minLength: 1, maxLength: 512 } },
        },
        response: {
          200: {
            description: 'The active limit on the key (null if none) and its history.',
            type: 'object',
            properties: {
              key: { type: 'string' },
              rule: { anyOf: [{ type: 'null' }, openObject] },
              history: { type: 'array', items: openObject },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { key } = request.params;
      const [rule, history] = await Promise.all([
        deps.limiter.rule(key),
        deps.limiter.history(key),
      ]);
      const active =
        rule && (rule.expiresAt === 0 || rule.expiresAt > deps.clock.now()) ? rule : null;
      return { key, rule: active, history };
    },
  );
};
