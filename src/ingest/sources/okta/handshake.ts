import type { HandshakeReply, HandshakeRequest } from '../source-kind.js';

/** Header of Okta's one-time GET when an event hook is created or verified. */
export const VERIFICATION_HEADER = 'x-okta-verification-challenge';

/**
 * Okta verifies a hook endpoint once, before any delivery: a GET carrying a challenge that
 * must come back as `{"verification": "<challenge>"}` with 200. The core has already checked
 * the hook's static Authorization header. Anything else is not a handshake.
 */
export function oktaHandshake(request: HandshakeRequest): HandshakeReply | undefined {
  if (request.method.toUpperCase() !== 'GET') return undefined;
  const challenge = request.headers[VERIFICATION_HEADER];
  if (challenge === undefined || challenge.trim() === '') return undefined;
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { verification: challenge.trim() },
  };
}
