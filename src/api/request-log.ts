import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Request logging that cannot leak credentials. Fastify's own request lines carry the URL
 * verbatim, and Cordon's URLs hold secrets: the limiter is asked `/v1/limiter/check?key=<a
 * customer's API key>` and `/v1/limiter/keys/<key>`. So Fastify's lines are off and each
 * request is logged once, at debug, with the URL redacted below.
 */
export const REDACTED = '[redacted]';

/** Path parameters that hold secrets: their values never reach a log line. */
const SECRET_PARAMS: ReadonlySet<string> = new Set(['key']);

/** Query parameters known to be harmless (filters and paging): their values are kept. */
const PLAIN_QUERY: ReadonlySet<string> = new Set([
  'before',
  'incident',
  'limit',
  'run',
  'source',
  'status',
  'style',
]);

/**
 * Query parameters that conventionally carry credentials: named in the log (so a reader
 * sees what was asked), their values replaced. Any other parameter is dropped whole, name
 * included, since an unknown name may itself be a secret (`?sk-live-…`).
 */
const SECRET_QUERY: ReadonlySet<string> = new Set([
  'access_token',
  'api_key',
  'apikey',
  'auth',
  'key',
  'password',
  'secret',
  'sig',
  'signature',
  'token',
]);

const MAX_VALUE_CHARS = 64;

/**
 * The URL as it may be logged. `route` is the matched route's pattern (`/v1/limiter/keys/:key`)
 * and `params` its decoded parameters. Without a route (a 404) nothing says which segment is
 * a secret, so only the first two are kept.
 */
export function redactUrl(
  url: string,
  route?: string,
  params?: Readonly<Record<string, unknown>>,
): string {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const path =
    route === undefined
      ? unroutedPath(rawPath)
      : route.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
          SECRET_PARAMS.has(name) ? REDACTED : encodeURIComponent(clip(paramText(params?.[name]))),
        );
  if (q === -1) return path;
  const kept: string[] = [];
  let dropped = 0;
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    if (PLAIN_QUERY.has(name)) kept.push(eq === -1 ? name : `${name}=${clip(pair.slice(eq + 1))}`);
    else if (SECRET_QUERY.has(name.toLowerCase())) kept.push(`${name}=${REDACTED}`);
    else dropped += 1;
  }
  if (dropped > 0) kept.push(`${REDACTED}${dropped > 1 ? `x${dropped}` : ''}`);
  return kept.length === 0 ? path : `${path}?${kept.join('&')}`;
}

/** The redacted URL of a request, for any log line that names one. */
export function loggableUrl(request: FastifyRequest): string {
  return redactUrl(
    request.url,
    request.routeOptions.url,
    request.params as Record<string, unknown> | undefined,
  );
}

/** One debug line per request, after the response: method, redacted URL, status, time. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    // Skip building the line when nobody reads it (the level is above debug).
    if (!['debug', 'trace'].includes(request.log.level)) return;
    request.log.debug(
      {
        req: {
          method: request.method,
          url: loggableUrl(request),
          remoteAddress: request.ip,
        },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
}

function unroutedPath(path: string): string {
  const segments = path.split('/');
  return segments.length <= 3
    ? clip(path)
    : `${segments.slice(0, 3).map(clip).join('/')}/${REDACTED}`;
}

function paramText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function clip(value: string): string {
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
