import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenUseRecorder } from '../audit/token-use.js';
import { hasRole, type Principal, type PrincipalDirectory } from '../config/principals.js';
import { CordonError } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No token needed (health probes, API docs). */
    public?: boolean;
    /** Any of these roles (admin always qualifies); absent = any authenticated principal. */
    roles?: readonly string[];
    /**
     * Ingest routes: a request without a valid bearer token is not refused here; the route
     * admits it by its source's sender credentials (Basic, Splunk token, header, HMAC).
     */
    senderAuth?: boolean;
  }
}

/**
 * Bearer-token authentication on every route not marked `public`, checked in onRequest so an
 * unauthenticated body is never read. Roles come from the principal; route handlers that need
 * finer checks (ingest source scope, approval roles) do them with `request.principal`.
 * Each authenticated request is counted for the audit trail by principal and route pattern
 * (never the URL: query strings can hold keys).
 */
export function registerAuth(
  app: FastifyInstance,
  principals: PrincipalDirectory,
  tokenUse?: TokenUseRecorder,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = match?.[1] ? principals.authenticate(match[1]) : undefined;
    if (!principal && config.senderAuth) return;
    if (!principal) {
      void reply.header('WWW-Authenticate', 'Bearer realm="cordon"');
      throw new CordonError('CORDON_ERR_API_UNAUTHENTICATED', unauthenticatedMessage(header));
    }
    request.principal = principal;
    tokenUse?.note(
      principal,
      `${request.method} ${request.routeOptions.url ?? '(no route)'}`,
      !config.roles || hasRole(principal, ...config.roles, 'admin'),
    );
    if (config.roles && !hasRole(principal, ...config.roles, 'admin')) {
      throw new CordonError(
        'CORDON_ERR_API_FORBIDDEN',
        `Principal "${principal.id}" lacks the role this endpoint needs: one of ${config.roles.join(', ')}.`,
      );
    }
  });
}

/**
 * Why a request is not authenticated, from its Authorization header (never echoing a token):
 * none sent, a token of an accepted scheme that no principal has, no scheme before the token,
 * or a scheme this endpoint does not take. Ingest routes also take Cordon's token the way
 * shippers carry it (`Splunk <token>`, a Basic password).
 */
export function unauthenticatedMessage(
  header: string | undefined,
  schemes: readonly string[] = ['Bearer'],
): string {
  const wanted = 'Authorization: Bearer <token>';
  const value = header?.trim() ?? '';
  if (value === '') return `This endpoint needs "${wanted}".`;
  const space = value.search(/\s/);
  if (space < 0) {
    const scheme = schemes.find((s) => s.toLowerCase() === value.toLowerCase());
    return scheme
      ? `The Authorization header says "${scheme}" but carries no token; send "${wanted}".`
      : `The Authorization header has no scheme: send "${wanted}" (the word Bearer, a space, then the token).`;
  }
  const sent = value.slice(0, space);
  const scheme = schemes.find((s) => s.toLowerCase() === sent.toLowerCase());
  if (scheme === 'Bearer')
    return 'The bearer token is not valid. Use a token from the tokens file (see README "Authentication").';
  if (scheme)
    return `The token sent as "Authorization: ${scheme} …" is not valid. Use a token from the tokens file (see README "Authentication").`;
  const named = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/.test(sent) ? `the "${sent}" scheme` : 'a scheme';
  return `The Authorization header uses ${named}; this endpoint takes "${wanted}"${schemes.length > 1 ? ` (or ${schemes.filter((s) => s !== 'Bearer').join(', ')})` : ''}.`;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new CordonError('CORDON_ERR_API_UNAUTHENTICATED', 'Not authenticated.');
  return request.principal;
}
