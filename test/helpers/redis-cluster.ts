import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ownedTempDir } from './temp-dir.js';

/**
 * A real Redis Cluster of six local redis-server processes (3 masters, 3 replicas), made with
 * `redis-cli --cluster create … --cluster-replicas 1` on ports of a free range (each port and
 * its cluster-bus port, +10000), data in a temporary folder; `stop()` kills them and removes
 * it. The test can SIGKILL a master and wait for its replica's promotion.
 *
 * Ready means every replica finished its first sync (`master_link_status:up`), not merely that
 * it is attached: a replica that never synced refuses to fail over ("Disconnected from master
 * for longer than allowed", cluster-replica-validity-factor), so a master killed in that
 * window left its slots down for good — the failover test's hang on a loaded machine. The
 * first sync also starts at once (`repl-diskless-sync-delay 0`, not Redis's 5 s).
 */
export interface RedisClusterNode {
  readonly port: number;
  readonly address: string;
  /** SIGKILL: no flush, no goodbye to the cluster. */
  kill(): Promise<void>;
  /** Starts a killed node again on its data and cluster config. */
  restart(): Promise<void>;
  readonly alive: boolean;
}

export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,…` (every node as a seed). */
  readonly url: string;
  readonly nodes: readonly RedisClusterNode[];
  /** The node serving `slot` as master now (asked of a live node). */
  masterOfSlot(slot: number): Promise<RedisClusterNode>;
  /** Waits until every slot is served again (cluster_state:ok on every live node). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Waits until another node than `victim` serves `slot` as master and every live node says
   * cluster_state:ok (the promotion is known cluster-wide, not just to the promoted replica).
   */
  waitFailedOver(victim: RedisClusterNode, slot: number, timeoutMs?: number): Promise<void>;
  /** `--cluster-node-timeout` of every node (ms): a failover takes about this plus ~1-2 s. */
  readonly nodeTimeoutMs: number;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const NODES = 6;

/**
 * Node timeout: how long a node may not answer before its peers count it failed. 1 s made
 * healthy nodes look failed when two loaded cores starved a redis-server; 2 s keeps a failover
 * at ~3-4 s.
 */
const NODE_TIMEOUT_MS = 2_000;

export async function startRedisCluster(
  options: { nodeTimeoutMs?: number } = {},
): Promise<LocalRedisCluster> {
  const nodeTimeoutMs = options.nodeTimeoutMs ?? NODE_TIMEOUT_MS;
  const base = await freeRange(NODES);
  const data = ownedTempDir('redis-cluster');
  const children = new Map<number, ChildProcess>();
  const alive = new Set<number>();
  const nodes: RedisClusterNode[] = [];
  const spawnNode = (port: number): ChildProcess => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(data.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--repl-diskless-sync-delay',
        '0',
        '--dir',
        data.dir,
        '--dbfilename',
        `dump-${port}.rdb`,
        '--appendonly',
        'no',
        '--save',
        '',
        '--logfile',
        join(data.dir, `redis-${port}.log`),
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
    alive.add(port);
    child.once('exit', () => {
      if (children.get(port) === child) alive.delete(port);
    });
    return child;
  };
  for (let i = 0; i < NODES; i += 1) {
    const port = base + i;
    spawnNode(port);
    nodes.push({
      port,
      address: `127.0.0.1:${port}`,
      get alive() {
        return alive.has(port);
      },
      async kill() {
        const child = children.get(port);
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
      async restart() {
        // Its nodes.conf remembers the cluster: it rejoins (as a replica once it was failed over).
        spawnNode(port);
        await waitFor(() => ping(port), 10_000, `redis-server on ${port} again`);
      },
    });
  }
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    data.remove();
  };
  try {
    for (const n of nodes) await waitFor(() => ping(n.port), 10_000, `redis-server on ${n.port}`);
    // redis-cli waits for the nodes to agree on the configuration; it is killed past a minute.
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => n.address),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    const cluster: LocalRedisCluster = {
      nodeTimeoutMs,
      url: `redis+cluster://${nodes.map((n) => n.address).join(',')}`,
      nodes,
      async masterOfSlot(slot) {
        const live = nodes.find((n) => n.alive);
        if (!live) throw new Error('no live node');
        const slots = (await ask(live.port, ['CLUSTER', 'SLOTS'])) as [
          number,
          number,
          [string, number],
        ][];
        for (const [from, to, [, port]] of slots)
          if (slot >= from && slot <= to) {
            const node = nodes.find((n) => n.port === port);
            if (node) return node;
          }
        throw new Error(`no master serves slot ${slot}`);
      },
      async waitHealthy(timeoutMs = 20_000) {
        await waitFor(
          async () => {
            for (const n of nodes.filter((x) => x.alive)) {
              const info = String(await ask(n.port, ['CLUSTER', 'INFO']));
              if (!info.includes('cluster_state:ok')) return false;
            }
            return true;
          },
          timeoutMs,
          'cluster_state:ok on every node',
        );
      },
      async waitFailedOver(victim, slot, timeoutMs = 10 * nodeTimeoutMs + 10_000) {
        await waitFor(
          async () => (await cluster.masterOfSlot(slot)) !== victim,
          timeoutMs,
          `a replica of ${victim.address} serving slot ${slot}`,
        );
        await cluster.waitHealthy(timeoutMs);
      },
      stop,
    };
    await cluster.waitHealthy();
    // Every master has its replica attached and synced (WAIT in the tests counts on it, and an
    // unsynced replica could not take over).
    await waitFor(
      async () => {
        let masters = 0;
        let synced = 0;
        for (const n of nodes) {
          const info = String(await ask(n.port, ['INFO', 'replication']));
          if (info.includes('role:master') && /connected_slaves:1\b/.test(info)) masters += 1;
          if (info.includes('role:slave') && info.includes('master_link_status:up')) synced += 1;
        }
        return masters === 3 && synced === 3;
      },
      30_000,
      'three masters with a synced replica each',
    );
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function ask(port: number, command: string[]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    // A node that accepts but never answers must not hold a poll (waitFor) past its deadline.
    commandTimeout: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command[0] as string, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await ask(port, ['PING'])) === 'PONG';
  } catch {
    return false;
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`,
  );
}

/** A base port with `count` free ports and their cluster-bus ports (+10000) free too. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    let ok = true;
    for (let i = 0; i < count && ok; i += 1)
      ok = (await portFree(base + i)) && (await portFree(base + i + 10_000));
    if (ok) return base;
  }
  throw new Error('no free range of ports for a local Redis Cluster');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
