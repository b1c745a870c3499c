import type { Redis } from 'ioredis';
import { masterOf, refreshSlots, type RedisClient } from './redis.js';

/**
 * Replica acknowledgement of a write: it goes through `connection` (a connection of its own,
 * since WAIT holds the connection it is sent on) to the master of its key, followed by
 * `WAIT replicas timeoutMs` there. WAIT counts the replicas that have this client's writes, so
 * both go to one node connection (a cluster's routing would send the keyless WAIT to any node).
 */
export interface ReplicaAck {
  readonly replicas: number;
  readonly timeoutMs: number;
  readonly connection: RedisClient;
}

/**
 * Runs `write` on the master of `key`, then WAITs; returns what it returned and how many
 * replicas acknowledged. The caller decides what too few means (its own error code).
 */
export async function writeAcknowledged<T>(
  ack: ReplicaAck,
  key: string,
  write: (node: Redis) => Promise<T>,
): Promise<{ readonly result: T; readonly acknowledged: number }> {
  const node = await masterOf(ack.connection, key);
  try {
    const result = await write(node);
    const acknowledged = Number(await node.wait(ack.replicas, ack.timeoutMs));
    return { result, acknowledged };
  } catch (err) {
    // The node failed or lost the slot (failover): the next write asks the cluster again.
    void refreshSlots(ack.connection);
    throw err;
  }
}
