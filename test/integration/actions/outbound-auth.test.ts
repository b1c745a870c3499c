/**
 * The outbound client's auth schemes and pacing against a local server: a bearer token read
 * from a file on every call (rotation without restart), an API-key header, HMAC signatures the
 * receiver can verify, and the per-instance outbound rate limit.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { FakeServer } from '../../../src/demo/fakes/fake-server.js';

const server = new FakeServer(() => ({ status: 200, body: { ok: true } }));
const files: Record<string, string> = { '/run/secrets/api-token': 'file-token-v1\n' };
let h: ConnectorHarness;

beforeAll(async () => {
  await server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: by-file\ntype: http\nurl: ${server.url}\nauth: { bearer: { file: /run/secrets/api-token } }`,
      `name: by-header\ntype: http\nurl: ${server.url}\nauth: { header: { name: X-Api-Key, value: { env: API_KEY } } }`,
      `name: signed\ntype: http\nurl: ${server.url}\nauth: { hmac: { secret: { env: HMAC_KEY }, header: X-Signature, timestamp_header: X-Timestamp } }`,
      `name: paced\ntype: http\nurl: ${server.url}\nrate_limit: 2/s`,
    ),
    { API_KEY: 'header-api-key-123', HMAC_KEY: 'hmac-shared-secret-456' },
    {
      readFile: (path) => {
        const v = files[path];
        if (v === undefined) throw new Error('ENOENT');
        return v;
      },
    },
  );
});

afterAll(async () => {
  await h.cleanup();
  await server.stop();
});

const get = (connector: string, body?: unknown): Promise<unknown> =>
  h.run(
    'http',
    'http.request',
    {
      method: body === undefined ? 'GET' : 'POST',
      url: '/x',
      ...(body === undefined ? {} : { body }),
    },
    { connector },
  );

describe('outbound auth', () => {
  it('reads a file secret on every call, so a rotated token is used without a restart', async () => {
    await get('by-file');
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer file-token-v1');
    files['/run/secrets/api-token'] = 'file-token-v2\n';
    await get('by-file');
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer file-token-v2');
  });

  it('sends an API-key header', async () => {
    await get('by-header');
    expect(server.requests.at(-1)?.headers['x-api-key']).toBe('header-api-key-123');
  });

  it('signs timestamp.body with HMAC-SHA256 that the receiver can verify', async () => {
    await get('signed', { hello: 'world' });
    const req = server.requests.at(-1);
    const ts = String(req?.headers['x-timestamp']);
    const expected = createHmac('sha256', 'hmac-shared-secret-456')
      .update(`${ts}.${req?.text ?? ''}`)
      .digest('hex');
    expect(req?.headers['x-signature']).toBe(`sha256=${expected}`);
    expect(Number(ts) * 1000).toBe(Math.floor(h.clock.now() / 1000) * 1000);
  });

  it('paces requests to the instance rate limit', async () => {
    const n = h.sleeps.length;
    for (let i = 0; i < 4; i++) await get('paced');
    // A burst of 2, then one request per 500 ms (the manual clock moves only by those waits).
    expect(h.sleeps.slice(n)).toEqual([500, 500]);
  });
});
