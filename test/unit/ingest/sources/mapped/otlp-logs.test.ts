import { describe, expect, it } from 'vitest';
import {
  otlpExportResponse,
  otlpLogsKind,
} from '../../../../../src/ingest/sources/otlp-logs/index.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

const SAMPLE = 'samples/ingest/otlp-logs-collector.json';
const RECORDS = '/resourceLogs/0/scopeLogs/0/logRecords';

function body(records: unknown[], resource: unknown[] = []): string {
  return JSON.stringify({
    resourceLogs: [
      { resource: { attributes: resource }, scopeLogs: [{ scope: {}, logRecords: records }] },
    ],
  });
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

describe('otlp-logs source kind: the collector sample', () => {
  it('is registered as "otlp-logs"', () => {
    expect(getSourceKind('otlp-logs')).toBe(otlpLogsKind);
  });

  it('maps every record across resources and scopes (golden)', async () => {
    const result = await runKind(otlpLogsKind, fixtureBytes(SAMPLE));
    const events = okEvents(result);
    expect(events.map((e) => [e.kind, e.severity, e.time])).toEqual([
      // ns truncated to ms; severityNumber 13 (WARN) → medium.
      ['login', 'medium', Date.UTC(2024, 5, 10, 16, 4, 58, 441)],
      // timeUnixNano "0" is unset: the observed time is used.
      ['log', 'info', Date.UTC(2024, 5, 10, 16, 5, 1, 2)],
      ['llm', 'info', Date.UTC(2024, 5, 10, 16, 4, 58, 935)],
    ]);
    expect(events[0]).toMatchObject({
      outcome: 'failure',
      entity: {
        user: 'alice@example.com',
        ip: '203.0.113.77',
        endpoint: '/v1/login',
        host: 'auth-api-7c9d',
      },
      measures: { status_code: 401 },
      labels: { 'service.name': 'auth-api', trace_id: '5b8efff798038103d269b633813fc60c' },
    });
    expect(events[0]?.labels['cordon.kind']).toBeUndefined();
    expect(events[1]?.labels).toMatchObject({
      'body.msg': 'session refreshed',
      'body.ttl_s': '3600',
    });
    expect(events[2]).toMatchObject({
      entity: {
        model: 'gpt-4o-mini',
        model_version: 'gpt-4o-mini-2024-07-18',
        host: 'llm-gateway',
      },
      measures: { tokens_in: 512, tokens_out: 187 },
    });
    // A client.address that is a host name is legal in semconv: a warning, not an error.
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('is not an IP address')]);
    expectGolden(events, 'otlp-logs/otlp-logs-collector.json');
  });

  it('gives a resent record the same id', async () => {
    const a = okEvents(await runKind(otlpLogsKind, fixtureBytes(SAMPLE)));
    const b = okEvents(
      await runKind(otlpLogsKind, fixtureBytes(SAMPLE), { now: SAMPLE_NOW + 1000 }),
    );
    expect(b.map((e) => e.id)).toEqual(a.map((e) => e.id));
    expect(new Set(a.map((e) => e.id)).size).toBe(3);
  });
});

describe('otlp-logs source kind: records', () => {
  it('uses log.record.uid as the id and the receipt time when no time is set', async () => {
    const [event] = okEvents(
      await runKind(otlpLogsKind, body([{ attributes: [str('log.record.uid', 'r-1')] }])),
    );
    expect(event).toMatchObject({ id: 'r-1', time: SAMPLE_NOW, kind: 'log', outcome: 'unknown' });
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('falls back to severityText, and reads enum names', async () => {
    const events = okEvents(
      await runKind(
        otlpLogsKind,
        body([
          { severityText: 'ERROR' },
          { severityNumber: 'SEVERITY_NUMBER_FATAL' },
          { severityNumber: 5 },
        ]),
      ),
    );
    expect(events.map((e) => e.severity)).toEqual(['high', 'critical', 'info']);
  });

  it('takes the kind from event.name when it names a kind', async () => {
    const [event] = okEvents(
      await runKind(otlpLogsKind, body([{ attributes: [str('event.name', 'audit')] }])),
    );
    expect(event?.kind).toBe('audit');
  });

  it('refuses the bad records sample item by item', async () => {
    const result = await runKind(
      otlpLogsKind,
      fixtureBytes('samples/ingest/bad/otlp-logs-bad-records.json'),
    );
    const [kept] = expectPartial(result, 1, {
      [`${RECORDS}/1/timeUnixNano`]: ['nanoseconds', 'looks like epoch seconds'],
      [`${RECORDS}/1/severityNumber`]: ['0 (unspecified) to 24', 'got 30'],
      [`${RECORDS}/1/traceId`]: ['32 hex characters', 'not base64'],
      [`${RECORDS}/2/timeUnixNano`]: 'decimal string',
      [`${RECORDS}/2/attributes/1`]: '"key"',
      [`${RECORDS}/2/attributes`]: ['"cordon.kind"', '"signin"'],
    });
    expect(kept).toMatchObject({
      severity: 'high',
      outcome: 'failure',
      labels: { 'error.type': 'card_declined' },
    });
  });

  it('refuses protobuf with the fix, and a body without resourceLogs', async () => {
    expectErrorsAt(
      await runKind(otlpLogsKind, Buffer.from([0x0a, 0x01]), {
        contentType: 'application/x-protobuf',
      }),
      {
        '': ['OTLP protobuf', 'encoding: json', 'http/json'],
      },
    );
    expectErrorsAt(await runKind(otlpLogsKind, '{"resource_logs": 3}'), {
      '/resourceLogs': 'must be an array of resourceLogs',
    });
    expectErrorsAt(await runKind(otlpLogsKind, '{}'), { '/resourceLogs': 'is required' });
    expectErrorsAt(await runKind(otlpLogsKind, '[]'), { '': 'ExportLogsServiceRequest' });
  });

  it('accepts snake_case proto field names and an empty export', async () => {
    const snake = JSON.stringify({
      resource_logs: [
        {
          scope_logs: [
            { log_records: [{ time_unix_nano: '1718035498441000000', severity_number: 17 }] },
          ],
        },
      ],
    });
    expect(okEvents(await runKind(otlpLogsKind, snake))[0]).toMatchObject({
      severity: 'high',
      time: 1718035498441,
    });
    expect(okEvents(await runKind(otlpLogsKind, '{"resourceLogs":[]}'))).toEqual([]);
  });
});

describe('otlp-logs: the export response', () => {
  it('answers {} , partialSuccess with the refused count, or a 400 Status', async () => {
    expect(otlpExportResponse(await runKind(otlpLogsKind, fixtureBytes(SAMPLE)))).toEqual({
      status: 200,
      body: {},
    });
    const partial = otlpExportResponse(
      await runKind(otlpLogsKind, fixtureBytes('samples/ingest/bad/otlp-logs-bad-records.json')),
    );
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({
      partialSuccess: {
        rejectedLogRecords: '2',
        errorMessage: expect.stringContaining(`${RECORDS}/1/timeUnixNano`),
      },
    });
    const refused = otlpExportResponse(await runKind(otlpLogsKind, '{}'));
    expect(refused).toMatchObject({
      status: 400,
      body: { code: 3, message: expect.stringContaining('/resourceLogs') },
    });
  });
});
