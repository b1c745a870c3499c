/**
 * A request that reaches the API while Cordon stops (a kept-alive connection) is refused with
 * 503 in Cordon's error shape, before authentication: Fastify's own closing answer
 * (`{"error":"Service Unavailable"}`) has no `code` a client can act on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon();
});

afterAll(async () => {
  await t.stop();
});

describe('the API while stopping', () => {
  it('answers 503 CORDON_ERR_API_UNAVAILABLE with Retry-After and Connection: close, token or not', async () => {
    const before = await t.call('GET', '/v1/incidents', TOKENS.analyst);
    expect(before.statusCode).toBe(200);
    const closing = t.app.close();
    // Sent at once: a close with no connection open is over in a few milliseconds.
    const answers = await Promise.all(
      [TOKENS.analyst, undefined, 'not-a-token'].map((token) =>
        t.call('GET', '/v1/incidents', token),
      ),
    );
    for (const res of answers) {
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        code: 'CORDON_ERR_API_UNAVAILABLE',
        details: { retryAfterS: 5 },
      });
      expect(res.json().message).toContain('stopping');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers.connection).toBe('close');
    }
    await closing;
  });
});
