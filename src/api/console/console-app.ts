import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ConsoleFile } from './console-files.js';
import { frameworkErrors, MAX_PARAM_LENGTH } from '../error-handler.js';

/** Paths the console port hands to the API (same routes, same authentication). */
const API_PATH = /^\/(v1\/|v1$|docs(\/|$)|healthz$|readyz$|metrics$)/;

/**
 * The console's own headers: scripts and styles only from this origin (no inline code), no
 * framing, no sniffing, no referrer (a sign-in link's #token never leaves the page anyway).
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cordon console not built</title></head>
<body><h1>The Cordon console is not built</h1>
<p>This Cordon has no <code>dist/console/</code>. Run <code>npm run build</code> in the Cordon
checkout (or <code>npm ci</code>, which builds it), then restart Cordon.</p>
<p>The API is served here and on the API port all the same: <a href="/docs">/docs</a>.</p>
</body></html>
`;

export interface ConsoleAppOptions {
  /** The API: requests for /v1/…, /docs, probes and /metrics go to it unchanged. */
  readonly api: FastifyInstance;
  /** The built console, or undefined when it is not built (every page answers 503). */
  readonly files: ReadonlyMap<string, ConsoleFile> | undefined;
  readonly http?: {
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
}

/**
 * The console port: the built single-page app (SPA fallback to index.html for any other GET
 * path) and the same API. One process, one set of routes: API paths are handed to the API
 * instance before anything is read, so they are authenticated and limited exactly as there.
 */
export async function buildConsoleApp(o: ConsoleAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    // Closed after the API (main.ts): whatever is still open here is a browser's idle
    // keep-alive socket or a request the closed API can no longer answer.
    forceCloseConnections: true,
    logController: new LogController({ disableRequestLogging: true }),
    // The router's own refusals (a URL that does not decode, an over-long segment) answer in
    // Cordon's error shape here too, before an API path could be handed over.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    ...(o.http
      ? {
          connectionTimeout: o.http.idleTimeoutMs,
          keepAliveTimeout: o.http.keepAliveTimeoutMs,
          requestTimeout: o.http.requestTimeoutMs,
        }
      : {}),
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!API_PATH.test(request.url)) return;
    reply.hijack();
    o.api.routing(request.raw, reply.raw);
  });

  const send = (reply: FastifyReply, accept: string, file: ConsoleFile): FastifyReply => {
    void reply.headers(CONSOLE_SECURITY_HEADERS).header('content-type', file.contentType);
    void reply.header(
      'cache-control',
      file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    void reply.header('vary', 'accept-encoding');
    if (file.br && /\bbr\b/.test(accept))
      return reply.header('content-encoding', 'br').send(file.br);
    if (file.gzip && /\bgzip\b/.test(accept))
      return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  };

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      if (!o.files)
        return reply
          .status(503)
          .headers(CONSOLE_SECURITY_HEADERS)
          .header('cache-control', 'no-store')
          .header('content-type', 'text/html; charset=utf-8')
          .send(NOT_BUILT);
      const path = safeDecode(request.url.split('?')[0] ?? '/');
      const accept = String(request.headers['accept-encoding'] ?? '');
      const file = o.files.get(path === '/' ? '/index.html' : path);
      if (file) return send(reply, accept, file);
      // A missing asset is a 404 (a stale tab after an upgrade); any other path is a page of
      // the app, which routes it itself.
      if (path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path))
        return reply
          .status(404)
          .headers(CONSOLE_SECURITY_HEADERS)
          .header('content-type', 'text/plain; charset=utf-8')
          .send('Not found.\n');
      const index = o.files.get('/index.html');
      if (!index) return reply.status(404).send('Not found.\n');
      return send(reply, accept, index);
    },
  });
  return app;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
