/**
 * Slow clients are cut off: one that never finishes its headers, and one that sends its body
 * a byte at a time, each lose their connection once their timeout passes, while a normal
 * request on another connection is served meanwhile.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startCordon, type Cordon } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { REPO_ROOT, TOKENS, testPrincipals } from '../../helpers/cordon.js';
import { createTestRedis, TEST_REDIS_URL } from '../../helpers/redis.js';

const store = createTestRedis('slow');
let cordon: Cordon;
let port: number;

beforeAll(async () => {
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: store.prefix,
      CORDON_INSTANCE_ID: `slow-${store.prefix}`,
      CORDON_ROLES: 'api',
      CORDON_PORT: '0',
      CORDON_CONSOLE_PORT: '0',
      CORDON_LOG_LEVEL: 'silent',
      CORDON_HTTP_HEADERS_TIMEOUT_MS: '400',
      CORDON_HTTP_REQUEST_TIMEOUT_MS: '800',
    },
    REPO_ROOT,
  );
  cordon = await startCordon({
    config,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger('silent'),
    principals: testPrincipals(),
    listen: true,
  });
  port = Number(new URL(cordon.url ?? '').port);
});

afterAll(async () => {
  await cordon.stop();
  await store.cleanup();
});

/** Writes `chunks` one every `everyMs` until the server closes the socket; returns what it answered. */
async function trickle(
  chunks: readonly string[],
  everyMs: number,
): Promise<{ closed: boolean; sent: number; reply: string }> {
  const socket: Socket = connect(port, '127.0.0.1');
  let reply = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (reply += d.toString()));
  socket.on('error', () => undefined);
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void gone.then(() => (closed = true));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let sent = 0;
  for (const chunk of chunks) {
    if (closed) break;
    socket.write(chunk);
    sent += 1;
    await Promise.race([gone, new Promise((r) => setTimeout(r, everyMs))]);
  }
  socket.destroy();
  return { closed, sent, reply };
}

describe('slow clients', () => {
  it('cuts off a client that never finishes its headers', async () => {
    // 60 header lines, one every 100 ms: 6 s if the server waited for all of them.
    const lines = [
      'GET /healthz HTTP/1.1\r\nHost: x\r\n',
      ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: y\r\n`),
    ];
    const result = await trickle(lines, 100);
    expect(result.closed).toBe(true);
    expect(result.sent).toBeLessThan(lines.length);
    expect(result.reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client that sends its body a byte at a time', async () => {
    const body = '{"kind":"inference","time":1,"name":"x"}\n'.repeat(2);
    const head =
      `POST /v1/ingest/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.ingest}\r\n` +
      `Content-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`;
    const result = await trickle([head, ...body.split('')], 100);
    expect(result.closed).toBe(true);
    expect(result.sent).toBeLessThan(body.length + 1);
    expect(result.reply).not.toMatch(/^HTTP\/1\.1 202/);
  });

  it('keeps serving other clients meanwhile', async () => {
    const slow = trickle(
      ['GET /healthz HTTP/1.1\r\n', ...Array.from({ length: 30 }, () => 'X: y\r\n')],
      100,
    );
    const res = await fetch(`${cordon.url ?? ''}/healthz`);
    expect(res.status).toBe(200);
    expect((await slow).closed).toBe(true);
  });
});
