import type { FastifyInstance } from 'fastify';

/** Seconds a client is told to wait before retrying a request refused while stopping. */
const RETRY_AFTER_S = 5;

/**
 * Requests that reach the app while it stops (on a kept-alive connection) are refused with 503
 * in Cordon's error shape, with Retry-After and `Connection: close`, before authentication or
 * any route runs. Fastify's own `return503OnClosing` answers in its shape
 * (`{"error":"Service Unavailable",…}`), which clients that read `code` cannot tell apart.
 * The app must be built with `return503OnClosing: false` and this registered before its
 * other hooks.
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  // From the call on, as Fastify's own flag: its preClose hooks run a moment later, and a
  // close with no connection open can be over before they would have answered anything.
  const close = app.close.bind(app) as (...args: unknown[]) => unknown;
  (app as unknown as { close: (...args: unknown[]) => unknown }).close = (...args) => {
    closing = true;
    return close(...args);
  };
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    void reply
      .status(503)
      .header('Connection', 'close')
      .header('Retry-After', String(RETRY_AFTER_S))
      .send({
        code: 'CORDON_ERR_API_UNAVAILABLE',
        message: `This Cordon process is stopping; nothing was done. Retry in ${RETRY_AFTER_S} s (another instance may answer).`,
        details: { retryAfterS: RETRY_AFTER_S },
      });
  });
}
