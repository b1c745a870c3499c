import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { CordonError } from '../shared/errors.js';
import { redisAnswers } from '../store/redis.js';

export interface ResolvedRedis {
  readonly url: string;
  /** How it was found, for the start banner. */
  readonly origin: 'REDIS_URL' | 'local 6379' | 'private redis-server';
  /** Stops the private server if Cordon started it; a no-op otherwise. */
  stop(): Promise<void>;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * The embedded default: REDIS_URL if set; else a Redis already answering on 127.0.0.1:6379;
 * else a private `redis-server` (AOF on, data under <home>/redis) that lives as long as Cordon.
 * A private server left running by a crashed Cordon is adopted rather than started twice on
 * the same data directory.
 */
export async function resolveRedis(
  explicitUrl: string | undefined,
  homeDir: string,
  options: { defaultUrl?: string; path?: string } = {},
): Promise<ResolvedRedis> {
  const defaultUrl = options.defaultUrl ?? DEFAULT_URL;
  if (explicitUrl) return { url: explicitUrl, origin: 'REDIS_URL', stop: async () => undefined };
  if (await redisAnswers(defaultUrl))
    return { url: defaultUrl, origin: 'local 6379', stop: async () => undefined };

  const dir = join(homeDir, 'redis');
  const stateFile = join(dir, 'cordon-redis.json');
  await mkdir(dir, { recursive: true });
  const previous = await readState(stateFile);
  if (previous && (await redisAnswers(`redis://127.0.0.1:${previous.port}`))) {
    const url = `redis://127.0.0.1:${previous.port}`;
    return { url, origin: 'private redis-server', stop: () => shutdown(url, stateFile) };
  }

  const binary = await findOnPath('redis-server', options.path ?? process.env.PATH ?? '');
  if (!binary) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
      'Cordon needs Redis: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and redis-server is not on PATH. ' +
        'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:port.',
    );
  }
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilUp(url, child, join(dir, 'redis.log'));
  await writeFile(stateFile, JSON.stringify({ port, pid: child.pid }));
  return {
    url,
    origin: 'private redis-server',
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM'); // redis-server flushes the AOF and exits on SIGTERM
      await exited;
      await rm(stateFile, { force: true });
    },
  };
}

async function shutdown(url: string, stateFile: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  await client
    .connect()
    .then(() => client.shutdown())
    .catch(() => undefined);
  client.disconnect();
  await rm(stateFile, { force: true });
}

async function readState(file: string): Promise<{ port: number } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { port?: unknown };
    return typeof parsed.port === 'number' ? { port: parsed.port } : undefined;
  } catch {
    return undefined;
  }
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, 1 /* X_OK */);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await redisAnswers(url, 300)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new CordonError(
    'CORDON_ERR_CONFIG_REDIS_UNAVAILABLE',
    `The private redis-server did not start. Last log lines:\n${log.split('\n').slice(-8).join('\n')}`,
  );
}
