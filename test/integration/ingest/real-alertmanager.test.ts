/**
 * The real Prometheus Alertmanager (the Debian package's binary, run as its own process) fires
 * into a listening Cordon through a webhook receiver with a Bearer ingest token: what it sends
 * maps to canonical alert events, its resends of a still-firing alert are deduplicated, its
 * resolved notification arrives, and max_alerts truncation is reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';
import {
  eventually,
  metricValue,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../../helpers/cordon.js';
import { freePort } from '../../helpers/process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const INSTANCE = '10.0.4.17:8002';

let t: TestCordon;
let am: ChildProcess | undefined;
let amUrl = '';
let amOutput = '';
const logLines: Record<string, unknown>[] = [];

function killAlertmanager(): void {
  if (am && am.exitCode === null && am.signalCode === null) am.kill('SIGKILL');
}

async function stopAlertmanager(): Promise<void> {
  const child = am;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `Alertmanager exited (${child.exitCode ?? child.signalCode}) before it was ready`,
      );
    try {
      if ((await fetch(`${amUrl}/-/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Alertmanager was not ready within ${timeoutMs} ms`);
}

function config(cordonPort: number): string {
  const webhook = (maxAlerts?: number): string => `
      - url: http://127.0.0.1:${cordonPort}/v1/ingest/alertmanager
        send_resolved: true${maxAlerts === undefined ? '' : `\n        max_alerts: ${maxAlerts}`}
        http_config:
          authorization:
            type: Bearer
            credentials: ${TOKENS.ingest}`;
  return `route:
  receiver: cordon
  group_by: [model]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    # Both alerts must be in the group before its first flush, hence a group_wait here.
    - receiver: cordon-capped
      matchers: ['probe="truncation"']
      group_by: [probe]
      group_wait: 1s
receivers:
  - name: cordon
    webhook_configs:${webhook()}
  - name: cordon-capped
    webhook_configs:${webhook(1)}
`;
}

beforeAll(async () => {
  if (!existsSync(ALERTMANAGER))
    throw new Error(
      `${ALERTMANAGER} is missing: this test runs the real Prometheus Alertmanager. ` +
        'Install it with `apt-get install prometheus-alertmanager` (.ci/run does so in CI).',
    );
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  t = await startTestCordon({ logger: createLogger('warn', sink) });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('Cordon is not listening');

  const dir = tempDir('alertmanager');
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, config(address.port));
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    ALERTMANAGER,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  am.stdout?.on('data', (d: Buffer) => (amOutput += d.toString()));
  am.stderr?.on('data', (d: Buffer) => (amOutput += d.toString()));
  process.once('exit', killAlertmanager);
  try {
    await waitReady(am, 15_000);
  } catch (err) {
    await stopAlertmanager();
    throw new Error(`${(err as Error).message}\nAlertmanager output:\n${amOutput}`);
  }
});

afterAll(async () => {
  await stopAlertmanager();
  process.removeListener('exit', killAlertmanager);
  await t?.stop();
});

interface Stored {
  seq: string;
  event: Record<string, any>;
}

const startsAt = new Date(Date.now() - 60_000).toISOString();

function alert(
  alertname: string,
  extra: { labels?: Record<string, string>; endsAt?: string } = {},
): Record<string, unknown> {
  return {
    labels: {
      alertname,
      severity: 'critical',
      model: 'fraud-scorer',
      instance: INSTANCE,
      api_key: 'key-am-7f3a',
      region: 'eu-west-1',
      ...extra.labels,
    },
    annotations: { summary: `${alertname} on ${INSTANCE}` },
    startsAt,
    ...(extra.endsAt === undefined ? {} : { endsAt: extra.endsAt }),
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
  };
}

async function postAlerts(alerts: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function events(query: string): Promise<Stored[]> {
  const res = await t.call('GET', `/v1/events?source=alertmanager&${query}`, TOKENS.analyst);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().events as Stored[];
}

/** Polls until the query finds at least `count` events (bounded, with Alertmanager's log). */
async function arrived(query: string, count = 1): Promise<Stored[]> {
  try {
    return await eventually(
      async () => {
        const found = await events(query);
        return found.length >= count ? found : undefined;
      },
      `${count} event(s) for ${query}`,
      20_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nAlertmanager output:\n${amOutput}`);
  }
}

describe('a real Alertmanager webhook receiver', () => {
  it('delivers a firing alert that maps to a canonical alert event', async () => {
    await postAlerts([alert('ModelLatencyHigh')]);
    const [stored] = await arrived('name=ModelLatencyHigh');
    const event = stored?.event ?? {};
    expect(event).toMatchObject({
      source: 'alertmanager',
      kind: 'alert',
      name: 'ModelLatencyHigh',
      outcome: 'firing',
      severity: 'critical',
      time: Date.parse(startsAt),
      entity: {
        model: 'fraud-scorer',
        host: INSTANCE,
        ip: '10.0.4.17',
        api_key: 'key-am-7f3a',
        geo: { region: 'eu-west-1' },
      },
      labels: {
        alertname: 'ModelLatencyHigh',
        'annotation.summary': `ModelLatencyHigh on ${INSTANCE}`,
        'alertmanager.receiver': 'cordon',
        'alertmanager.generator_url': 'http://prometheus.example:9090/graph?g0.expr=up',
      },
    });
    expect(String(event.id)).toMatch(/^am_/);
    expect(event.labels['alertmanager.fingerprint']).toMatch(/^[0-9a-f]+$/);
    expect(event.labels['alertmanager.group_key']).toContain('fraud-scorer');
  });

  it('deduplicates the firing alert Alertmanager resends when its group changes', async () => {
    const before = await metricValue(t, 'cordon_ingest_duplicates_total{source="alertmanager"}');
    // A second alert in the same group (same model): the next notification carries both.
    await postAlerts([alert('ModelErrorRateHigh', { labels: { severity: 'warning' } })]);
    const [second] = await arrived('name=ModelErrorRateHigh');
    expect(second?.event).toMatchObject({ outcome: 'firing', severity: 'medium' });
    expect(
      await metricValue(t, 'cordon_ingest_duplicates_total{source="alertmanager"}'),
    ).toBeGreaterThan(before);
    const firing = await events('name=ModelLatencyHigh&outcome=firing');
    expect(firing).toHaveLength(1);
  });

  it('delivers the resolution as a resolved event at endsAt', async () => {
    const dupsBefore = await metricValue(
      t,
      'cordon_ingest_duplicates_total{source="alertmanager"}',
    );
    const endsAt = new Date(Date.now() - 1_000).toISOString();
    await postAlerts([alert('ModelLatencyHigh', { endsAt })]);
    const [resolved] = await arrived('name=ModelLatencyHigh&outcome=resolved');
    const firing = await events('name=ModelLatencyHigh&outcome=firing');
    expect(firing).toHaveLength(1);
    expect(resolved?.event).toMatchObject({
      kind: 'alert',
      outcome: 'resolved',
      time: Date.parse(endsAt),
      entity: { host: INSTANCE, ip: '10.0.4.17', model: 'fraud-scorer' },
      labels: {
        'alertmanager.fingerprint': firing[0]?.event.labels['alertmanager.fingerprint'],
      },
    });
    expect(resolved?.event.id).not.toBe(firing[0]?.event.id);
    expect(
      await metricValue(t, 'cordon_ingest_duplicates_total{source="alertmanager"}'),
    ).toBeGreaterThan(dupsBefore);
    // The other alert of the group came again with it, still firing: no second copy.
    expect(await events('name=ModelErrorRateHigh&outcome=firing')).toHaveLength(1);
  });

  it('reports the alerts a max_alerts receiver dropped', async () => {
    await postAlerts([
      alert('CappedOne', { labels: { probe: 'truncation' } }),
      alert('CappedTwo', { labels: { probe: 'truncation' } }),
    ]);
    const capped = await arrived('labels.probe=truncation');
    await eventually(
      async () =>
        logLines.some(
          (l) => typeof l.warning === 'string' && l.warning.includes('dropped 1 alert(s)'),
        )
          ? true
          : undefined,
      'the truncation warning',
      5_000,
    );
    expect(capped).toHaveLength(1);
    expect(capped[0]?.event.labels['alertmanager.receiver']).toBe('cordon-capped');
  });
});
