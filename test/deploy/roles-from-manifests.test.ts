import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFESTS_DIR } from '../../deploy/tools/render-chart.mjs';
import { ROLES } from '../../src/config/load-config.js';
import { REPO_ROOT } from '../helpers/cordon.js';
import { freePort } from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp-dir.js';

// Each role started for real (the built CLI, a real Redis) with the environment its Deployment
// in deploy/k8s gives it, changed only where a pod differs from a test: loopback instead of
// every interface, free ports instead of the fixed ones, temporary folders for the Secret
// mount and the home volume, the repository for the image's /app. Then the pod's probes,
// the image's health check and the scrape the autoscaler depends on are asked where the
// manifests point them.
const docs = loadAll(readFileSync(join(MANIFESTS_DIR, 'deployments.yaml'), 'utf8'), {
  schema: YAML11_SCHEMA,
}).concat(loadAll(readFileSync(join(MANIFESTS_DIR, 'configmap.yaml'), 'utf8'))) as any[];
const configMap = docs.find((d) => d?.kind === 'ConfigMap');
const METRICS_TOKEN = 'deploy-test-metrics-token';
const PORT_VARS = ['CORDON_PORT', 'CORDON_CONSOLE_PORT', 'CORDON_OPS_PORT'] as const;

const testRedis = createTestRedis('deploy');
const home = tempDir('deploy');
const tokensFile = join(home, 'tokens.json');
writeFileSync(
  tokensFile,
  JSON.stringify({
    principals: [
      {
        id: 'prometheus',
        roles: ['metrics'],
        token_sha256: createHash('sha256').update(METRICS_TOKEN).digest('hex'),
      },
    ],
  }),
);
afterAll(() => testRedis.cleanup());

async function environmentOf(role: string): Promise<{
  env: Record<string, string>;
  container: any;
  annotations: Record<string, string>;
  portMap: Map<number, number>;
}> {
  const d = docs.find(
    (doc) =>
      doc?.kind === 'Deployment' &&
      doc.spec.template.spec.containers[0].env.some(
        (e: any) => e.name === 'CORDON_ROLES' && e.value === role,
      ),
  );
  const container = d.spec.template.spec.containers[0];
  const env: Record<string, string> = { ...configMap.data };
  for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
  const portMap = new Map<number, number>();
  for (const name of PORT_VARS) {
    const port = await freePort();
    portMap.set(Number(env[name]), port);
    env[name] = String(port);
  }
  // The Secret mount (tokens.json) and REDIS_URL; the home volume; the image's content.
  expect(env.CORDON_TOKENS_FILE).toMatch(/^\/etc\/cordon\/secret\//);
  env.CORDON_TOKENS_FILE = tokensFile;
  env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  env.CORDON_HOME = join(home, role);
  expect(env.CORDON_CONTENT_DIR).toBe('/app');
  env.CORDON_CONTENT_DIR = REPO_ROOT;
  expect(env.CORDON_HOST).toBe('0.0.0.0');
  env.CORDON_HOST = '127.0.0.1';
  env.CORDON_REDIS_PREFIX = testRedis.prefix;
  env.CORDON_INSTANCE_ID = `deploy-${role}`;
  // Parallel test files share two cores: a loaded event loop must not look like an outage.
  env.CORDON_REDIS_COMMAND_TIMEOUT_MS = '10000';
  return { env, container, annotations: d.spec.template.metadata.annotations, portMap };
}

async function eventually(
  url: string,
  init: RequestInit,
  ok: (status: number) => boolean,
  timeoutMs: number,
  output: () => string,
): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, init);
      if (ok(res.status)) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready in ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Started {
  readonly role: string;
  readonly env: Record<string, string>;
  readonly container: any;
  readonly annotations: Record<string, string>;
  readonly portMap: Map<number, number>;
  readonly exited: Promise<number | null>;
  kill(): void;
  output(): string;
}

/** Starts a role's process and waits for its readiness probe, as the kubelet would. */
async function start(role: string): Promise<Started> {
  const { env, container, annotations, portMap } = await environmentOf(role);
  let output = '';
  // The image's entrypoint (Dockerfile): the bundled CLI.
  const child = spawn(process.execPath, ['dist/bundle/main.js', ...container.args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const started: Started = {
    role,
    env,
    container,
    annotations,
    portMap,
    exited,
    kill: () => child.kill('SIGTERM'),
    output: () => output,
  };
  const ready = container.readinessProbe.httpGet;
  await eventually(
    url(started, ready.port, ready.path),
    {},
    (s) => s === 200,
    25_000,
    () => output,
  );
  return started;
}

/** A manifest port (a name or number of the container) as the test's free port. */
function url(p: Started, named: string | number, path: string): string {
  const number =
    typeof named === 'number'
      ? named
      : p.container.ports.find((port: any) => port.name === named).containerPort;
  return `http://127.0.0.1:${p.portMap.get(number)}${path}`;
}

// The four start together: on a loaded two-core machine one after another would take long.
const processes = new Map<string, Started>();
beforeAll(async () => {
  const started = await Promise.allSettled(ROLES.map((role) => start(role)));
  for (const s of started) if (s.status === 'fulfilled') processes.set(s.value.role, s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}, 40_000);
afterAll(async () => {
  for (const p of processes.values()) p.kill();
  await Promise.all([...processes.values()].map((p) => p.exited));
});

describe('each role started with its Deployment environment', () => {
  it.each(ROLES)('%s answers its liveness probe and the image health check', async (role) => {
    const p = processes.get(role)!;
    const live = p.container.livenessProbe.httpGet;
    expect((await fetch(url(p, live.port, live.path))).status).toBe(200);
    const startup = p.container.startupProbe.httpGet;
    expect((await fetch(url(p, startup.port, startup.path))).status).toBe(200);
    // The image's HEALTHCHECK, with the pod's environment.
    const check = spawnSync(process.execPath, ['deploy/docker/healthcheck.mjs'], {
      env: { PATH: process.env.PATH ?? '', ...p.env },
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
  });

  it.each(ROLES)('%s serves /metrics where its pod annotations point Prometheus', async (role) => {
    const p = processes.get(role)!;
    const scrape = url(
      p,
      Number(p.annotations['prometheus.io/port']),
      p.annotations['prometheus.io/path']!,
    );
    expect((await fetch(scrape)).status).toBe(401);
    const metrics = await fetch(scrape, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    // The correlator's lag (the autoscaler's metric) is among what its pod exports.
    const text = await metrics.text();
    if (role === 'correlator') expect(text).toMatch(/^cordon_correlator_lag_entries \d+/m);
    else expect(text).not.toMatch(/^cordon_correlator_lag_entries/m);
  });

  it('every role drains and exits 0 on SIGTERM, as Kubernetes stops a pod', async () => {
    for (const p of processes.values()) p.kill();
    for (const p of processes.values()) expect(await p.exited, `${p.role}: ${p.output()}`).toBe(0);
  }, 20_000);
});
