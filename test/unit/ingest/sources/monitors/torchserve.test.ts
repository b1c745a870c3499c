import { describe, expect, it } from 'vitest';
import { torchserveKind } from '../../../../../src/ingest/sources/torchserve/index.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import {
  compileOptions,
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
} from '../../../../helpers/source-kind.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';
import { errorsOf, expectErrorsAt } from './error-checks.js';

const sample = (name: string): Buffer => fixtureBytes(`samples/ingest/${name}`);

describe('torchserve: access log', () => {
  it('maps each request to an inference event (or a log event off the model routes)', async () => {
    const events = okEvents(await runKind(torchserveKind, sample('torchserve-access.log')));
    expectGolden(events, 'torchserve/torchserve-access.json');
    expect(events.map((e) => [e.kind, e.outcome, e.entity.model, e.entity.model_version])).toEqual([
      ['inference', 'success', 'fraud-scorer', undefined],
      ['inference', 'success', 'fraud-scorer', '3.4.1'],
      ['inference', 'failure', 'fraud-scorer', undefined],
      ['inference', 'failure', 'fraud-scorer', undefined],
      ['log', 'success', undefined, undefined],
    ]);
    expect(events[0]).toMatchObject({
      time: Date.UTC(2024, 5, 10, 16, 4, 58, 117),
      entity: { ip: '10.0.3.41', endpoint: '/predictions/fraud-scorer' },
      measures: { latency_ms: 42, status_code: 200 },
      labels: { method: 'POST', client_port: '51734' },
    });
    expect(events[2]?.severity).toBe('medium');
    expect(events[3]?.severity).toBe('low');
  });

  it('reads the log4j times in options.timezone (they carry no zone)', async () => {
    const [utc] = okEvents(await runKind(torchserveKind, sample('torchserve-access.log')));
    const [berlin] = okEvents(
      await runKind(torchserveKind, sample('torchserve-access.log'), {
        options: { timezone: 'Europe/Berlin' },
      }),
    );
    // June: Berlin is UTC+2, so the same wall clock is two hours earlier in UTC.
    expect((utc?.time ?? 0) - (berlin?.time ?? 0)).toBe(2 * 3_600_000);
    expect(berlin?.id).toBe(utc?.id);
  });

  it('refuses bad lines one by one and keeps the good ones', async () => {
    const result = await runKind(torchserveKind, sample('bad/torchserve-access-bad.log'));
    const events = okEvents(result);
    expect(events).toHaveLength(1);
    expect(events[0]?.entity.ip).toBe('2001:db8::7');
    if (!result.ok) return;
    expect(result.rejected?.map((r) => r.index)).toEqual([0, 2, 3, 4]);
    const reasons = (index: number) =>
      result.rejected?.find((r) => r.index === index)?.errors ?? [];
    expectErrorsAt(reasons(0), {
      '/0': ['line 1: ', 'status must be an HTTP status code', '"2OO"'],
    });
    expectErrorsAt(reasons(2), { '/2': 'must be an IPv4 or IPv6 address' });
    expectErrorsAt(reasons(3), { '/3': 'is not an access log line' });
    expectErrorsAt(reasons(4), { '/4': ['impossible timestamp', 'month 13 does not exist'] });
  });
});

describe('torchserve: metrics', () => {
  it('maps StatsD-like frontend metrics to metric events, dims to entity and labels', async () => {
    const events = okEvents(await runKind(torchserveKind, sample('torchserve-ts_metrics.log')));
    expectGolden(events, 'torchserve/torchserve-ts_metrics.json');
    expect(events).toHaveLength(11);
    const gpu = events[2];
    expect(gpu).toMatchObject({
      kind: 'metric',
      name: 'GPUMemoryUtilization',
      entity: { host: 'ts-worker-7f9c' },
      measures: { value: 91.2 },
      labels: { unit: 'Percent', level: 'Host', device_id: '0' },
      time: 1718035440_000,
    });
    const latency = events.find((e) => e.entity.model === 'sdxl');
    // Java's scientific notation, and µs turned into latency_ms.
    expect(latency?.measures).toEqual({ value: 49299189.976, latency_ms: 49299.189976 });
    expect(latency?.entity).toEqual({
      model: 'sdxl',
      model_version: 'default',
      host: 'ts-worker-7f9c',
    });
  });

  it('reads backend metrics with request ids, and raw [METRICS] worker lines in ts_log', async () => {
    const backend = okEvents(await runKind(torchserveKind, sample('torchserve-model_metrics.log')));
    expectGolden(backend, 'torchserve/torchserve-model_metrics.json');
    expect(backend.map((e) => e.measures.latency_ms)).toEqual([40.02, 39.91, undefined]);
    expect(backend[2]?.labels).toMatchObject({
      segment: 'eu-west',
      request_id: '5c2e9a41-3d7b-4f1e-9a0c-2b6d8e4f1a37',
    });

    const console = okEvents(
      await runKind(torchserveKind, sample('torchserve-ts_log-console.log')),
    );
    expectGolden(console, 'torchserve/torchserve-ts_log-console.json');
    const worker = console.find((e) => e.kind === 'metric');
    expect(worker).toMatchObject({
      name: 'PredictionTime',
      time: 1718035498_000,
      entity: { model: 'fraud-scorer', host: 'ts-worker-7f9c' },
      labels: { metric_type: 'GAUGE', request_id: '5c2e9a41-3d7b-4f1e-9a0c-2b6d8e4f1a37' },
    });
  });

  it('reads the JSON layout, with or without the log4j prefix', async () => {
    const events = okEvents(await runKind(torchserveKind, sample('torchserve-metrics-json.log')));
    expectGolden(events, 'torchserve/torchserve-metrics-json.json');
    expect(events[0]).toMatchObject({
      name: 'ts_inference_latency_microseconds',
      time: 1718035498_000,
      measures: { value: 41873.512, latency_ms: 41.873512 },
      entity: { model: 'fraud-scorer', model_version: '3.4.1', host: 'ts-worker-7f9c' },
    });
    expect(events[1]?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 58, 119));
  });

  it('refuses each bad metric line with its reasons', async () => {
    const result = await runKind(torchserveKind, sample('bad/torchserve-metrics-bad.log'));
    const errors = errorsOf(result);
    expectErrorsAt(errors, {
      '/0': ['line 1: ', 'must be a finite number', '"NaN"'],
      '/1': ['line 2: ', 'has no unit'],
      '/2': ['line 3: ', 'no "|#hostname:'],
      '/3': ['line 4: ', '"scorer,Level:Model" does not start with "#"', 'outside 2000–2100'],
      '/4': ['line 5: ', 'looks like epoch milliseconds'],
      '/5': ['line 6: ', 'incomplete timestamp', 'cut off'],
    });
  });
});

describe('torchserve: ts_log', () => {
  it('makes log events with severity by level and model from the worker thread', async () => {
    const events = okEvents(await runKind(torchserveKind, sample('torchserve-ts_log-console.log')));
    const logs = events.filter((e) => e.kind === 'log');
    expect(logs.map((e) => [e.severity, e.entity.model])).toEqual([
      ['info', undefined],
      ['info', 'fraud-scorer'],
      ['medium', 'fraud-scorer'],
      ['high', 'fraud-scorer'],
    ]);
    // The stack trace lines continue the ERROR line's message.
    expect(logs[3]?.labels.message).toContain('WorkerInitializationException');
    expect(logs[3]?.labels.message).toContain('WorkerThread.java:242');
  });

  it('refuses an orphan line and an unknown level', async () => {
    const body = 'not a log line\n2024-06-10T16:04:52,301 [LOUD ] main x.Y - hi\n';
    const errors = errorsOf(await runKind(torchserveKind, body));
    expectErrorsAt(errors, {
      '/0': 'does not start with a log4j timestamp',
      '/1': 'level "LOUD" is not a log4j level',
    });
  });
});

describe('torchserve: kind', () => {
  it('is registered, and its options check the zone', () => {
    expect(getSourceKind('torchserve')).toBe(torchserveKind);
    expect(compileOptions(torchserveKind, undefined)).toEqual({ timezone: 'UTC' });
    expect(() => compileOptions(torchserveKind, { timezone: 'Mars/Olympus' })).toThrow(
      /IANA time zone/,
    );
  });

  it('never throws on random or truncated bodies', async () => {
    await fuzzKind(
      torchserveKind,
      [
        'samples/ingest/torchserve-access.log',
        'samples/ingest/torchserve-ts_metrics.log',
        'samples/ingest/torchserve-ts_log-console.log',
        'samples/ingest/torchserve-metrics-json.log',
      ].map((path) => fixtureBytes(path)),
    );
  });
});
