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

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  429: errorSchema,
  503: errorSchema,
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
  properties: { id: { type: 'string', pattern: '^\\d+-\\d+$' } },
} as const;

export const limitQuery = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;
