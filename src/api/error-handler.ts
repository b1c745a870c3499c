import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../shared/error-codes.js';
import { isCordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { isRedisConnectionError } from '../store/redis.js';
import { knownLabel } from './metric-labels.js';
import { loggableUrl } from './request-log.js';
import { describeValidationError } from './validation.js';

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/**
 * One place that turns any thrown error into `{ code, message, details }` with its status.
 * `isSource` vets a source name before it becomes a metric label: a made-up name in the URL
 * must not create a series.
 */
export function registerErrorHandler(
  app: FastifyInstance,
  logger: Logger,
  metrics: Metrics,
  retryAfterS = 5,
  isSource: (name: string) => boolean = () => false,
): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (isCordonError(err)) {
      status = ERROR_CODES[err.code].status;
      body = {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      };
    } else if (err.validation) {
      const part = err.validationContext ?? 'request';
      const errors = err.validation.map((v) => describeValidationError(part, v));
      status = 400;
      body = {
        code: 'CORDON_ERR_API_INVALID_REQUEST',
        message: `Invalid request: ${errors.map((e) => `${e.path}: ${e.reason}`).join('; ')}.`,
        details: { errors },
      };
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      const sent = (request.params as { source?: string } | undefined)?.source ?? '';
      const source = knownLabel(sent, isSource);
      metrics.inc('cordon_ingest_rejected_total', 'Payloads rejected and dead-lettered.', {
        source,
        reason: 'too-large',
      });
      logger.error(
        { source, contentLength: request.headers['content-length'] },
        'request body over the size limit; rejected unread (the sender may drop it: split the batch or raise CORDON_INGEST_BODY_LIMIT_BYTES)',
      );
      body = {
        code: 'CORDON_ERR_INGEST_BODY_TOO_LARGE',
        message:
          'The body is larger than the limit (CORDON_INGEST_BODY_LIMIT_BYTES). Send smaller batches.',
      };
    } else if (
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
    ) {
      status = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400;
      body = {
        code:
          status === 415
            ? 'CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE'
            : 'CORDON_ERR_API_INVALID_REQUEST',
        message: `${err.message}. Send application/json.`,
      };
    } else if (
      typeof err.statusCode === 'number' &&
      err.statusCode >= 400 &&
      err.statusCode < 500
    ) {
      status = err.statusCode;
      body = { code: 'CORDON_ERR_API_INVALID_REQUEST', message: err.message };
    } else if (isRedisConnectionError(err)) {
      status = 503;
      // The outage itself is logged once (store/redis-outage.ts), not once per request.
      logger.debug({ error: err.message, url: request.url.split('?')[0] }, 'redis unavailable');
      void reply.header('Retry-After', String(retryAfterS));
      body = {
        code: 'CORDON_ERR_API_UNAVAILABLE',
        // A command that timed out may still run once Redis answers: retries are safe (ingest
        // deduplicates by event id), "nothing happened" is not promised.
        message: `Storage (Redis) did not answer; the request may not have taken effect. Retry in ${retryAfterS} s.`,
        details: { retryAfterS },
      };
    } else {
      status = 500;
      logger.error({ err, url: loggableUrl(request) }, 'unhandled error');
      body = {
        code: 'CORDON_ERR_API_INTERNAL',
        message: `Unexpected error (request ${request.id}); the server log has the details.`,
      };
    }
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'CORDON_ERR_API_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}. The API is described at /docs.`,
    } satisfies ErrorBody),
  );
}
