/**
 * The console port: the built app (here a fixture build) with SPA fallback, cache and security
 * headers, the same /v1 API with the same authentication (the live stream included), and a
 * clear 503 when the console is not built.
 */
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { freePort } from '../helpers/process.js';
import { openSse } from '../helpers/sse.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/console/', import.meta.url));
let t: TestCordon;
let base: string;

beforeAll(async () => {
  t = await startTestCordon({
    listen: true,
    env: { CORDON_CONSOLE_PORT: String(await freePort()), CORDON_CONSOLE_DIR: FIXTURE },
  });
  base = t.cordon.consoleUrl ?? '';
});
afterAll(async () => {
  await t.stop();
});

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise it). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console port', () => {
  it('serves index.html with a strict CSP, no framing, no caching; hashed assets cached for a year', async () => {
    expect(t.cordon.consoleBuilt).toBe(true);
    expect(base).not.toBe(t.cordon.url);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('Cordon console (test build)');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('cache-control')).toBe('no-cache');

    const asset = await fetch(`${base}/assets/app-3f2a9c.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toContain('textContent = "console"');
  });

  it('sends the pre-compressed file to clients that take gzip', async () => {
    const res = await new Promise<{ encoding: string | undefined; bytes: number }>((resolve) => {
      const url = new URL(base);
      httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/assets/app-3f2a9c.js',
          headers: { 'accept-encoding': 'gzip' },
        },
        (r) => {
          let bytes = 0;
          r.on('data', (d: Buffer) => (bytes += d.length));
          r.on('end', () => resolve({ encoding: r.headers['content-encoding'], bytes }));
        },
      ).end();
    });
    expect(res.encoding).toBe('gzip');
    expect(res.bytes).toBeGreaterThan(0);
  });

  it('answers any other page path with index.html (the app routes it), missing files with 404', async () => {
    const page = await fetch(`${base}/incidents/inc_0123456789abcdef01234567`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Cordon console (test build)');
    expect((await fetch(`${base}/assets/app-gone.js`)).status).toBe(404);
    // Nothing outside the build is reachable, however the path is spelled.
    for (const path of [
      '/..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/../../../etc/passwd',
    ]) {
      const res = await rawGet(path);
      expect(res.body).not.toContain('"name": "cordon"');
      expect(res.body).not.toContain('root:');
    }
  });

  it('serves the same /v1 API with the same authentication, the live stream included', async () => {
    const me = await fetch(`${base}/v1/whoami`, {
      headers: { authorization: `Bearer ${TOKENS.approver}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      principal: 'approver',
      roles: ['approver', 'analyst', 'responder'],
    });
    expect((await fetch(`${base}/v1/whoami`)).status).toBe(401);
    expect(
      (
        await fetch(`${base}/v1/sources`, {
          headers: { authorization: `Bearer ${TOKENS.gateway}` },
        })
      ).status,
    ).toBe(403);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // A URL that does not decode is refused in Cordon's error shape, as on the API port.
    const bad = await fetch(`${base}/v1/incidents/%E0%A4%A`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'CORDON_ERR_API_INVALID_REQUEST' });

    const stream = await openSse(`${base}/v1/stream`, TOKENS.analyst);
    expect(stream.status).toBe(200);
    await stream.waitFor((e) => e.event === 'ready', 'ready');
    stream.close();
  });

  it('without a build, every page is a 503 that says to run npm run build; the API still answers', async () => {
    const empty = await startTestCordon({
      listen: true,
      env: {
        CORDON_CONSOLE_PORT: String(await freePort()),
        CORDON_CONSOLE_DIR: tempDir('no-console'),
      },
    });
    try {
      expect(empty.cordon.consoleBuilt).toBe(false);
      const res = await fetch(`${empty.cordon.consoleUrl ?? ''}/`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('npm run build');
      const api = await fetch(`${empty.cordon.consoleUrl ?? ''}/v1/whoami`, {
        headers: { authorization: `Bearer ${TOKENS.analyst}` },
      });
      expect(api.status).toBe(200);
    } finally {
      await empty.stop();
    }
  });

  it('CORDON_CONSOLE_PORT=0 serves no console', () => {
    // startTestCordon's default.
    return startTestCordon({ listen: true }).then(async (off) => {
      expect(off.cordon.consoleUrl).toBeUndefined();
      await off.stop();
    });
  });
});
