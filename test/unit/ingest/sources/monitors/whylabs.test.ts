import { describe, expect, it } from 'vitest';
import { whylabsKind } from '../../../../../src/ingest/sources/whylabs/index.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';
import { errorsOf, expectErrorsAt } from './error-checks.js';

const sample = (name: string): Buffer => fixtureBytes(`samples/ingest/${name}`);

describe('whylabs: default body', () => {
  it('is one drift event about the monitor, at receipt time', async () => {
    const result = await runKind(whylabsKind, sample('whylabs-webhook-default-body.json'));
    const events = okEvents(result);
    expectGolden(events, 'whylabs/whylabs-webhook-default-body.json');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'drift',
      name: 'Drift on prompt topics (LLM chatbot)',
      outcome: 'firing',
      severity: 'medium',
      time: SAMPLE_NOW,
      labels: {
        monitor_id: 'frequent-items-drift-monitor-x7k2',
        [TIME_MISSING_LABEL]: 'true',
      },
    });
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('without a run id, deliveries at different times are different events', async () => {
    const a = okEvents(await runKind(whylabsKind, sample('whylabs-webhook-default-body.json')));
    const b = okEvents(
      await runKind(whylabsKind, sample('whylabs-webhook-default-body.json'), {
        now: SAMPLE_NOW + 1,
      }),
    );
    expect(a[0]?.id).not.toBe(b[0]?.id);
  });
});

describe('whylabs: custom template', () => {
  it('finds the macro values under the template author’s key names, nested too', async () => {
    const events = okEvents(
      await runKind(whylabsKind, sample('whylabs-webhook-custom-template.txt')),
    );
    expectGolden(events, 'whylabs/whylabs-webhook-custom-template.json');
    expect(events[0]).toMatchObject({
      name: 'Drift on prompt topics (LLM chatbot)',
      severity: 'medium',
      entity: { model: 'model-12' },
      labels: {
        monitor_id: 'frequent-items-drift-monitor-x7k2',
        org_id: 'org-5Hsdjx',
        dataset_id: 'model-12',
        run_id: '5c1d0e1a-7b1f-4c8e-9a77-2f0d3c4b5a69',
        summary: 'WhyLabs monitor fired',
        links_dashboard: 'https://hub.whylabsapp.com/resources/model-12/monitor-manager',
      },
    });
  });

  it('dedupes a resend of one run, and tells runs apart', async () => {
    const body = sample('whylabs-webhook-custom-template.txt').toString('utf8');
    const a = okEvents(await runKind(whylabsKind, body));
    const later = okEvents(await runKind(whylabsKind, body, { now: SAMPLE_NOW + 60_000 }));
    const other = okEvents(await runKind(whylabsKind, body.replace('5c1d0e1a', '6d2e1f2b')));
    expect(later[0]?.id).toBe(a[0]?.id);
    expect(other[0]?.id).not.toBe(a[0]?.id);
  });

  it('reads a dataset id written as "model" or "resource_id"', async () => {
    for (const key of ['model', 'resource_id']) {
      const [event] = okEvents(
        await runKind(whylabsKind, JSON.stringify({ monitorId: 'm', [key]: 'model-7' })),
      );
      expect(event?.entity).toEqual({ model: 'model-7' });
      expect(event?.labels.dataset_id).toBe('model-7');
    }
  });

  it('maps severity 1 to high and warns about an unknown level', async () => {
    const high = okEvents(await runKind(whylabsKind, '{"monitorId": "m", "severity": 1}'));
    expect(high[0]?.severity).toBe('high');
    const odd = await runKind(whylabsKind, '{"monitorId": "m", "severity": 9}');
    expect(okEvents(odd)[0]?.severity).toBe('medium');
    expect(odd.ok && odd.warnings[0]).toContain(
      '/severity: 9 (a number) is not a WhyLabs severity',
    );
  });
});

describe('whylabs: sender quirks and refusals', () => {
  it('accepts a macro left unreplaced (second occurrence), warns naming it, and drops the value', async () => {
    const result = await runKind(
      whylabsKind,
      sample('bad/whylabs-webhook-macro-partially-replaced.json'),
    );
    const [event] = okEvents(result);
    expect(event?.name).toBe('frequent-items-drift-monitor-x7k2');
    expect(event?.entity).toEqual({});
    expect(event?.labels.monitor_name).toBeUndefined();
    expect(event?.labels.dataset_id).toBeUndefined();
    const warnings = result.ok ? result.warnings : [];
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('/monitorName: holds the macro <[[monitor-name]]> unreplaced');
    expect(warnings[1]).toContain('/datasetId: holds the macro <[[dataset-id]]> unreplaced');
    expect(warnings[2]).toContain('<[[segment]]>, which is not a WhyLabs macro');
  });

  it('explains a template broken by an unescaped quote in a macro value', async () => {
    const file = sample('bad/whylabs-webhook-template-broken-json.txt').toString('utf8');
    const rendered = /rendered as: (.*)/.exec(file)?.[1] ?? '';
    expect(rendered).not.toBe('');
    const errors = errorsOf(await runKind(whylabsKind, rendered));
    expect(errors.map((e) => e.path)).toEqual(['', '']);
    expect(errors[0]?.reason).toContain('is not valid JSON');
    expect(errors[0]?.reason).toContain('line 1, column 24');
    expect(errors[1]?.reason).toContain('without JSON escaping');
  });

  it('refuses a body naming no monitor, or not an object', async () => {
    expectErrorsAt(errorsOf(await runKind(whylabsKind, '{"datasetId": "model-1"}')), {
      '': 'names no monitor',
    });
    expectErrorsAt(errorsOf(await runKind(whylabsKind, '{"monitorId": "<[[monitor-id]]>"}')), {
      '': 'names no monitor',
    });
    expectErrorsAt(errorsOf(await runKind(whylabsKind, '["monitorId"]')), {
      '': 'got an array',
    });
  });

  it('never throws on random or truncated bodies', async () => {
    await fuzzKind(
      whylabsKind,
      [
        'samples/ingest/whylabs-webhook-default-body.json',
        'samples/ingest/whylabs-webhook-custom-template.txt',
        'samples/ingest/bad/whylabs-webhook-macro-partially-replaced.json',
      ].map((path) => fixtureBytes(path)),
    );
  });
});
