import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { limiterCleared } from '../../audit/audit-inputs.js';
import { sha256Hex } from '../../shared/hash.js';
import { CordonError } from '../../shared/errors.js';
import { principalOf } from '../auth.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { errorResponses, idempotencyKeyHeaders, named, openObject } from '../schemas.js';

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

/** Header names as RFC 9110 tokens, lower-cased by Node on the request. */
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$";

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

const decisionResponses = {
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
} as const;

/**
 * The key a gateway asks about: `key` itself, or the value of the request header it names
 * (gateways that forward the client's headers but cannot put them in a URL: Envoy ext_authz,
 * Traefik forwardAuth).
 */
function keyOf(
  request: FastifyRequest,
  key: string | undefined,
  header: string | undefined,
): string {
  if (key !== undefined) return key;
  if (header === undefined)
    throw new CordonError(
      'CORDON_ERR_API_INVALID_REQUEST',
      'Say which key to check: ?key=<api key>, or ?key_header=<request header holding it> (for example key_header=x-api-key).',
    );
  const name = header.toLowerCase();
  // These carry Cordon's own token (or the client's session): as a key it would be echoed in
  // the decision and kept in Redis key names.
  if (CREDENTIAL_HEADERS.has(name))
    throw new CordonError(
      'CORDON_ERR_API_INVALID_REQUEST',
      `The key cannot come from the "${header}" header, which carries credentials; have the gateway send the API key in its own header (for example x-api-key).`,
    );
  const raw = request.headers[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
  if (value === '' || value.length > 512)
    throw new CordonError(
      'CORDON_ERR_API_INVALID_REQUEST',
      `The request header "${header}" named to carry the key ${value === '' ? 'is missing or empty' : 'is longer than 512 characters'}; have the gateway forward the header that carries the API key (Envoy: authorization_request.allowed_headers).`,
    );
  return value;
}

/**
 * The built-in limiter's decision endpoints, asked by a gateway before each request:
 * 200 allow, 429 throttled (Retry-After), 403 blocked. `style=nginx` answers 403 for throttling
 * too, because nginx auth_request turns any status but 2xx/401/403 into a 500; the
 * X-Cordon-Decision header still says which it was.
 */
export const limiterRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addSchema({ $id: 'LimiterDecision', ...decisionSchema });

  async function decide(
    key: string,
    style: 'standard' | 'nginx',
    reply: FastifyReply,
  ): Promise<FastifyReply> {
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
      void reply.header('Retry-After', String(Math.max(1, Math.ceil((d.resetMs ?? 1000) / 1000))));
      return reply.status(style === 'nginx' ? 403 : 429).send({ key, ...d });
    }
    return reply.status(403).send({ key, ...d });
  }

  app.get<{
    Querystring: { key?: string; key_header?: string; style?: 'standard' | 'nginx' };
  }>(
    '/v1/limiter/check',
    {
      config: { roles: ['gateway'], unmetered: true },
      schema: {
        operationId: 'checkLimiter',
        summary: 'Count one request for a key and decide: 200 allow, 429 throttled, 403 blocked',
        description:
          'The key is `key`, or the value of the request header named by `key_header` (one of the two is required).',
        tags: ['limiter'],
        querystring: {
          type: 'object',
          properties: {
            key: { type: 'string', minLength: 1, maxLength: 512 },
            key_header: { type: 'string', pattern: HEADER_NAME },
            style: { type: 'string', enum: ['standard', 'nginx'], default: 'standard' },
          },
          additionalProperties: false,
        },
        response: decisionResponses,
      },
    },
    async (request, reply) => {
      const { key, key_header: header, style } = request.query;
      return decide(keyOf(request, key, header), style ?? 'standard', reply);
    },
  );

  // Envoy's HTTP ext_authz calls path_prefix + the client's path, with the client's method
  // and query: path_prefix /v1/limiter/ext-authz/<key header> lands here whatever follows.
  // Its body is not read (Envoy sends none unless with_request_body is set).
  await app.register(async (envoy) => {
    envoy.removeAllContentTypeParsers();
    envoy.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    // One route per method, each its own OpenAPI operation (HEAD comes with GET).
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
      envoy.route<{ Params: { header: string } }>({
        method,
        url: '/v1/limiter/ext-authz/:header/*',
        config: { roles: ['gateway'], unmetered: true },
        schema: {
          operationId: `checkLimiterExtAuthz${method.charAt(0)}${method.slice(1).toLowerCase()}`,
          summary:
            'Envoy ext_authz: count one request for the key in the named header and decide: 200 allow, 429 throttled, 403 blocked',
          description:
            "Set http_service.path_prefix to /v1/limiter/ext-authz/<header carrying the API key>, forward that header (authorization_request.allowed_headers) and add Cordon's gateway token as Authorization (authorization_request.headers_to_add). The client's path, method and query after the prefix are ignored.",
          tags: ['limiter'],
          params: {
            type: 'object',
            required: ['header'],
            properties: {
              header: { type: 'string', pattern: HEADER_NAME },
              '*': { type: 'string' },
            },
          },
          // The client's own query string rides along: accepted and ignored.
          querystring: { type: 'object', additionalProperties: true },
          response: decisionResponses,
        },
        handler: async (request, reply) =>
          decide(keyOf(request, undefined, request.params.header), 'standard', reply),
      });
    }
  });

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
        deps.limiter.rule(key, deps.clock.now()),
        deps.limiter.history(key),
      ]);
      return { key, rule: rule ?? null, history };
    },
  );

  app.post<{
    Params: { key: string };
    Body: { comment: string };
    Headers: { 'idempotency-key'?: string };
  }>(
    '/v1/limiter/keys/:key/clear',
    {
      config: { roles: ['responder'] },
      schema: {
        operationId: 'clearLimiterKey',
        summary: 'Lift every limit on a key of the built-in limiter now, by hand',
        description:
          "An explicit release, as a playbook's ratelimit.clear step is: every limit on the key goes, whoever set it, and the runs that set them find nothing to undo (their undo does nothing). Recorded in the key's history (who, the comment) and the audit trail (limiter.cleared, the key's sha256). With an `Idempotency-Key` header a repeat answers the first one's outcome (`repeated`) and clears nothing again, not even a limit set since.",
        tags: ['limiter'],
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', minLength: 1, maxLength: 512 } },
        },
        headers: idempotencyKeyHeaders(
          'Makes the clear idempotent for this principal and key (printable ASCII).',
        ),
        body: {
          type: 'object',
          required: ['comment'],
          properties: {
            comment: {
              type: 'string',
              minLength: 1,
              maxLength: 4000,
              description: 'Why (kept in the history and the audit trail).',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'Cleared (existed: whether a limit was in force).',
            type: 'object',
            properties: {
              key: { type: 'string' },
              existed: { type: 'boolean' },
              repeated: { type: 'boolean' },
              clearedAt: { type: 'integer', description: 'When (absent on a repeat).' },
              by: { type: 'string' },
              effect: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { key } = request.params;
      const comment = request.body.comment;
      const idem = request.headers['idempotency-key'];
      // One effect per request, or per principal, key and Idempotency-Key: the limiter's
      // ledger then answers a repeat without clearing again.
      const effect = `man_${sha256Hex(
        idem === undefined ? randomUUID() : `${principal.id}\n${key}\n${idem}`,
      ).slice(0, 24)}`;
      const now = deps.clock.now();
      const result = await deps.limiter.clear(effect, key, principal.id, comment, now);
      const cleared = { key, effect, existed: result.existed, repeated: !result.applied };
      // Under the effect as its once-key: a repeat writes the entry if the first clear's was
      // lost (the clear landed, the append failed), and never a second one.
      await deps.audit.trail.record(limiterCleared(principal, cleared, comment), { once: effect });
      request.log.info(
        { by: principal.id, effect, existed: result.existed },
        'limiter key cleared',
      );
      // A repeat answers the first clear's outcome; when that was is in the key's history.
      return { ...cleared, ...(cleared.repeated ? {} : { clearedAt: now }), by: principal.id };
    },
  );
};
