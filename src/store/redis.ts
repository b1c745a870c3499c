import { Redis, type RedisOptions } from 'ioredis';
import { CordonError } from '../shared/errors.js';

/**
 * Connections: BullMQ needs `maxRetriesPerRequest: null` (it retries on its own); blocking
 * readers (XREAD BLOCK) need their own connection so they never stall other commands.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    connectionName: 'cordon',
    ...options,
  });
}

/**
 * How a connection behaves while Redis is away:
 * - `commands` (stores, API, BullMQ producers): a command fails after `commandTimeoutMs`, and
 *   commands queued while disconnected fail at the first failed reconnect, so nothing parks
 *   in memory for the length of an outage;
 * - `blocking` (the correlator's XREAD BLOCK): the same, with the block time added;
 * - `worker` (BullMQ workers): `maxRetriesPerRequest: null`, as BullMQ requires; they wait.
 * Every kind reconnects at most a second apart, so service resumes within about a second of
 * Redis answering again.
 */
export function outageOptions(
  kind: 'commands' | 'blocking' | 'worker',
  commandTimeoutMs: number,
  blockMs = 0,
): RedisOptions {
  const common: RedisOptions = {
    connectTimeout: Math.max(1_000, commandTimeoutMs),
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
  };
  if (kind === 'worker') return { ...common, maxRetriesPerRequest: null };
  return {
    ...common,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs + (kind === 'blocking' ? blockMs : 0),
    // The outage probe's PING goes straight out: an auto-pipelined one would first wait for
    // the batch before it, doubling the time to notice a Redis that stopped answering.
    autoPipeliningIgnoredCommands: ['ping'],
  };
}

/** Errors that mean "Redis is not answering" (as opposed to a bad command or script). */
export function isRedisConnectionError(err: unknown): boolean {
  return (
    err instanceof Error &&
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Command timed out|MaxRetriesPerRequest|Stream isn't writeable|LOADING|Socket closed unexpectedly/i.test(
      err.message,
    )
  );
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Waits until `redis` answers PING, at most `waitMs`; then fails with
 * CORDON_ERR_CONFIG_REDIS_UNAVAILABLE rather than retrying forever.
 */
export async function waitForRedis(redis: Redis, url: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  // The connection's own error (ECONNREFUSED, ENOTFOUND, NOAUTH) says more than a timed-out PING.
  let connectionError: Error | undefined;
  const onError = (err: Error): void => {
    connectionError = err;
  };
  redis.on('error', onError);
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        if ((await withTimeout(redis.ping(), deadline - Date.now())) === 'PONG') return;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
  } finally {
    redis.off('error', onError);
  }
  const cause = connectionError ?? last;
  const reason = cause instanceof Error && cause.message ? ` (last error: ${cause.message})` : '';
  throw new CordonError(
    'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
    `Redis at ${redactRedisUrl(url)} did not answer within ${waitMs} ms${reason}. Check that it runs and that REDIS_URL names it, or raise CORDON_REDIS_CONNECT_WAIT_MS.`,
    { cause },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Command timed out')), Math.max(0, ms));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Resolves when `url` answers PING within `timeoutMs`, false otherwise; never throws. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    // A server that accepts and stays silent must not hold the probe past its timeout.
    await withTimeout(probe.connect(), timeoutMs);
    return (await withTimeout(probe.ping(), timeoutMs)) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
