import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';

/**
 * Request validation for the API, one Ajv per kind of request part:
 *
 * - query strings, path parameters and headers arrive as text, so their values are coerced to
 *   the schema's type (`?limit=10` is the integer 10). Ajv lets a coerced `Infinity` through
 *   every keyword after the type (`?limit=Infinity` and `?limit=1e400` passed `maximum: 500`),
 *   so a coerced number must also be finite, and an integer a safe one, or the request is a 400.
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
      return withFiniteNumbers(compileIn(coercing, route.schema), route.schema);
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

interface NumericProperty {
  readonly name: string;
  readonly integer: boolean;
  readonly schema: Record<string, unknown>;
}

/** The top-level properties of an object schema whose type is integer or number. */
export function numericProperties(schema: AnySchema): NumericProperty[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  const out: NumericProperty[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value !== 'object' || value === null) continue;
    const type = (value as { type?: unknown }).type;
    const types = Array.isArray(type) ? type : [type];
    if (types.includes('integer'))
      out.push({ name, integer: true, schema: value as Record<string, unknown> });
    else if (types.includes('number'))
      out.push({ name, integer: false, schema: value as Record<string, unknown> });
  }
  return out;
}

/**
 * Adds what Ajv misses after coercing text to a number: the number must be finite (an integer
 * a safe integer). A numeric parameter that fails, whether Ajv saw it (`abc`, `-1`, `501`) or
 * not (`Infinity`, `1e400`), gets one error that gives its range and carries the text as sent.
 */
function withFiniteNumbers(validate: ValidateFunction, schema: AnySchema): Validator {
  const numeric = numericProperties(schema);
  if (numeric.length === 0) return validate as unknown as Validator;
  const wrapped: Validator = (data, context) => {
    const query =
      data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
    const sent = numeric.map((p) => query[p.name]);
    const ok = (validate as (d: unknown, c?: unknown) => boolean)(data, context);
    const bad = numeric.filter((p) => {
      const value = query[p.name];
      if (validate.errors?.some((e) => e.instancePath === `/${p.name}`)) return true;
      return (
        typeof value === 'number' &&
        !(p.integer ? Number.isSafeInteger(value) : Number.isFinite(value))
      );
    });
    const errors: ErrorObject[] = [
      ...(validate.errors ?? []).filter((e) => !bad.some((p) => e.instancePath === `/${p.name}`)),
      ...bad.map((p) => ({
        instancePath: `/${p.name}`,
        schemaPath: `#/properties/${p.name}`,
        keyword: 'type',
        params: { type: p.integer ? 'integer' : 'number' },
        message: `must be ${numberRange(p.schema, p.integer)}`,
        schema: p.schema.type,
        parentSchema: p.schema,
        data: sent[numeric.indexOf(p)],
      })),
    ];
    wrapped.errors = errors.length > 0 ? errors : null;
    return ok && errors.length === 0;
  };
  // Fastify hands Ajv the request as the parent of the part (so a root value can be coerced).
  Object.assign(wrapped, { schemaEnv: (validate as { schemaEnv?: unknown }).schemaEnv });
  return wrapped;
}

/** "an integer from 1 to 500": what a numeric parameter's schema allows, bounds included. */
export function numberRange(schema: Record<string, unknown>, integer: boolean): string {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (integer)
    return `an integer from ${min ?? -Number.MAX_SAFE_INTEGER} to ${max ?? Number.MAX_SAFE_INTEGER}`;
  if (min !== undefined && max !== undefined) return `a finite number from ${min} to ${max}`;
  if (min !== undefined) return `a finite number of at least ${min}`;
  if (max !== undefined) return `a finite number of at most ${max}`;
  return 'a finite number';
}
