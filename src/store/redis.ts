import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { CordonError } from '../shared/errors.js';
import { keySlot } from './key-slot.js';
import {
  isClusterUrl,
  parseClusterUrl,
  redactClusterUrl,
  type ClusterTarget,
} from './redis-target.js';

/** A connection to one Redis or to a Redis Cluster: every store takes either. */
export type RedisClient = Redis | Cluster;

/**
 * Connections: BullMQ needs `maxRetriesPerRequest: null` (it retries on its own); blocking
 * readers (XREAD BLOCK) need their own connection so they never stall other commands.
 */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  const merged: RedisOptions = {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    connectionName: 'cordon',
    ...options,
  };
  if (!isClusterUrl(url)) return new Redis(url, merged);
  return createCluster(parseClusterUrl(url), merged);
}

/**
 * A Redis Cluster client from the same options: per-node options go to every node's
 * connection; the reconnect policy becomes the cluster's; auto-pipelining batches per node.
 */
function createCluster(target: ClusterTarget, options: RedisOptions): Cluster {
  const {
    retryStrategy,
    enableAutoPipelining,
    autoPipeliningIgnoredCommands,
    lazyConnect,
    enableOfflineQueue,
    ...nodeOptions
  } = options;
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: {
        ...nodeOptions,
        ...(target.username !== undefined ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
      ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
      ...(autoPipeliningIgnoredCommands ? { autoPipeliningIgnoredCommands } : {}),
      ...(lazyConnect !== undefined ? { lazyConnect } : {}),
      ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
      // A failover moves slots: wait for the promoted replica rather than fail at once.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      maxRedirections: 32,
    },
  );
}

/** Whether a connection is to a Redis Cluster. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * Every master's connection (a Cluster), or the connection itself: what SCAN, INFO and WAIT
 * must be sent to one by one, since they name no key a cluster could route by.
 */
export function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** A node connection in these states has lost its server (a lazy one not yet used is fine). */
const DEAD = new Set(['close', 'end', 'reconnecting']);

/**
 * The connection of the master that holds `key` (the connection itself on a single Redis).
 * Commands sent straight to a node never see MOVED, so the slot map is refreshed when the
 * master is gone (a failover) and after `refresh()`.
 */
export async function masterOf(redis: RedisClient, key: string): Promise<Redis> {
  if (!isCluster(redis)) return redis;
  const find = (): Redis | undefined => {
    const [address] = redis.slots[keySlot(key)] ?? [];
    return redis
      .nodes('master')
      .find((n) => `${n.options.host}:${n.options.port}` === address && !DEAD.has(n.status));
  };
  const node = find() ?? (await refreshSlots(redis), find());
  if (!node)
    throw new Error(
      `CLUSTERDOWN no master holds the slot of ${key} now (a failover in progress?); retry.`,
    );
  return node;
}

/** Reloads a cluster client's slot map (after a node it was sent to failed). */
export function refreshSlots(redis: RedisClient): Promise<void> {
  if (!isCluster(redis)) return Promise.resolve();
  return new Promise((resolve) => {
    redis.refreshSlotsCache(() => resolve());
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
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Command timed out|MaxRetriesPerRequest|Stream isn't writeable|LOADING|Socket closed unexpectedly|CLUSTERDOWN|TRYAGAIN|^MOVED /i.test(
      err.message,
    )
  );
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  if (isClusterUrl(url)) return redactClusterUrl(url);
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
export async function waitForRedis(redis: RedisClient, url: string, waitMs: number): Promise<void> {
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
  const probe = createRedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    enableAutoPipelining: false,
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

/**
 * Deletes every key matching `pattern` (SCAN on each master; one UNLINK per key on a cluster,
 * where one UNLINK may not span slots). Returns how many were deleted.
 *
 * On a cluster the UNLINKs go through the cluster client, not the node the SCAN ran on: after a
 * failover the client's list of masters can still hold the old master, rejoined as a replica;
 * its SCAN finds the keys (it has a copy) but an UNLINK sent to it answers MOVED. Routed by
 * slot, the UNLINK reaches the current master (and a key seen on both counts once).
 */
export async function unlinkMatching(redis: RedisClient, pattern: string): Promise<number> {
  let deleted = 0;
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (isCluster(redis))
        for (const n of await Promise.all(keys.map((k) => redis.unlink(k)))) deleted += n;
      else deleted += await node.unlink(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}
