import { describe, expect, it } from 'vitest';
import { tritonLogKind } from '../../../../../src/ingest/sources/triton-log/index.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';
import { errorsOf, expectErrorsAt } from './error-checks.js';

const sample = (name: string): Buffer => fixtureBytes(`samples/ingest/${name}`);

describe('triton-log: default format', () => {
  it('makes one log event per header line, the startup table joined to its line', async () => {
    const events = okEvents(await runKind(tritonLogKind, sample('triton-server.log')));
    expectGolden(events, 'triton-log/triton-server.json');
    expect(events).toHaveLength(8);
    expect(events[0]).toMatchObject({
      kind: 'log',
      name: 'model_lifecycle.cc',
      time: Date.UTC(2024, 5, 10, 16, 4, 51, 210),
      entity: { model: 'fraud-scorer', model_version: '3' },
      labels: { level: 'info', message: 'loading: fraud-scorer:3', pid: '1', file_line: '469' },
    });
    expect(events[1]?.entity).toEqual({ model: 'fraud-scorer' });
    expect(events[1]?.labels.message).toBe("successfully loaded 'fraud-scorer'");
    expect(events[2]?.labels.message).toContain('| fraud-scorer | 3       | READY  |');
    expect(events.map((e) => e.severity).slice(-2)).toEqual(['medium', 'high']);
  });

  it('infers the year from receipt, putting December lines read in January in the year before', async () => {
    const line = 'I1231 23:59:58.000001 1 server.cc:1] "bye"\n';
    const [january] = okEvents(
      await runKind(tritonLogKind, line, { now: Date.UTC(2025, 0, 1, 0, 0, 5) }),
    );
    expect(january?.time).toBe(Date.UTC(2024, 11, 31, 23, 59, 58));
    const [june] = okEvents(await runKind(tritonLogKind, 'I0610 16:04:51.000000 1 a.cc:1] x\n'));
    expect(june?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 51));
  });

  it('reads zone-less times in options.timezone', async () => {
    const [event] = okEvents(
      await runKind(tritonLogKind, 'I0610 16:04:51.000000 1 a.cc:1] x\n', {
        options: { timezone: 'America/New_York' },
      }),
    );
    expect(event?.time).toBe(Date.UTC(2024, 5, 10, 20, 4, 51));
  });
});

describe('triton-log: ISO8601 format', () => {
  it('reads the UTC times and the models named in messages', async () => {
    const events = okEvents(await runKind(tritonLogKind, sample('triton-server-iso8601.log')));
    expectGolden(events, 'triton-log/triton-server-iso8601.json');
    expect(events.map((e) => [e.entity.model, e.entity.model_version, e.severity])).toEqual([
      ['fraud-scorer', '3', 'info'],
      ['fraud-scorer', '3', 'info'],
      ['fraud-scorer', undefined, 'info'],
      ['embedder', '1', 'high'],
      [undefined, undefined, 'medium'],
    ]);
    // An unquoted message (escaping turned off) is taken as written.
    expect(events[4]?.labels.message).toBe(
      'Unable to get power limit for GPU 0. Status:Success, value:0.000000',
    );
  });
});

describe('triton-log: bad lines', () => {
  it('refuses each bad line and keeps the good ones', async () => {
    const result = await runKind(tritonLogKind, sample('bad/triton-log-bad.log'));
    const events = okEvents(result);
    expect(events.map((e) => e.labels.message)).toEqual([
      'Started GRPCInferenceService at 0.0.0.0:8001',
    ]);
    if (!result.ok) return;
    const rejected = result.rejected ?? [];
    expect(rejected.map((r) => r.index)).toEqual([0, 1, 3, 4]);
    expectErrorsAt(
      rejected.flatMap((r) => r.errors),
      {
        '/0': ['line 1: ', 'severity letter "X"'],
        '/1': ['line 2: ', 'day 31 does not exist in month 2'],
        '/3': ['line 4: ', 'not a complete JSON string'],
        '/4': ['line 5: ', 'broken header'],
      },
    );
  });

  it('refuses an orphan continuation line', async () => {
    expectErrorsAt(errorsOf(await runKind(tritonLogKind, '| a | b |\n')), {
      '/0': 'does not start with a Triton log header',
    });
  });

  it('is registered', () => {
    expect(getSourceKind('triton-log')).toBe(tritonLogKind);
  });

  it('never throws on random or truncated bodies', async () => {
    await fuzzKind(
      tritonLogKind,
      [
        'samples/ingest/triton-server.log',
        'samples/ingest/triton-server-iso8601.log',
        'samples/ingest/bad/triton-log-bad.log',
      ].map((path) => fixtureBytes(path)),
    );
  });
});
