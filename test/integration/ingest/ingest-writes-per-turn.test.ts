import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';

/**
 * The API process sends its Redis writes once per event-loop turn (store/write-per-turn.ts,
 * wired in main.ts): a burst of single-event webhooks, each an append and a counter update,
 * reaches Redis in a few writes, not two per request.
 */
const REQUESTS = 40;
const redisPort = Number(new URL(TEST_REDIS_URL).port || 6379);
let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon({ env: { CORDON_ROLES: 'api' } });
});
afterAll(async () => {
  await t?.stop();
});

/** Counts what Node hands the kernel on sockets to the tests' Redis while `work` runs. */
async function redisWritesDuring(work: () => Promise<unknown>): Promise<number> {
  const proto = Socket.prototype as unknown as {
    _writeGeneric: (this: Socket, ...args: unknown[]) => unknown;
  };
  const original = proto._writeGeneric;
  let writes = 0;
  proto._writeGeneric = function (this: Socket, ...args: unknown[]) {
    if (this.remotePort === redisPort) writes += 1;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    proto._writeGeneric = original;
  }
  return writes;
}

describe('the API process writing to Redis', () => {
  it('sends a burst of webhooks’ appends and counters in a few writes', async () => {
    // Warm: scripts loaded, connections open.
    const warm = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, {
      id: 'warm',
      kind: 'login',
      time: Date.now(),
      entity: { user: 'warm' },
    });
    expect(warm.statusCode).toBe(202);
    let answers: number[] = [];
    const writes = await redisWritesDuring(async () => {
      const replies = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          t.call('POST', '/v1/ingest/events', TOKENS.ingest, {
            id: `burst-${i}`,
            kind: 'login',
            time: Date.now(),
            entity: { user: `user-${i}` },
          }),
        ),
      );
      answers = replies.map((r) => r.statusCode);
    });
    expect(answers).toEqual(Array.from({ length: REQUESTS }, () => 202));
    // Unbatched, each request writes its append and its counters: 2 × REQUESTS.
    expect(writes).toBeLessThan(REQUESTS / 2);
  });
});
