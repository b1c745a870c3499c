import type { FastifyInstance } from 'fastify';
import { CordonError } from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';
import type { ApiLimits } from './deps.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers from this process alone (metrics): still served while Redis is away. */
    withoutRedis?: boolean;
    /**
     * Not counted against the principal's request rate: the gateway's per-request limiter
     * check, whose own 429 means "this key is throttled" and must not be confused with ours.
     */
    unmetered?: boolean;
  }
}

/**
 * Checks every authenticated request passes before any body is read (onRequest, after auth):
 * the principal's rate (429), then whether Redis answers (503: refused at once rather than
 * parked until a command times out). Public probes are exempt from both, routes can opt out
 * of either.
 */
export function registerGuards(app: FastifyInstance, limits: ApiLimits, metrics: Metrics): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.public || !request.principal) return;
    const waitMs = config.unmetered ? 0 : (limits.rateLimiter?.take(request.principal.id) ?? 0);
    if (waitMs > 0) {
      // Principals come from the tokens file and source connectors: a bounded label set.
      metrics.inc(
        'cordon_api_rate_limited_total',
        'Requests refused with 429 because the principal was over CORDON_API_RATE_PER_S.',
        { principal: request.principal.id },
      );
      const seconds = Math.ceil(waitMs / 1000);
      void reply.header('Retry-After', String(seconds));
      throw new CordonError(
        'CORDON_ERR_API_RATE_LIMITED',
        `Principal "${request.principal.id}" is over its request rate (CORDON_API_RATE_PER_S); retry in ${seconds} s.`,
        { details: { retryAfterS: seconds } },
      );
    }
    if (!config.withoutRedis && limits.redisAvailable && !limits.redisAvailable()) {
      void reply.header('Retry-After', String(limits.retryAfterS));
      throw new CordonError(
        'CORDON_ERR_API_UNAVAILABLE',
        `Storage (Redis) is not answering; nothing was done. Retry in ${limits.retryAfterS} s.`,
        { details: { retryAfterS: limits.retryAfterS } },
      );
    }
  });
}
