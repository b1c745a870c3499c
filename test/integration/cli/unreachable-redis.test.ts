/**
 * `cordon start` against a REDIS_URL nothing answers on (a closed port, or a server that
 * accepts and never replies) gives up after CORDON_REDIS_CONNECT_WAIT_MS with the documented
 * error, without the password and without stack traces, instead of retrying forever.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnCordon, tempHome } from '../../helpers/process.js';

const WAIT_MS = 1_500;
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

async function startAgainst(
  redisUrl: string,
): Promise<{ code: number | null; output: string; ms: number }> {
  const home = tempHome();
  homes.push(home);
  const started = performance.now();
  const proc = spawnCordon({
    home,
    prefix: 'unreachable',
    port: await freePort(),
    env: { REDIS_URL: redisUrl, CORDON_REDIS_CONNECT_WAIT_MS: String(WAIT_MS) },
  });
  const { code } = await proc.exited();
  return { code, output: proc.output(), ms: performance.now() - started };
}

function expectDocumentedFailure(result: {
  code: number | null;
  output: string;
  ms: number;
}): void {
  expect(result.code).toBe(1);
  expect(result.output).toContain('[CORDON_ERR_CONFIG_REDIS_UNAVAILABLE]');
  expect(result.output).toContain(`did not answer within ${WAIT_MS} ms`);
  expect(result.output).toContain('CORDON_REDIS_CONNECT_WAIT_MS');
  expect(result.output).not.toContain('s3cret');
  expect(result.output).not.toMatch(/\n\s+at /);
  // The bounded wait plus the process's own start, far below "forever".
  expect(result.ms).toBeLessThan(WAIT_MS + 15_000);
}

describe('an unreachable REDIS_URL', () => {
  it('fails the start with the documented error when nothing listens', async () => {
    const port = await freePort();
    expectDocumentedFailure(await startAgainst(`redis://:s3cret@127.0.0.1:${port}`));
  });

  it('fails the start with the documented error when the server never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    try {
      const result = await startAgainst(`redis://:s3cret@127.0.0.1:${port}`);
      expectDocumentedFailure(result);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
