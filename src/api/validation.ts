import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { suggest } from '../shared/shape.js';

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
  // Each error carries its schema and value: the 400 names allowed properties, values and
  // ranges, and echoes what was sent (describeValidationError).
  verbose: true,
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
        // Not Ajv's own keyword: the message is final (describeValidationError adds the value).
        keyword: 'range',
        params: { type: p.integer ? 'integer' : 'number', ...bounds(p.schema) },
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

function bounds(schema: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(
    (['minimum', 'maximum'] as const).flatMap((k) =>
      typeof schema[k] === 'number' ? [[k, schema[k]]] : [],
    ),
  );
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

/** One refused field of a request, as the 400's `details.errors` lists it. */
export interface FieldProblem {
  /** The request part and the JSON Pointer in it: `body/comment`, `querystring/limit`. */
  readonly path: string;
  readonly reason: string;
}

type VerboseError = FastifySchemaValidationError & {
  readonly parentSchema?: unknown;
  readonly data?: unknown;
};

/**
 * An Ajv error as a person reads it: the property it is about (an unknown one by its name, a
 * missing one by its own), and a reason that says what is allowed (the known properties and
 * the closest one, the allowed values, the range) and what was sent.
 */
export function describeValidationError(part: string, e: VerboseError): FieldProblem {
  const at = `${part}${e.instancePath}`;
  const params = e.params;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(propertiesOf(e.parentSchema, 'properties'));
      const patterns = Object.keys(propertiesOf(e.parentSchema, 'patternProperties'));
      const hint = suggest(name.slice(0, 100), known);
      const allowed = [...known, ...patterns.map((p) => `a name matching ${p}`)];
      return {
        path: `${at}/${escapePointer(name.length > 100 ? `${name.slice(0, 100)}…` : name)}`,
        reason:
          allowed.length === 0
            ? 'is not allowed: this takes no properties'
            : `is not a known property${hint ? `; did you mean "${hint}"?` : ''} (allowed: ${allowed.join(', ')})`,
      };
    }
    case 'required':
      return {
        path: `${at}/${escapePointer(String(params.missingProperty))}`,
        reason: 'is required',
      };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        path: at,
        reason: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${got(e.data)}`,
      };
    }
    case 'type': {
      const types = String(params.type).split(',');
      return { path: at, reason: `must be ${types.map(article).join(' or ')}${got(e.data)}` };
    }
    case 'minLength':
    case 'maxLength': {
      const limit = Number(params.limit);
      const length = typeof e.data === 'string' ? [...e.data].length : undefined;
      return {
        path: at,
        reason: `must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'} long${length === undefined ? '' : ` (got ${length})`}`,
      };
    }
    case 'pattern':
      return { path: at, reason: `must match ${String(params.pattern)}${got(e.data)}` };
    default:
      return { path: at, reason: `${e.message ?? 'is invalid'}${got(e.data)}` };
  }
}

function propertiesOf(
  schema: unknown,
  key: 'properties' | 'patternProperties',
): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null) return {};
  const properties = (schema as Record<string, unknown>)[key];
  return typeof properties === 'object' && properties !== null
    ? (properties as Record<string, unknown>)
    : {};
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function article(type: string): string {
  return type === 'null' ? 'null' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** ` (got "opne")`: what was sent, cut short; objects and arrays by their kind alone. */
function got(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return ' (got an array)';
  if (value !== null && typeof value === 'object') return ' (got an object)';
  const text =
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return ` (got ${text.length > 64 ? `${text.slice(0, 64)}…` : text})`;
}
