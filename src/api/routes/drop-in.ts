import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { canIngest } from '../../config/principals.js';
import { authenticateSender, NO_SENDER_AUTH } from '../../ingest/auth/sender-auth.js';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { registerIngestBodyParser } from '../ingest-body.js';
import { DROP_IN_PROTOCOLS } from '../drop-in/index.js';
import type { DropInContext, DropInProtocol } from '../drop-in/protocol.js';
import type { ErrorBody } from '../error-handler.js';
import { admitSource, verifySignature, withIngestRetryAfter } from '../ingest-admission.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Name of the drop-in protocol whose answer shapes this route's errors. */
    dropIn?: string;
  }
}

const BY_NAME = new Map(DROP_IN_PROTOCOLS.map((p) => [p.name, p]));
const SOURCE_PARAM = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' } as const;

/**
 * Drop-in endpoints: Splunk HEC, Elasticsearch `_bulk` and OTLP/HTTP logs at the paths their
 * shippers already use, each also under /v1/ingest/{source}/… when several sources of one
 * protocol exist. Authentication, backpressure and dead letters are the ingest route's; only
 * the answers take each protocol's shape, errors included.
 */
export const dropInRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  registerIngestBodyParser(app, deps);
  app.decorateRequest('pendingSignature', null);
  app.addHook('onSend', async (request, reply, payload) => {
    const protocol = BY_NAME.get(request.routeOptions.config.dropIn ?? '');
    if (!protocol || reply.statusCode < 400 || typeof payload !== 'string') return payload;
    let error: ErrorBody;
    try {
      error = JSON.parse(payload) as ErrorBody;
    } catch {
      return payload;
    }
    if (typeof error.code !== 'string') return payload;
    void reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(protocol.refused(reply.statusCode, error, context(request, '')));
  });

  for (const protocol of DROP_IN_PROTOCOLS) {
    for (const probe of protocol.probes ?? []) {
      app.route({
        method: probe.method,
        url: probe.path,
        config: { public: true },
        schema: {
          operationId: probe.operation,
          summary: `${protocol.name}: the probe its shippers send before delivering`,
          tags: ['ingest'],
          response: {
            200: {
              description: `What ${protocol.name} shippers expect to find here.`,
              type: 'object',
              additionalProperties: true,
            },
          },
        },
        handler: async (_request, reply) => {
          const answer = probe.answer();
          for (const [k, v] of Object.entries(answer.headers ?? {})) void reply.header(k, v);
          return reply.code(answer.status as 200).send(answer.body);
        },
      });
    }
    for (const ack of protocol.acknowledgements ?? []) {
      for (const path of ack.paths) {
        for (const scoped of [false, true]) {
          app.post<{ Params: Record<string, string> }>(
            scoped ? `/v1/ingest/:source${path}` : path,
            {
              // Authenticated and admitted exactly as the protocol's ingest routes are.
              ...admission(deps, protocol, scoped),
              schema: {
                operationId: operationIdOf(protocol, ack.name, path, scoped),
                summary: `${ack.summary}${scoped ? ' (for a named source)' : ''}`,
                description: `Answers ${protocol.name} shippers that poll for acknowledgement of earlier deliveries, in that protocol's shape; the event log is not read or written.`,
                tags: ['ingest'],
                params: {
                  type: 'object',
                  properties: scoped ? { source: SOURCE_PARAM } : {},
                },
                response: {
                  200: ack.response,
                  default: {
                    description: `The ${protocol.name} protocol's error answer.`,
                    type: 'object',
                    additionalProperties: true,
                  },
                },
              },
            },
            async (request, reply) => {
              const answer = ack.answer(context(request, ack.name));
              return reply.status(answer.status).send(answer.body);
            },
          );
        }
      }
    }
    for (const route of protocol.setup ?? []) {
      for (const scoped of [false, true]) {
        app.route<{ Params: Record<string, string> }>({
          method: route.method,
          url: scoped ? `/v1/ingest/:source${route.path}` : route.path,
          // Authenticated and admitted as the protocol's ingest routes are.
          ...admission(deps, protocol, scoped),
          schema: {
            operationId: `${route.operation}${scoped ? 'Scoped' : ''}`,
            summary: `${route.summary}${scoped ? ' (for a named source)' : ''}`,
            tags: ['ingest'],
            params: {
              type: 'object',
              properties: {
                ...(scoped ? { source: SOURCE_PARAM } : {}),
                ...(route.path.includes(':name') ? { name: { type: 'string' } } : {}),
              },
            },
            response: {
              default: {
                description: `What ${protocol.name} shippers expect to find here.`,
                type: 'object',
                additionalProperties: true,
              },
            },
          },
          handler: async (request, reply) => {
            const answer = route.answer(request.params.name ?? '');
            return reply.status(answer.status).send(answer.body);
          },
        });
      }
    }
    for (const route of protocol.routes) {
      for (const path of route.paths) {
        for (const scoped of [false, true]) {
          const url = scoped ? `/v1/ingest/:source${path}` : path;
          const params = [
            ...(scoped ? ['source'] : []),
            ...[...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? ''),
          ];
          app.post<{ Params: Record<string, string> }>(
            url,
            {
              ...admission(deps, protocol, scoped),
              schema: {
                operationId: operationIdOf(protocol, route.endpoint, path, scoped),
                summary: `${protocol.name} ${route.endpoint} endpoint${scoped ? ' for a named source' : ''}`,
                description: `Takes bodies exactly as ${protocol.name} shippers send them into a source of type ${protocol.sourceType}, and answers in that protocol's shape.`,
                tags: ['ingest'],
                params: {
                  type: 'object',
                  properties: Object.fromEntries(
                    params.map((p) => [p, p === 'source' ? SOURCE_PARAM : { type: 'string' }]),
                  ),
                },
                // Answers take the sender protocol's own shape (HEC codes, bulk items, OTLP status).
                response: {
                  default: {
                    description: `The ${protocol.name} protocol's answer.`,
                    type: 'object',
                    additionalProperties: true,
                  },
                },
              },
            },
            async (request, reply) => {
              const body = bodyOf(request.body);
              const query = queryOf(request);
              const outcome = await withIngestRetryAfter(reply, () =>
                deps.ingest.ingest(
                  request.dropInSource ?? '',
                  {
                    body,
                    contentType: route.mediaType ?? request.headers['content-type'],
                    headers: request.headers,
                    endpoint: route.endpoint,
                    query,
                  },
                  principalOf(request).id,
                ),
              );
              const answer = protocol.accepted(outcome, context(request, route.endpoint));
              // JSON text made by the protocol is sent as it is (Fastify does not serialise a
              // string whose content type is JSON).
              if (typeof answer.body === 'string')
                void reply.header('content-type', 'application/json; charset=utf-8');
              return reply.status(answer.status).send(answer.body);
            },
          );
        }
      }
    }
  }
};

declare module 'fastify' {
  interface FastifyRequest {
    dropInSource?: string;
  }
}

/**
 * The route options that authenticate a drop-in request and admit it to its source (named in
 * the path when scoped, else chosen), its HMAC signature checked once the body is read.
 */
function admission(deps: ApiDeps, protocol: DropInProtocol, scoped: boolean) {
  return {
    config: { roles: ['ingest'], senderAuth: true, dropIn: protocol.name },
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      const source = scoped
        ? ((request.params as { source?: string }).source ?? '')
        : chooseSource(deps, request, protocol);
      request.dropInSource = source;
      admitSource(deps, request, reply, source);
    },
    preHandler: async (request: FastifyRequest) => {
      verifySignature(deps, request, bodyOf(request.body));
    },
  };
}

/**
 * Which source a root drop-in request is for: the one its bearer token may post to, else the
 * one whose sender credentials it carries. Several candidates want the scoped URL instead.
 */
function chooseSource(deps: ApiDeps, request: FastifyRequest, protocol: DropInProtocol): string {
  const candidates = deps.ingest.sourcesOfType(protocol.sourceType).map((s) => s.name);
  const principal = request.principal;
  if (principal) {
    const allowed = candidates.filter((c) => canIngest(principal, c));
    if (allowed.length === 1) return allowed[0] ?? '';
    if (allowed.length > 1)
      throw new CordonError(
        'CORDON_ERR_API_INVALID_REQUEST',
        `Several ${protocol.sourceType} sources take this token (${allowed.join(', ')}); post to /v1/ingest/<source>${request.routeOptions.url ?? ''} to say which.`,
      );
    if (candidates.length === 0) return `no-${protocol.sourceType}-source`;
    return candidates[0] ?? '';
  }
  let signed: string | undefined;
  for (const name of candidates) {
    const verdict = authenticateSender(deps.senderAuth?.get(name) ?? NO_SENDER_AUTH, {
      headers: request.headers,
      query: (request.query ?? {}) as Record<string, unknown>,
    });
    if (verdict === 'ok') return name;
    if (verdict === 'hmac') signed ??= name;
  }
  // Nothing matched: admitSource refuses with 401 for the first candidate (or an unknown name).
  return signed ?? candidates[0] ?? `no-${protocol.sourceType}-source`;
}

function context(request: FastifyRequest, endpoint: string): DropInContext {
  return {
    body: bodyOf(request.body),
    endpoint,
    params: (request.params ?? {}) as Record<string, string | undefined>,
    headers: request.headers,
    query: queryOf(request),
  };
}

/** The request's query parameters that have one value (a repeated one has none). */
function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries((request.query ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : undefined,
    ]),
  );
}

function bodyOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** `splunkHecScopedEventVersioned`: protocol, scope, endpoint, then what tells the path apart. */
function operationIdOf(
  protocol: DropInProtocol,
  endpoint: string,
  path: string,
  scoped: boolean,
): string {
  return lowerFirst(
    `${camel(protocol.name)}${scoped ? 'Scoped' : ''}${camel(endpoint)}${path.includes(':index') ? 'Index' : ''}${path.endsWith('1.0') ? 'Versioned' : ''}${path === '/services/collector' ? 'Base' : ''}`,
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function camel(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}
