import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisAnswers } from '../../src/store/redis.js';
import { freePort } from './process.js';
import { tempDir } from './temp-dir.js';

/**
 * A redis-server of the test's own (AOF on, fsync every second, as the embedded default), on
 * a free port, that the test can pause, kill and start again on the same data.
 */
export interface PrivateRedis {
  readonly url: string;
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers. */
  pause(): void;
  resume(): void;
  /** SIGKILL, no chance to flush anything more. */
  kill(): Promise<void>;
  /** Stops the server and removes its data. */
  cleanup(): Promise<void>;
}

export async function createPrivateRedis(
  options: {
    /** `redis://host:port` of a master this one replicates (its start waits for the first sync). */
    replicaOf?: string;
  } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = tempDir('redis');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--save',
          '',
          '--logfile',
          join(dir, 'redis.log'),
          // A replica's first sync without diskless sync's 5 s wait for more replicas.
          '--repl-diskless-sync-delay',
          '0',
          ...(options.replicaOf ? replicaArgs(options.replicaOf) : []),
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if ((await redisAnswers(url, 300)) && (!options.replicaOf || (await synced(url)))) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    kill,
    async cleanup() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function replicaArgs(master: string): string[] {
  const { hostname, port } = new URL(master);
  return ['--replicaof', hostname, port];
}

/** Whether a replica has finished its first sync with its master. */
async function synced(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return /master_link_status:up/.test(await redis.info('replication'));
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
