import type { FastifyReply, FastifyRequest } from 'fastify';
import { canIngest } from '../config/principals.js';
import type { Principal } from '../config/principals.js';
import {
  authenticateSender,
  hasSenderAuth,
  NO_SENDER_AUTH,
  verifyHmac,
} from '../ingest/auth/sender-auth.js';
import { CordonError } from '../shared/errors.js';
import { unauthenticatedMessage } from './auth.js';
import type { ApiDeps } from './deps.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Source whose HMAC signature must still be verified once the body is read. */
    pendingSignature: string | null;
  }
}

const BACKPRESSURE_HELP =
  'Ingest requests refused because correlation lagged past CORDON_INGEST_MAX_LAG_ENTRIES.';
const AUTH_FAILURE_HELP = 'Ingest requests refused because the sender could not be authenticated.';

/** The principal a sender authenticated by its source's own credentials acts as. */
export function senderPrincipal(source: string): Principal {
  return { id: `source:${source}`, roles: ['ingest'], sources: [source] };
}

/**
 * Admits a request to one source before its body is read: a Cordon bearer token scoped to it,
 * or a credential the source's senders use (Basic, Splunk token, static header, query secret).
 * A source with an HMAC signature admits provisionally; `verifySignature` settles it after the
 * body is read and before it reaches a normaliser. Then the backpressure bound.
 */
export function admitSource(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  source: string,
): void {
  const known = deps.ingest.source(source) !== undefined;
  // Shippers that cannot send a bearer token carry Cordon's token their own way: HEC clients as
  // `Splunk <token>`, Beats and Fluent Bit as a Basic password.
  if (!request.principal) {
    const carried = carriedToken(request.headers.authorization);
    const principal = carried === undefined ? undefined : deps.principals.authenticate(carried);
    if (principal && canIngest(principal, source)) request.principal = principal;
  }
  if (!request.principal) {
    const auth = (known ? deps.senderAuth?.get(source) : undefined) ?? NO_SENDER_AUTH;
    const verdict = authenticateSender(auth, {
      headers: request.headers,
      query: (request.query ?? {}) as Record<string, unknown>,
    });
    if (verdict === 'denied') {
      if (known)
        deps.metrics.inc('cordon_ingest_auth_failures_total', AUTH_FAILURE_HELP, { source });
      void reply.header('WWW-Authenticate', 'Bearer realm="cordon"');
      // Same answer for an unknown source: names are not revealed to the unauthenticated.
      throw new CordonError(
        'CORDON_ERR_API_UNAUTHENTICATED',
        hasSenderAuth(auth)
          ? `The credentials are not valid for source "${source}". Use the credential in its connector's auth, or "Authorization: Bearer <token>".`
          : unauthenticatedMessage(request.headers.authorization, CARRIED_SCHEMES),
      );
    }
    request.principal = senderPrincipal(source);
    request.pendingSignature = verdict === 'hmac' ? source : null;
  }
  const principal = request.principal;
  if (!known) {
    throw new CordonError(
      'CORDON_ERR_INGEST_UNKNOWN_SOURCE',
      `No source connector is named "${source}". Sources: ${deps.ingest.sourceNames.join(', ') || 'none'}.`,
    );
  }
  if (!canIngest(principal, source)) {
    throw new CordonError(
      'CORDON_ERR_API_FORBIDDEN',
      `Principal "${principal.id}" may not post to source "${source}".`,
    );
  }
  // Backpressure, also before the body is read: a refused sender keeps its events and retries.
  const lag = deps.limits?.backpressure?.exceeded();
  if (lag === undefined) return;
  const retryAfterS = deps.limits?.retryAfterS ?? 5;
  deps.metrics.inc('cordon_ingest_backpressure_total', BACKPRESSURE_HELP, { source });
  void reply.header('Retry-After', String(retryAfterS));
  throw new CordonError(
    'CORDON_ERR_INGEST_BACKPRESSURE',
    `Correlation is ${lag} log entries behind (bound: CORDON_INGEST_MAX_LAG_ENTRIES=${deps.limits?.backpressure?.maxLagEntries ?? 0}); nothing from source "${source}" was accepted. Retry in ${retryAfterS} s.`,
    { details: { source, lagEntries: lag, retryAfterS } },
  );
}

/** The schemes a Cordon token may come in on ingest routes (carriedToken reads the last two). */
const CARRIED_SCHEMES = ['Bearer', 'Splunk', 'Basic'] as const;

function carriedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const splunk = /^Splunk\s+(\S+)\s*$/i.exec(header);
  if (splunk?.[1]) return splunk[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1) || undefined;
}

/** Settles a provisional admission by the body's HMAC signature (over the raw bytes). */
export function verifySignature(deps: ApiDeps, request: FastifyRequest, body: Buffer): void {
  const source = request.pendingSignature;
  if (!source) return;
  const hmac = deps.senderAuth?.get(source)?.hmac;
  const check = hmac
    ? verifyHmac(hmac, request.headers, body, deps.clock.now())
    : ({ ok: false, reason: 'the source has no signature configured.' } as const);
  if (check.ok) {
    request.pendingSignature = null;
    return;
  }
  deps.metrics.inc('cordon_ingest_auth_failures_total', AUTH_FAILURE_HELP, { source });
  throw new CordonError(
    'CORDON_ERR_API_UNAUTHENTICATED',
    `The request to source "${source}" is not authenticated: ${check.reason}`,
  );
}

/** Metric series present at zero from the start, one per configured source. */
export function declareIngestSeries(deps: ApiDeps): void {
  for (const source of deps.ingest.sourceNames) {
    deps.metrics.inc('cordon_ingest_backpressure_total', BACKPRESSURE_HELP, { source }, 0);
    deps.metrics.inc('cordon_ingest_auth_failures_total', AUTH_FAILURE_HELP, { source }, 0);
  }
}

/**
 * Runs an ingest, adding Retry-After to the 503s of the ingest worker pool (busy, or a worker
 * that stopped): nothing was accepted and the sender should come back soon.
 */
export async function withIngestRetryAfter<T>(
  reply: FastifyReply,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (
      err instanceof CordonError &&
      (err.code === 'CORDON_ERR_INGEST_BUSY' || err.code === 'CORDON_ERR_INGEST_WORKER_FAILED')
    )
      void reply.header('Retry-After', String(Number(err.details?.retryAfterS ?? 1)));
    throw err;
  }
}
