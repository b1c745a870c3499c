import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load-config.js';
import { PrincipalDirectory } from '../../src/config/principals.js';
import { startCordon, type Cordon } from '../../src/main.js';
import { sha256Hex } from '../../src/shared/hash.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from './redis.js';
import { tempDir } from './temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Sample payloads (copies of the team's research samples), kept in the repo. */
export const SAMPLES = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));

/** Known tokens for tests, one principal per duty (plus a second approver for quorums). */
export const TOKENS = {
  admin: 'test-admin-token',
  ingest: 'test-ingest-token',
  approver: 'test-approver-token',
  approver2: 'test-approver2-token',
  analyst: 'test-analyst-token',
  gateway: 'test-gateway-token',
  eventsOnly: 'test-events-only-token',
  approverIngest: 'test-approver-and-ingest-token',
  oncall: 'test-oncall-token',
  oncallReader: 'test-oncall-reader-token',
  auditor: 'test-auditor-token',
} as const;

export function testPrincipals(): PrincipalDirectory {
  const dir = new PrincipalDirectory();
  const add = (id: string, roles: string[], token: string, sources: string[] = []): void =>
    dir.add({ id, roles, sources }, sha256Hex(token));
  add('admin', ['admin'], TOKENS.admin);
  add('ingest', ['ingest'], TOKENS.ingest, ['*']);
  add('approver', ['approver', 'analyst', 'responder'], TOKENS.approver);
  add('approver-2', ['approver', 'analyst'], TOKENS.approver2);
  add('analyst', ['analyst', 'metrics'], TOKENS.analyst);
  add('gateway', ['gateway'], TOKENS.gateway);
  add('events-only', ['ingest'], TOKENS.eventsOnly, ['events']);
  add('approver-ingest', ['approver', 'ingest'], TOKENS.approverIngest, ['*']);
  add('oncall', ['ml-oncall'], TOKENS.oncall);
  add('oncall-reader', ['ml-oncall', 'analyst'], TOKENS.oncallReader);
  add('auditor', ['auditor'], TOKENS.auditor);
  return dir;
}

export interface TestCordon {
  readonly cordon: Cordon;
  readonly app: FastifyInstance;
  readonly store: TestRedis;
  call(
    method: 'GET' | 'POST',
    url: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

/** An in-process Cordon with every role, on its own Redis key prefix. */
export async function startTestCordon(
  options: {
    contentDir?: string;
    env?: Record<string, string>;
    logger?: Logger;
    /** Start on this Redis prefix (a restart); the caller then cleans it up, not stop(). */
    store?: TestRedis;
    /** Listen on a free port (cordon.url) besides answering inject(). */
    listen?: boolean;
    /** Another Redis than the tests' (a cluster of the test's own). */
    redisUrl?: string;
    /** The ingest worker threads' module (CordonOptions.ingestWorkerUrl). */
    ingestWorkerUrl?: URL;
  } = {},
): Promise<TestCordon> {
  const owned = options.store === undefined;
  const store = options.store ?? createTestRedis('e2e', options.redisUrl);
  const config = loadConfig(
    {
      CORDON_REDIS_PREFIX: store.prefix,
      CORDON_CONTENT_DIR: options.contentDir ?? REPO_ROOT,
      CORDON_INSTANCE_ID: `test-${store.prefix}`,
      CORDON_RECONCILE_INTERVAL_MS: '60000',
      CORDON_LOG_LEVEL: 'silent',
      // Parallel test files share two cores: a loaded event loop must not look like an outage.
      CORDON_REDIS_COMMAND_TIMEOUT_MS: '10000',
      CORDON_PORT: '0',
      CORDON_CONSOLE_PORT: '0',
      ...options.env,
    },
    REPO_ROOT,
  );
  const cordon = await startCordon({
    config,
    redisUrl: options.redisUrl ?? TEST_REDIS_URL,
    logger: options.logger ?? createLogger(config.logLevel),
    principals: testPrincipals(),
    ...(options.listen ? { listen: true } : {}),
    ...(options.ingestWorkerUrl ? { ingestWorkerUrl: options.ingestWorkerUrl } : {}),
  });
  const app = cordon.app as FastifyInstance;
  return {
    cordon,
    app,
    store,
    call(method, url, token, body, headers = {}) {
      const payload =
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body);
      return app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined && !headers['content-type']
            ? { 'content-type': 'application/json' }
            : {}),
          ...headers,
        },
        ...(payload === undefined ? {} : { payload }),
      });
    },
    async stop() {
      await cordon.stop();
      if (owned) await store.cleanup();
    },
  };
}

/**
 * Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs`.
 * For asynchronous pipelines (correlator, queues), not for measuring time.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
  );
}

/** Reads a counter from GET /metrics (sum over its label sets). */
export async function metricValue(t: TestCordon, name: string): Promise<number> {
  const res = await t.call('GET', '/metrics', TOKENS.analyst);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Waits until the correlator has processed at least `count` events in total. */
export async function correlated(t: TestCordon, count: number): Promise<void> {
  await eventually(
    async () =>
      (await metricValue(t, 'cordon_correlator_events_total')) >= count ? true : undefined,
    `${count} correlated events`,
  );
}

/** NDJSON body of `count` inference events for one API key, distinct by time. */
export function inferenceEvents(
  apiKey: string,
  count: number,
  startMs: number,
  extra: Record<string, unknown> = {},
): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    lines.push(
      JSON.stringify({
        kind: 'inference',
        time: startMs + i * 10,
        name: 'chat.completions',
        entity: { api_key: apiKey, model: 'fraud-scorer' },
        measures: { latency_ms: 40 + (i % 7) },
        ...extra,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A copy of the repository's content (correlations/, playbooks/, connectors/) in a temporary
 * folder, for a test to add its own connectors to (or take shipped ones away) before starting.
 */
export function repoContentCopy(label: string): string {
  const dir = tempDir(label);
  for (const sub of ['correlations', 'playbooks', 'connectors'])
    cpSync(join(REPO_ROOT, sub), join(dir, sub), { recursive: true });
  return dir;
}

/**
 * Cordon on the repository's content plus the connectors in `yaml` (written as
 * connectors/<label>.yaml), with `secrets` in the environment, where connectors read them from,
 * until stop().
 */
export async function startWithConnectors(
  label: string,
  yaml: string,
  secrets: Record<string, string> = {},
): Promise<TestCordon> {
  const contentDir = repoContentCopy(label);
  writeFileSync(join(contentDir, 'connectors', `${label}.yaml`), yaml);
  const forget = (): void => {
    for (const k of Object.keys(secrets)) delete process.env[k];
  };
  for (const [k, v] of Object.entries(secrets)) process.env[k] = v;
  const t = await startTestCordon({ contentDir }).catch((err: unknown) => {
    forget();
    throw err;
  });
  return {
    ...t,
    async stop() {
      await t.stop();
      forget();
    },
  };
}
