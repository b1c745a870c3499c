/**
 * The built-in limiter's decision for gateways that forward the client's headers instead of
 * putting the key in a URL: `?key_header=` on /v1/limiter/check, and the Envoy HTTP ext_authz
 * shape (path_prefix + the client's path, method and query, no body). By inject(): no Envoy
 * binary here; the requests are the ones Envoy's ext_authz filter sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rate } from '../../../src/actions/rate.js';
import { Keys } from '../../../src/store/keys.js';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';

let t: TestCordon;
let limiter: LimiterStore;

beforeAll(async () => {
  t = await startTestCordon();
  limiter = new LimiterStore(t.store.redis, new Keys(t.store.prefix));
});

afterAll(async () => {
  await t?.stop();
});

// Per day: a fixed-window count that no minute boundary resets mid-test.
const TWO_A_DAY: Rate = { mode: 'throttle', count: 2, windowMs: 86_400_000 };
const BLOCK: Rate = { mode: 'block', count: 0, windowMs: 0 };

async function limit(key: string, rate: Rate): Promise<void> {
  await limiter.set(`test-${key}`, key, rate, 0, 'test', 'set by the test', Date.now());
}

describe('GET /v1/limiter/check?key_header=', () => {
  it('decides on the key in the named header, counting like ?key=', async () => {
    await limit('key-hdr-1', TWO_A_DAY);
    const ask = () =>
      t.call('GET', '/v1/limiter/check?key_header=X-Api-Key', TOKENS.gateway, undefined, {
        'x-api-key': 'key-hdr-1',
      });
    const first = await ask();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ key: 'key-hdr-1', decision: 'allow', remaining: 1 });
    // ?key= counts against the same key.
    const byQuery = await t.call('GET', '/v1/limiter/check?key=key-hdr-1', TOKENS.gateway);
    expect(byQuery.json()).toMatchObject({ decision: 'allow', remaining: 0 });
    const third = await ask();
    expect(third.statusCode).toBe(429);
    expect(third.headers['x-cordon-decision']).toBe('throttle');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    // ?key= wins over key_header when both are given.
    const other = await t.call(
      'GET',
      '/v1/limiter/check?key=key-hdr-other&key_header=x-api-key',
      TOKENS.gateway,
      undefined,
      { 'x-api-key': 'key-hdr-1' },
    );
    expect(other.json()).toMatchObject({ key: 'key-hdr-other', decision: 'allow' });
  });

  it('refuses a request naming no key, or a header that is not there, with 400', async () => {
    const none = await t.call('GET', '/v1/limiter/check?style=nginx', TOKENS.gateway);
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'CORDON_ERR_API_INVALID_REQUEST' });
    expect(none.json().message).toContain('key_header=x-api-key');
    const missing = await t.call('GET', '/v1/limiter/check?key_header=x-api-key', TOKENS.gateway);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain('"x-api-key" named to carry the key is missing');
    // Cordon's own token is never taken for a key (it would be echoed and stored).
    const credential = await t.call(
      'GET',
      '/v1/limiter/check?key_header=Authorization',
      TOKENS.gateway,
    );
    expect(credential.statusCode).toBe(400);
    expect(credential.body).not.toContain(TOKENS.gateway);
    expect(credential.json().message).toContain('carries credentials');
    const badName = await t.call(
      'GET',
      '/v1/limiter/check?key_header=x%20api%20key',
      TOKENS.gateway,
    );
    expect(badName.statusCode).toBe(400);
  });
});

describe('Envoy ext_authz: /v1/limiter/ext-authz/<key header>/<client path>', () => {
  const envoyCheck = (
    method: 'GET' | 'POST',
    key: string | undefined,
    token: string = TOKENS.gateway,
  ) =>
    t.app.inject({
      method,
      url: '/v1/limiter/ext-authz/x-api-key/v1/models/fraud-scorer:predict?stream=true&n=2',
      headers: {
        authorization: `Bearer ${token}`,
        // Envoy sends no body unless with_request_body is set; a forwarded content type
        // must not make an empty body an error.
        'content-type': 'application/json',
        'content-length': '0',
        ...(key === undefined ? {} : { 'x-api-key': key }),
      },
    });

  it('allows, then throttles with 429 and Retry-After (Envoy passes both to the client)', async () => {
    await limit('key-envoy-1', TWO_A_DAY);
    expect((await envoyCheck('POST', 'key-envoy-1')).statusCode).toBe(200);
    const get = await envoyCheck('GET', 'key-envoy-1');
    expect(get.statusCode, get.body).toBe(200);
    expect(get.json()).toMatchObject({ key: 'key-envoy-1', decision: 'allow', remaining: 0 });
    const refused = await envoyCheck('POST', 'key-envoy-1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-cordon-decision']).toBe('throttle');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // A key with no limit passes.
    expect((await envoyCheck('POST', 'key-envoy-free')).statusCode).toBe(200);
  });

  it('answers 403 for a blocked key', async () => {
    await limit('key-envoy-blocked', BLOCK);
    const res = await envoyCheck('POST', 'key-envoy-blocked');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ key: 'key-envoy-blocked', decision: 'block' });
  });

  it('needs the gateway role and the key header', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/limiter/ext-authz/x-api-key/v1/models/m:predict',
      headers: { 'x-api-key': 'key-envoy-1' },
    });
    expect(anonymous.statusCode).toBe(401);
    const analyst = await envoyCheck('POST', 'key-envoy-1', TOKENS.analyst);
    expect(analyst.statusCode).toBe(403);
    expect(analyst.json()).toMatchObject({ code: 'CORDON_ERR_API_FORBIDDEN' });
    const noKey = await envoyCheck('POST', undefined);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().message).toContain('authorization_request.allowed_headers');
  });
});
