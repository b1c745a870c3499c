import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';

/**
 * Request validation for the API, one Ajv per kind of request part:
 *
 * - query strings, path parameters and headers arrive as text, so their values are coerced to
 *   the schema's type (`?limit=10` is the integer 10).
 * - bodies are JSON, whose values already have types: nothing is coerced (`{"comment":false}`
 *   is a type error, not the text "false").
 *
 * Both Ajvs know the schemas added with `addSchema` in the route's context, as Fastify's own
 * compiler does (which has one Ajv, and one coercion setting, for every part).
 */
const SHARED: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  // Schemas with an $id are compiled where they are used, not registered again.
  addUsedSchema: false,
};

const COERCING: Options = { ...SHARED, coerceTypes: 'array' };
const STRICT: Options = { ...SHARED, coerceTypes: false };

type Part = 'body' | 'querystring' | 'params' | 'headers';

interface RouteSchema {
  readonly schema: AnySchema;
  readonly httpPart?: string;
}

type Validator = ((data: unknown, context?: unknown) => boolean) & {
  errors?: FastifySchemaValidationError[] | null;
};

/** The server option that installs this validation (Fastify's `schemaController`). */
export function apiSchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const pool = new Map<string, (route: RouteSchema) => Validator>();
  const buildValidator = (externalSchemas: Record<string, AnySchema>) => {
    const key = JSON.stringify(externalSchemas);
    const pooled = pool.get(key);
    if (pooled) return pooled;
    const coercing = withSchemas(new Ajv(COERCING), externalSchemas);
    const strict = withSchemas(new Ajv(STRICT), externalSchemas);
    const compile = (route: RouteSchema): Validator => {
      const part = (route.httpPart ?? 'body') as Part;
      if (part === 'body') return compileIn(strict, route.schema) as unknown as Validator;
      return compileIn(coercing, route.schema) as unknown as Validator;
    };
    pool.set(key, compile);
    return compile;
  };
  return {
    compilersFactory: {
      buildValidator: buildValidator as unknown as NonNullable<
        NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
      >['buildValidator'],
    },
  };
}

function withSchemas(ajv: Ajv, externalSchemas: Record<string, AnySchema>): Ajv {
  for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema);
  return ajv;
}

/** As Fastify's own compiler: a schema with an $id already compiled is reused. */
function compileIn(ajv: Ajv, schema: AnySchema): ValidateFunction {
  const id = typeof schema === 'object' ? schema.$id : undefined;
  if (typeof id === 'string') {
    const stored = ajv.getSchema(id);
    if (stored) return stored;
  }
  return ajv.compile(schema);
}
