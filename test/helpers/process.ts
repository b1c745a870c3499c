import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './cordon.js';
import { TEST_REDIS_URL } from './redis.js';
import { tempDir } from './temp-dir.js';

export interface CordonProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code, or the signal that killed it. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function tempHome(): string {
  return tempDir('home');
}

/**
 * Runs the built CLI (`node dist/cli/main.js start`) as a real process. Short job locks and
 * reconcile intervals let a restarted process pick up a killed one's work within a second or
 * two; `productionTiming` keeps the shipped defaults instead (recovery-time tests). `bin`: another
 * build of the CLI (dist/bundle/main.js, the bundled one the `cordon` binary runs).
 */
export function spawnCordon(options: {
  home: string;
  prefix: string;
  port: number;
  env?: Record<string, string>;
  productionTiming?: boolean;
  bin?: string;
}): CordonProcess {
  const shortTiming = options.productionTiming
    ? {}
    : {
        CORDON_JOB_LOCK_MS: '1500',
        CORDON_JOB_STALLED_INTERVAL_MS: '500',
        CORDON_RECONCILE_INTERVAL_MS: '500',
      };
  let out = '';
  const child = spawn(process.execPath, [options.bin ?? 'dist/cli/main.js', 'start'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: TEST_REDIS_URL,
      CORDON_HOME: options.home,
      CORDON_REDIS_PREFIX: options.prefix,
      CORDON_PORT: String(options.port),
      CORDON_CONSOLE_PORT: '0',
      CORDON_INSTANCE_ID: 'restart-test',
      ...shortTiming,
      CORDON_LOG_LEVEL: 'info',
      // Parallel test files share two cores: a loaded event loop must not look like an outage.
      CORDON_REDIS_COMMAND_TIMEOUT_MS: '10000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, url: `http://127.0.0.1:${options.port}`, output: () => out, exited: () => exit };
}

export async function waitReady(proc: CordonProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`Cordon exited before it was ready:\n${proc.output()}`);
    }
    try {
      const res = await fetch(`${proc.url}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Cordon was not ready within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Tokens `cordon start` generated in its home on first start. */
export function generatedTokens(home: string): Record<string, string> {
  const text = readFileSync(join(home, 'credentials.env'), 'utf8');
  const tokens: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^CORDON_(\w+)_TOKEN=(.+)$/.exec(line);
    if (m?.[1] && m[2]) tokens[m[1].toLowerCase()] = m[2];
  }
  return tokens;
}

/**
 * The process's exit, or an error with its output after `timeoutMs`: a stop that hangs says
 * what the process was doing instead of running into the test's timeout silently.
 */
export function exitedWithin(
  proc: CordonProcess,
  timeoutMs: number,
  what = 'the process to exit',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    proc.exited().finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`waited ${timeoutMs} ms for ${what}; output:\n${proc.output()}`)),
        timeoutMs,
      );
    }),
  ]);
}

export async function http(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: string,
  contentType = 'application/json',
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    // A request no test waits on this long: a hung server fails the request, not the test's
    // whole timeout.
    signal: AbortSignal.timeout(20_000),
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/**
 * Three failed logins of `user` a few seconds ago, through POST /v1/ingest/events of the
 * Cordon at `url`: enough for the test contents' `gte: 3` rules to open an incident.
 */
export async function failLogins(url: string, token: string, user: string): Promise<void> {
  const now = Date.now();
  const body = [0, 1, 2]
    .map((i) =>
      JSON.stringify({
        kind: 'login',
        time: now - 5_000 + i,
        outcome: 'failure',
        entity: { user },
      }),
    )
    .join('\n');
  const res = await http(
    url,
    'POST',
    '/v1/ingest/events',
    token,
    `${body}\n`,
    'application/x-ndjson',
  );
  if (res.status !== 202)
    throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.json)}`);
}
