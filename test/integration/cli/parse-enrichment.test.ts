/**
 * `cordon parse --source whylabs` runs the WhyLabs enrichment as the live ingest path does
 * (here against a local fake of the analyzer-results API): the printed event carries what the
 * API added. Offline (the API unreachable) the event is still printed, labelled as the live path
 * labels it, standard error says enrichment needed the network, and the exit stays 0.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whylabsFake } from '../../../src/demo/fakes/whylabs.js';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { freePort } from '../../helpers/process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KEY = 'wl-parse-key-0123';
const fake = whylabsFake(KEY, [
  {
    orgId: 'org-5Hsdjx',
    datasetId: 'model-12',
    runId: 'run-1',
    column: 'prompt_topic',
    analyzerType: 'drift',
    metric: 'frequent_items',
    anomalyCount: 2,
    drift_metricValue: 0.71,
    drift_threshold: 0.5,
  },
]);
let url = '';
let notification = '';
beforeAll(async () => {
  url = await fake.start();
  notification = join(tempDir('parse-whylabs'), 'notification.json');
  writeFileSync(
    notification,
    JSON.stringify({
      org_id: 'org-5Hsdjx',
      dataset_id: 'model-12',
      monitor_id: 'drift-monitor-x7k2',
      monitor_name: 'Drift on prompt topics',
      run_id: 'run-1',
    }),
  );
});
afterAll(async () => {
  await fake.stop();
});

/** The built CLI, asynchronously: the fake answers from this process meanwhile. */
function parse(apiUrl: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const options = JSON.stringify({
    enrich: { url: apiUrl, api_key: { env: 'WHYLABS_API_KEY' }, timeout_ms: 5_000 },
  });
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'parse', '--source', 'whylabs', '--options', options, notification],
    { cwd: REPO_ROOT, env: { ...process.env, WHYLABS_API_KEY: KEY } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

interface Printed {
  labels: Record<string, string>;
  measures: Record<string, number>;
  entity: Record<string, string>;
}

describe('cordon parse --source whylabs with enrich options', () => {
  it('prints the notification completed from the WhyLabs API, as the live path stores it', async () => {
    const run = await parse(url);
    expect(run.status).toBe(0);
    const event = JSON.parse(run.stdout.trim()) as Printed;
    expect(event.labels).toMatchObject({ whylabs_enrichment: 'ok', columns: 'prompt_topic' });
    expect(event.measures).toMatchObject({ drift_score: 0.71, drift_threshold: 0.5 });
    expect(event.entity).toMatchObject({ feature: 'prompt_topic' });
    expect(run.stderr).toContain('enrichment: 1 of 1 event(s) completed from the whylabs API');
    expect(fake.calls('POST').at(-1)?.json).toMatchObject({ runIds: ['run-1'] });
  });

  it('offline, still prints the event, labelled, and says enrichment needed the network', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await parse(closed);
    expect(run.status).toBe(0);
    const event = JSON.parse(run.stdout.trim()) as Printed;
    expect(event.labels.whylabs_enrichment).toBe('failed');
    expect(event.labels.whylabs_enrichment_error).toMatch(/could not be reached/);
    expect(event.measures.drift_score).toBeUndefined();
    expect(run.stderr).toContain('enrichment: 0 of 1 event(s) completed');
    expect(run.stderr).toMatch(/enrichment failed: the WhyLabs API could not be reached/);
    expect(run.stderr).toContain('enrichment needs the network');
    expect(run.stderr).not.toContain(KEY);
  });
});
