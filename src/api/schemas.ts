import type { FastifyInstance } from 'fastify';

/** JSON Schemas shared by routes (validation, serialisation and the OpenAPI document). */
export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * Named schemas go to the OpenAPI document's components (`$id` is the name); routes refer to
 * them as `{ $ref: 'Name#' }`, through `named()` with the response's description.
 */
export function registerSharedSchemas(app: FastifyInstance): void {
  app.addSchema({ $id: 'Error', ...errorSchema });
}

/** A response with its description, its body a named schema. */
export function named(name: string, description: string) {
  return { description, $ref: `${name}#` } as const;
}

export const errorResponses = {
  400: named('Error', 'Invalid request: the error names each bad field (JSON Pointer) and why.'),
  401: named('Error', 'No valid bearer token (see README "Authentication").'),
  403: named('Error', "The token's principal may not do this (it lacks the role or scope)."),
  404: named('Error', 'No such resource.'),
  409: named('Error', 'The resource is not in a state that allows this.'),
  429: named('Error', 'Too many requests from this principal: retry after the Retry-After header.'),
  503: named('Error', 'Cordon cannot serve this now (Redis unavailable, or stopping); retry.'),
} as const;

/** An object whose shape is documented in its route but passed through as is. */
export const openObject = { type: 'object', additionalProperties: true } as const;

/**
 * Path params for resources with generated ids (`run_<24 hex>`…): the pattern keeps anything
 * else, such as a name that happens to collide with an index key, out of Redis key names.
 */
export function idParamsFor(prefix: 'inc' | 'run' | 'apr' | 'case') {
  return {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: `^${prefix}_[0-9a-f]{24}$` } },
  } as const;
}

/** Dead letters are stream entry ids. */
export const streamIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^\\d{1,16}-\\d{1,16}$' } },
} as const;

export const limitQuery = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;

/** The `Idempotency-Key` header a route honours (printable ASCII, up to 200 characters). */
export function idempotencyKeyHeaders(description: string) {
  return {
    type: 'object',
    properties: {
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        pattern: '^[\\x21-\\x7E]+$',
        description,
      },
    },
  } as const;
}
