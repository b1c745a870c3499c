import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../shared/error-codes.js';
import { isCordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { isRedisConnectionError } from '../store/redis.js';
import { knownLabel } from './metric-labels.js';
import { loggableUrl } from './request-log.js';
import { describeValidationError } from './validation.js';

/** Cordon's code for a Fastify 4xx that has none more specific (each is in the README table). */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'CORDON_ERR_API_INVALID_REQUEST',
  401: 'CORDON_ERR_API_UNAUTHENTICATED',
  403: 'CORDON_ERR_API_FORBIDDEN',
  404: 'CORDON_ERR_API_NOT_FOUND',
  409: 'CORDON_ERR_API_CONFLICT',
  413: 'CORDON_ERR_API_BODY_TOO_LARGE',
  414: 'CORDON_ERR_API_URI_TOO_LONG',
  415: 'CORDON_ERR_API_UNSUPPORTED_MEDIA_TYPE',
  429: 'CORDON_ERR_API_RATE_LIMITED',
};

/** Ingest and drop-in routes: bodies are events, read by the ingest parser to its own limit. */
function isIngestRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config.senderAuth === true;
}

/**
 * Fastify's router answers some requests before any route or error handler sees them (a URL
 * that does not decode, a path segment over the router's length): the same `{ code, message }`
 * as every other error. Passed as the `frameworkErrors` server option.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  let status: number;
  let body: ErrorBody;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    status = 414;
    body = {
      code: 'CORDON_ERR_API_URI_TOO_LONG',
      message: `A path segment of the URL is longer than ${MAX_PARAM_LENGTH} characters; no parameter of the API is that long (a limiter key is at most 512 characters).`,
      details: { maxLength: MAX_PARAM_LENGTH },
    };
  } else if (error.code === 'FST_ERR_BAD_URL') {
    status = 400;
    body = {
      code: 'CORDON_ERR_API_INVALID_REQUEST',
      message:
        'The URL path does not decode: a %-escape in it is malformed or not UTF-8. Percent-encode each path segment as UTF-8 (encodeURIComponent).',
    };
  } else {
    status = 500;
    reply.log.error({ err: error }, 'unhandled router error');
    body = {
      code: 'CORDON_ERR_API_INTERNAL',
      message: `Unexpected error (request ${reply.request.id}); the server log has the details.`,
    };
  }
  void reply.status(status).send(body);
}

/** The router's longest path parameter (Fastify's default, 100, is less than a limiter key). */
export const MAX_PARAM_LENGTH = 1024;

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
  /** The ingest routes' body limit (CORDON_INGEST_BODY_LIMIT_BYTES), named in their 413s. */
  ingestBodyLimitBytes?: number,
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
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && isIngestRoute(request)) {
      status = 413;
      const sent = (request.params as { source?: string } | undefined)?.source ?? '';
      const source = knownLabel(sent, isSource);
      metrics.inc('cordon_ingest_rejected_total', 'Payloads rejected and dead-lettered.', {
        source,
        reason: 'too-large',
      });
      logger.error(
        {
          source,
          reqId: request.id,
          contentLength: request.headers['content-length'],
          limitBytes: ingestBodyLimitBytes,
        },
        'request body over the size limit; rejected unread (the sender may drop it: split the batch or raise CORDON_INGEST_BODY_LIMIT_BYTES)',
      );
      const limit =
        ingestBodyLimitBytes === undefined
          ? 'the limit'
          : `the limit of ${ingestBodyLimitBytes} bytes (${(ingestBodyLimitBytes / 1048576).toFixed(1)} MiB)`;
      body = {
        code: 'CORDON_ERR_INGEST_BODY_TOO_LARGE',
        message: `The body is larger than ${limit}, CORDON_INGEST_BODY_LIMIT_BYTES. Send smaller batches, or raise the setting.`,
        ...(ingestBodyLimitBytes === undefined
          ? {}
          : { details: { limitBytes: ingestBodyLimitBytes } }),
      };
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      const limitBytes = request.routeOptions.bodyLimit;
      body = {
        code: 'CORDON_ERR_API_BODY_TOO_LARGE',
        message: `The body is larger than this endpoint takes (${limitBytes} bytes, ${Math.floor(limitBytes / 1024)} KiB); API bodies are small JSON documents (a comment is at most 4000 characters). Events go to POST /v1/ingest/{source}.`,
        details: { limitBytes },
      };
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      const sent = String(request.headers['content-type'] ?? '').slice(0, 100);
      body = {
        code: isIngestRoute(request)
          ? 'CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE'
          : 'CORDON_ERR_API_UNSUPPORTED_MEDIA_TYPE',
        message: `${sent ? `Content-Type "${sent}" is` : 'A body without a Content-Type is'} not accepted here; send the body as JSON with "Content-Type: application/json".`,
        details: { contentType: sent, accepted: ['application/json'] },
      };
    } else if (
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
    ) {
      status = 400;
      body = {
        code: 'CORDON_ERR_API_INVALID_REQUEST',
        message: `${err.message}. Send application/json.`,
      };
    } else if (
      typeof err.statusCode === 'number' &&
      err.statusCode >= 400 &&
      err.statusCode < 500
    ) {
      status = err.statusCode;
      body = {
        code: CODE_BY_STATUS[status] ?? 'CORDON_ERR_API_INVALID_REQUEST',
        message: err.message,
      };
    } else if (isRedisConnectionError(err)) {
      status = 503;
      // The outage itself is logged once (store/redis-outage.ts), not once per request.
      logger.debug(
        { error: err.message, reqId: request.id, url: loggableUrl(request) },
        'redis unavailable',
      );
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
      // With the request id the answer gives, so the line can be found from the answer.
      logger.error(
        { err: withoutCommand(err), reqId: request.id, url: loggableUrl(request) },
        'unhandled error',
      );
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

/**
 * An error as it may be logged: ioredis hangs the failed command on its errors (`command`:
 * name and arguments), and a script's arguments hold what the request held (a customer's API
 * key the limiter was asked to clear, a comment): the log keeps the command's name only.
 */
export function withoutCommand(err: Error): Error {
  const command = (err as { command?: { name?: unknown } }).command;
  if (command === undefined) return err;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err, {
    command: { name: command.name },
  });
  copy.message = err.message;
  copy.stack = err.stack ?? '';
  return copy;
}
