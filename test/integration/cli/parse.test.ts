/**
 * `cordon parse` for every source type, as a user checks a sender first: the built CLI on a
 * sample of each type prints canonical events and exits 0; a refused payload prints located
 * reasons and exits 1. The table must name every registered type, so a new kind needs a sample.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allSourceKinds } from '../../../src/ingest/sources/registry.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const INGEST = join(REPO_ROOT, 'test/fixtures/samples/ingest');
const NOW = '2024-06-11T00:00:00Z';

const SAMPLE_BY_TYPE: Readonly<Record<string, { file: string; options?: unknown }>> = {
  generic: { file: '../../ingest/generic/valid-batch.json' },
  alertmanager: { file: 'alertmanager-webhook-firing.json' },
  'splunk-webhook': { file: 'splunk-webhook-alert.json' },
  grafana: { file: 'grafana-webhook-firing.json' },
  'elastic-alert': { file: 'elastic-security-alert-document.json' },
  kibana: { file: 'elastic-kibana-webhook-body-rendered.json' },
  sentinel: { file: 'sentinel-incident-logicapp-trigger.json' },
  'splunk-hec': { file: 'splunk-hec-request.http.txt' },
  evidently: { file: 'evidently-report-legacy-datadrift.json' },
  whylabs: { file: 'whylabs-webhook-default-body.json' },
  torchserve: { file: 'torchserve-access.log' },
  'triton-log': { file: 'triton-server.log' },
  'triton-metrics': { file: 'triton-metrics.prom' },
  kserve: { file: 'kserve-cloudevent-request.http.txt' },
  seldon: { file: 'seldon-cloudevent-request.http.txt' },
  tfserving: { file: 'tfserving-prediction-log.json' },
  litellm: { file: 'litellm-standard-logging-payload-success.json' },
  'litellm-spend': { file: 'litellm-spendlogs-row.json' },
  langfuse: { file: 'langfuse-ingestion-batch.json' },
  openai: { file: 'openai-chat-response.json' },
  okta: { file: 'okta-eventhook-delivery-login-failure.json' },
  entra: { file: 'entra-signin-graph.json' },
  cloudtrail: { file: 'cloudtrail-consolelogin-failure.json' },
  ocsf: { file: 'ocsf-authentication-3002-failure.json' },
  cef: { file: 'cef-samples.log' },
  leef: { file: 'leef-samples.log' },
  syslog: { file: 'syslog-rfc5424.log' },
  'json-map': {
    file: 'json-map-arize-like-monitor.json',
    options: {
      fields: {
        kind: { const: 'drift' },
        name: 'monitor.name',
        time: { path: 'triggered_at', as: 'rfc3339' },
        'entity.model': 'model.id',
      },
    },
  },
  ecs: { file: 'ecs-authentication-event.json' },
  'elastic-bulk': { file: 'elastic-bulk-filebeat.ndjson' },
  'otlp-logs': { file: 'otlp-logs-collector.json' },
};

function parse(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', 'parse', '--now', NOW, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cordon parse', () => {
  it('has a sample for every registered source type', () => {
    expect(Object.keys(SAMPLE_BY_TYPE).sort()).toEqual(
      allSourceKinds()
        .map((k) => k.type)
        .sort(),
    );
  });

  it('turns a sample of every source type into canonical events (exit 0)', () => {
    for (const [type, { file, options }] of Object.entries(SAMPLE_BY_TYPE)) {
      const run = parse([
        '--source',
        type,
        ...(options === undefined ? [] : ['--options', JSON.stringify(options)]),
        join(INGEST, file),
      ]);
      expect({ type, status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
        type,
        status: 0,
        stderr: '',
      });
      const events = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; source: string; time: number });
      expect(events.length, type).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.source).toBe(type);
        expect(Number.isFinite(e.time)).toBe(true);
      }
    }
  }, 240_000);

  it('prints the located reasons of a refused payload and exits 1', () => {
    const run = parse([
      '--source',
      'cloudtrail',
      join(INGEST, 'bad/cloudtrail-records-not-array.json'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('refused as cloudtrail');
    expect(run.stderr).toMatch(/\/Records: /);
  });

  it('answers a handshake request file, and refuses an unknown type with a suggestion (exit 2)', () => {
    const hs = parse(['--source', 'okta', join(INGEST, 'okta-eventhook-verification.http.txt')]);
    expect(hs.status).toBe(0);
    expect(JSON.parse(hs.stdout)).toMatchObject({
      handshake: { status: 200, body: { verification: expect.any(String) } },
    });
    const typo = parse(['--source', 'oktaa', join(INGEST, 'okta-systemlog-array.json')]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('Did you mean "okta"?');
  });

  it('reads a binary request file (a V2 tensor body framed by "# cordon: body-bytes")', () => {
    const run = parse([
      '--source',
      'kserve',
      join(INGEST, 'kserve-cloudevent-v2-binary-request.http.txt'),
    ]);
    expect(run.status).toBe(0);
    const event = JSON.parse(run.stdout.split('\n')[0] ?? '') as {
      measures: Record<string, number>;
      labels: Record<string, string>;
    };
    expect(event.labels.payload_encoding).toBe('v2-binary');
    expect(event.measures).toMatchObject({ count: 2, tensor_bytes: 32 });
    expect(event.measures.tensor_input_input_0_max).toBeCloseTo(6.8, 5);
  });
});
