/**
 * A process without the API role serves its probes and /metrics on CORDON_OPS_PORT, so an
 * orchestrator can tell when a correlator (runner, worker) alone is ready and a scraper can
 * read its counters; nothing else is served there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/cordon.js';
import {
  freePort,
  generatedTokens,
  spawnCordon,
  tempHome,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';

const store = createTestRedis('opsport');
let proc: CordonProcess | undefined;

afterAll(async () => {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null)
    proc.child.kill('SIGKILL');
  await store.cleanup();
});

describe('CORDON_OPS_PORT', () => {
  it('serves probes and authenticated metrics for a correlator-only process', async () => {
    const home = tempHome();
    const opsPort = await freePort();
    proc = spawnCordon({
      home,
      prefix: store.prefix,
      port: await freePort(),
      env: { CORDON_ROLES: 'correlator', CORDON_OPS_PORT: String(opsPort) },
    });
    const base = `http://127.0.0.1:${opsPort}`;
    const ready = await eventually(
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      'the correlator to be ready on its ops port',
      30_000,
    );
    expect(ready).toEqual({ status: 'ready', checks: { redis: true, correlator: true } });
    expect(proc.output()).toContain(`Probes:      ${base}/healthz`);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const tokens = generatedTokens(home);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${tokens.analyst}` },
    });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/\ncordon_correlator_events_total 0\n/);
    expect(text).toContain('\ncordon_correlator_partitions_owned 16\n');
    // The API itself is not there.
    const incidents = await fetch(`${base}/v1/incidents`, {
      headers: { authorization: `Bearer ${tokens.analyst}` },
    });
    expect(incidents.status).toBe(404);

    proc.child.kill('SIGTERM');
    expect((await proc.exited()).code).toBe(0);
  });
});
