import { describe, expect, it } from 'vitest';
import { evidentlyKind } from '../../../../../src/ingest/sources/evidently/index.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { checkResult, fuzzKind } from '../../../../helpers/source-fuzz.js';
import { errorsOf, expectErrorsAt } from './error-checks.js';

const sample = (name: string): Buffer => fixtureBytes(`samples/ingest/${name}`);
const sampleJson = (name: string): Record<string, unknown> =>
  JSON.parse(sample(name).toString('utf8')) as Record<string, unknown>;

describe('evidently: legacy data drift report', () => {
  it('makes one event per drifted column and one for the dataset, from drift_detected', async () => {
    const result = await runKind(evidentlyKind, sample('evidently-report-legacy-datadrift.json'));
    const events = okEvents(result);
    expectGolden(events, 'evidently/evidently-report-legacy-datadrift.json');
    // contract_type's p-value 0.0003 is below its threshold and drifted; support_tickets'
    // 0.4411 is above and did not: the verdict comes from drift_detected, not a comparison.
    expect(events.filter((e) => e.name === 'data_drift').map((e) => e.entity.feature)).toEqual([
      'tenure_months',
      'contract_type',
    ]);
    const dataset = events.find((e) => e.name === 'dataset_drift');
    expect(dataset?.outcome).toBe('resolved');
    expect(dataset?.measures).toMatchObject({
      drift_share: 0.4,
      drift_share_threshold: 0.5,
      count: 2,
    });
    // A bare report has no time of its own.
    for (const event of events) {
      expect(event.time).toBe(SAMPLE_NOW);
      expect(event.labels[TIME_MISSING_LABEL]).toBe('true');
    }
    expect(result.ok && result.warnings.some((w) => w.includes('receipt time'))).toBe(true);
  });

  it('gives the same ids to a resend with keys in another order', async () => {
    const reverse = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverse)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverse(v)]),
            )
          : value;
    const parsed = sampleJson('evidently-report-legacy-datadrift.json');
    const reordered = Buffer.from(JSON.stringify(reverse(parsed), null, 1));
    expect(reordered.toString().indexOf('"result"')).toBeLessThan(
      reordered.toString().indexOf('"metric"'),
    );
    const a = okEvents(
      await runKind(evidentlyKind, sample('evidently-report-legacy-datadrift.json')),
    );
    const b = okEvents(await runKind(evidentlyKind, reordered));
    expect(b.map((e) => e.id).sort()).toEqual(a.map((e) => e.id).sort());
    expect(new Set(a.map((e) => e.id)).size).toBe(a.length);
  });
});

describe('evidently: snapshot (≥0.7)', () => {
  it('takes a column as drifted only when its test failed, and says which had no test', async () => {
    const result = await runKind(evidentlyKind, sample('evidently-report-v2-snapshot.json'));
    const events = okEvents(result);
    expectGolden(events, 'evidently/evidently-report-v2-snapshot.json');
    const columns = events.filter((e) => e.name === 'data_drift');
    expect(columns.map((e) => e.entity.feature)).toEqual(['tenure_months']);
    expect(columns[0]?.labels).toMatchObject({ test_status: 'FAIL', metric: 'ValueDrift' });
    expect(columns[0]?.measures).toEqual({ drift_score: 0.3127 });
    const dataset = events.find((e) => e.name === 'dataset_drift');
    expect(dataset?.outcome).toBe('unknown');
    expect(dataset?.measures).toEqual({
      drift_share: 0.4,
      drift_share_threshold: 0.5,
      count: 2,
      rows: 1000,
    });
    // The two ValueDrift tests are told through the column event or need no event.
    expect(events).toHaveLength(2);
    if (!result.ok) return;
    expect(result.warnings.some((w) => w.includes('"contract_type"'))).toBe(true);
  });

  it('refuses an unparseable metric_id, string values and an unknown test status, all at once', async () => {
    const errors = errorsOf(
      await runKind(evidentlyKind, sample('bad/evidently-v2-unparseable-metric-id.json')),
    );
    expectErrorsAt(errors, {
      '/metrics/0/metric_id': ['closing ")" is missing', 'ValueDrift(column=price, USD,method=psi'],
      '/metrics/0/value': ['must be a number', 'Send 0.27 without quotes'],
      '/metrics/1/value/count': ['must be a number', '"two"'],
      '/metrics/1/value/share': ['between 0 and 1', '1.4'],
      '/tests/0/status': ['"PASSED"', 'Evidently writes "SUCCESS"'],
    });
  });

  it('keeps a value with commas whole when the metric_id parses', async () => {
    const body = JSON.stringify({
      metrics: [{ id: 'm1', metric_id: 'ValueDrift(column=price, USD,method=psi)', value: 0.27 }],
      tests: [{ id: 't1', name: 'drift', status: 'FAIL', metric_config: { metric_id: 'm1' } }],
    });
    const [event] = okEvents(await runKind(evidentlyKind, body));
    expect(event?.entity.feature).toBe('price, USD');
    expect(event?.labels.stattest).toBe('psi');
  });
});

describe('evidently: the envelope', () => {
  it('takes model, version, project and the window end as event time', async () => {
    const events = okEvents(await runKind(evidentlyKind, sample('evidently-wrapper-webhook.json')));
    expectGolden(events, 'evidently/evidently-wrapper-webhook.json');
    for (const event of events) {
      expect(event.time).toBe(Date.UTC(2024, 5, 10, 16));
      expect(event.entity).toMatchObject({ model: 'churn-clf', model_version: '7' });
      expect(event.labels.project).toBe('churn');
    }
    expect(events.find((e) => e.name === 'dataset_drift')?.outcome).toBe('firing');
    // The 26-point distribution is capped in raw.
    const raw = events[0]?.raw as { current: { small_distribution: { x: unknown[] } } };
    expect(raw.current.small_distribution.x).toHaveLength(21);
  });

  it('ids depend on the window, so the next window is new events and a resend is not', async () => {
    const base = sampleJson('evidently-wrapper-webhook.json');
    const next = {
      ...base,
      window: { start: '2024-06-10T16:00:00Z', end: '2024-06-10T20:00:00Z' },
    };
    const a = okEvents(await runKind(evidentlyKind, JSON.stringify(base)));
    const again = okEvents(await runKind(evidentlyKind, JSON.stringify(base)));
    const b = okEvents(await runKind(evidentlyKind, JSON.stringify(next)));
    expect(again.map((e) => e.id)).toEqual(a.map((e) => e.id));
    expect(b.map((e) => e.id).some((id) => a.some((e) => e.id === id))).toBe(false);
  });

  it('takes epoch ms windows, and clamps a window end in the future with a warning', async () => {
    const base = sampleJson('evidently-wrapper-webhook.json');
    const future = SAMPLE_NOW + 3_600_000;
    const result = await runKind(
      evidentlyKind,
      JSON.stringify({ ...base, window: { start: SAMPLE_NOW - 3_600_000, end: future } }),
    );
    const events = okEvents(result);
    expect(events.every((e) => e.time === SAMPLE_NOW)).toBe(true);
    expect(events[0]?.labels['cordon.time_clamped_from']).toBe(new Date(future).toISOString());
    expect(result.ok && result.warnings[0]).toContain('/window/end: ');
  });

  it('refuses bad envelope fields with their paths', async () => {
    const base = sampleJson('evidently-wrapper-webhook.json');
    const body = {
      ...base,
      model: 7,
      window: { start: '2024-06-10 00:00:00', end: 1718035200 },
      report: 'not an object',
    };
    const errors = errorsOf(await runKind(evidentlyKind, JSON.stringify(body)));
    expectErrorsAt(errors, {
      '/model': 'Send it as a string ("7")',
      '/window/start': 'put "T" between the date and the time',
      '/window/end': 'looks like epoch seconds',
      '/report': 'must be the Evidently report object',
    });
  });
});

describe('evidently: legacy test suite', () => {
  it('makes column events from a drift test, an event per test that did not pass, one for the summary', async () => {
    const events = okEvents(
      await runKind(evidentlyKind, sample('evidently-testsuite-legacy.json')),
    );
    expectGolden(events, 'evidently/evidently-testsuite-legacy.json');
    // support_tickets is listed by the drift test but not detected: no column event.
    expect(events.map((e) => [e.kind, e.name, e.severity, e.entity.feature])).toEqual([
      ['drift', 'data_drift', 'medium', 'tenure_months'],
      ['drift', 'Share of Drifted Columns', 'medium', undefined],
      ['alert', 'Share of Missing Values', 'low', undefined],
      ['alert', 'test_suite', 'medium', undefined],
    ]);
    expect(events[0]?.measures).toEqual({ drift_score: 0.313, threshold: 0.1 });
    expect(events[0]?.labels).toMatchObject({
      test_name: 'Share of Drifted Columns',
      test_status: 'FAIL',
    });
    expect(events[3]?.measures).toEqual({
      count: 1,
      total_tests: 3,
      success_tests: 1,
      failed_tests: 1,
    });
  });
});

describe('evidently: NaN and Infinity from Python json', () => {
  it('reads them as missing values and says where each was', async () => {
    const result = await runKind(evidentlyKind, sample('bad/evidently-report-nan.json'));
    const events = okEvents(result);
    const column = events.find((e) => e.name === 'data_drift');
    // The column literally named "NaN" (a string) is untouched; its NaN score is dropped.
    expect(column?.entity.feature).toBe('NaN');
    expect(column?.measures).toEqual({ threshold: 0.05 });
    if (!result.ok) return;
    const tokens = result.warnings.filter((w) => w.includes('is not JSON'));
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toContain('line 2, column');
    expect(tokens[0]).toContain('NaN');
    expect(tokens[2]).toContain('-Infinity');
  });
});

describe('evidently: many NaNs', () => {
  it('stays fast and caps the warnings', async () => {
    const xs = Array.from({ length: 20_000 }, () => 'NaN').join(',');
    const body = `{"metrics": [{"metric": "ColumnDriftMetric", "result": {"column_name": "a", "drift_detected": true, "drift_score": NaN, "current": {"x": [${xs}]}}}]}`;
    const started = performance.now();
    const result = await runKind(evidentlyKind, body);
    expect(performance.now() - started).toBeLessThan(2000);
    const [event] = okEvents(result);
    expect((event?.raw as { current: { x: unknown[] } }).current.x).toHaveLength(21);
    expect(result.ok && result.warnings).toHaveLength(50);
  });
});

describe('evidently: refusals', () => {
  it.each([
    ['', '', 'the body is empty'],
    ['[1]', '', 'got an array'],
    ['{"foo": 1}', '', 'neither "metrics" nor "tests"'],
    ['{"metrics": {"a": 1}}', '/metrics', 'must be an array'],
    [
      '{"metrics": [{"metric": "DataDriftTable", "result": {"dataset_drift": "true", "drift_by_columns": {"a": {"drift_detected": 1}}}}]}',
      '/metrics/0/result/dataset_drift',
      'Send true without quotes',
    ],
  ])('%s', async (body, path, phrase) => {
    const errors = errorsOf(await runKind(evidentlyKind, body));
    expect(errors.find((e) => e.path === path)?.reason).toContain(phrase);
  });

  it('checks the per-column verdicts of a legacy drift test', async () => {
    const body = JSON.stringify({
      tests: [
        {
          name: 'Drift',
          status: 'FAIL',
          parameters: { features: { a: { detected: 'yes', score: '0.2' } } },
        },
      ],
    });
    expectErrorsAt(errorsOf(await runKind(evidentlyKind, body)), {
      '/tests/0/parameters/features/a/detected': 'must be true or false',
      '/tests/0/parameters/features/a/score': 'Send 0.2 without quotes',
    });
  });

  it('asks for drift_detected instead of comparing a score itself', async () => {
    const body = JSON.stringify({
      metrics: [
        {
          metric: 'ColumnDriftMetric',
          result: { column_name: 'a', drift_score: 0.9, stattest_threshold: 0.1 },
        },
      ],
    });
    expectErrorsAt(errorsOf(await runKind(evidentlyKind, body)), {
      '/metrics/0/result/drift_detected': 'Cordon does not compare scores with thresholds',
    });
  });
});

describe('evidently: robustness', () => {
  it('never throws on random or truncated bodies', async () => {
    await fuzzKind(
      evidentlyKind,
      [
        'samples/ingest/evidently-report-legacy-datadrift.json',
        'samples/ingest/evidently-report-v2-snapshot.json',
        'samples/ingest/evidently-wrapper-webhook.json',
        'samples/ingest/evidently-testsuite-legacy.json',
        'samples/ingest/bad/evidently-report-nan.json',
      ].map((path) => fixtureBytes(path)),
    );
  });

  it('checks every sample result shape', async () => {
    checkResult(await runKind(evidentlyKind, sample('evidently-report-v2-snapshot.json')));
  });
});
