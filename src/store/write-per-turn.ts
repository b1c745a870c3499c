import type { Socket } from 'node:net';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis.js';

const PATCHED = Symbol('cordon.writePerTurn');

/** Held writes at least this big are sent at once. */
const FLUSH_BYTES = 16 * 1024;

/**
 * Holds a connection's writes until the end of the event-loop turn (setImmediate), then sends
 * them in one system call: a busy API process writes an append, a counter pipeline and other
 * commands per request, each a `write` to the socket, and on a VM each write costs more CPU
 * than the command it carries. Corking changes no byte and no order. Meant for a connection
 * without ioredis's auto-pipelining, whose own setImmediate flush could fall after this one's
 * and wait a further turn.
 */
export function writePerTurn(redis: RedisClient): void {
  if (!(redis instanceof Cluster)) return patchNode(redis);
  // A cluster's node connections come and go (lazily at first): each as it appears.
  redis.on('+node', patchNode);
  for (const node of redis.nodes()) patchNode(node);
}

function patchNode(node: Redis): void {
  const hook = (): void => {
    const stream = (node as unknown as { stream?: Socket }).stream;
    if (stream !== undefined) patchSocket(stream);
  };
  node.on('connect', hook);
  hook();
}

function patchSocket(socket: Socket & { [PATCHED]?: true }): void {
  if (socket[PATCHED]) return;
  socket[PATCHED] = true;
  let corked = false;
  const uncork = (): void => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const held = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    const ok = write(...args);
    // A big write (an append of a whole batch) goes at once: Redis works on it while this
    // process goes on with the turn, as it did before.
    if (socket.writableLength >= FLUSH_BYTES) uncork();
    return ok;
  };
  socket.write = held;
}
