import { describe, expect, it } from 'vitest';
import { grafanaKind } from '../../../../../src/ingest/sources/grafana/index.js';
import { sha256Hex } from '../../../../../src/shared/hash.js';
import { fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, any>;

const FIRING = 'samples/ingest/grafana-webhook-firing.json';
const RESOLVED = 'samples/ingest/grafana-webhook-resolved.json';
const LEGACY = 'samples/ingest/grafana-webhook-legacy-valueString.json';

function sampleJson(path: string): Json {
  return JSON.parse(fixtureBytes(path).toString('utf8'));
}

function run(body: unknown) {
  return runKind(grafanaKind, typeof body === 'string' ? body : JSON.stringify(body));
}

/** The firing sample with its alert changed: the basis of most variants. */
function withAlert(alert: Json, envelope: Json = {}): Json {
  const base = sampleJson(FIRING);
  return { ...base, ...envelope, alerts: [{ ...base.alerts[0], ...alert }] };
}

describe('grafana kind: samples', () => {
  itMapsSamplesToGoldens(grafanaKind, [
    { title: 'firing', sample: FIRING, golden: 'grafana/firing.json' },
    { title: 'resolved', sample: RESOLVED, golden: 'grafana/resolved.json' },
    {
      title: 'legacy valueString + test notification',
      sample: LEGACY,
      golden: 'grafana/legacy-valueString.json',
    },
  ]);

  it('maps the firing alert field by field', async () => {
    const [event] = okEvents(await runKind(grafanaKind, fixtureBytes(FIRING)));
    expect(event).toMatchObject({
      id: `grafana_${sha256Hex('1|6c1f0a8e2b93d4c5|2024-06-10T18:02:00+02:00|firing').slice(0, 32)}`,
      time: Date.UTC(2024, 5, 10, 16, 2, 0),
      kind: 'alert',
      name: 'LLM gateway 5xx ratio',
      severity: 'high',
      outcome: 'firing',
      measures: { value: 0.0791, 'value.A': 0.0791, 'value.C': 1 },
    });
    expect(event?.labels).toMatchObject({
      rule_id: 'bdq3x1a7k2xa8e',
      grafana_folder: 'ML Platform',
      'annotation.summary': '5xx ratio 7.9% over 10m for model_group gpt-4o',
      'grafana.org_id': '1',
      'grafana.state': 'alerting',
    });
    expect(event?.labels['grafana.test_notification']).toBeUndefined();
  });

  it('times a resolved alert at its end, with another id than the firing one', async () => {
    const [firing] = okEvents(await runKind(grafanaKind, fixtureBytes(FIRING)));
    const [resolved] = okEvents(await runKind(grafanaKind, fixtureBytes(RESOLVED)));
    expect(resolved).toMatchObject({
      outcome: 'resolved',
      time: Date.UTC(2024, 5, 10, 16, 31, 0, 123),
      measures: { value: 0.0312 },
    });
    expect(resolved?.id).not.toBe(firing?.id);
  });

  it('reads Grafana 9 valueString and flags the test notification', async () => {
    const [drift, test] = okEvents(await runKind(grafanaKind, fixtureBytes(LEGACY)));
    expect(drift).toMatchObject({
      kind: 'drift',
      severity: 'medium',
      measures: { value: 0.27, 'value.B0': 0.27, 'value.C': 1 },
      entity: { model: 'fraud-scorer', feature: 'amount', host: '10.0.4.21:9100', ip: '10.0.4.21' },
      labels: { rule_id: 'kq8PpZ4Vk' },
    });
    expect(drift?.labels['grafana.test_notification']).toBeUndefined();
    expect(test?.labels['grafana.test_notification']).toBe('true');
    expect(test?.measures).toEqual({ value: 10, 'value.foo': 10 });
  });

  it('prefers a __alert_rule_uid__ label, and reads values with null (no data) skipped', async () => {
    const [event] = okEvents(
      await run(
        withAlert({
          labels: { alertname: 'A', __alert_rule_uid__: 'from-label' },
          values: { B: null, C: 2 },
        }),
      ),
    );
    expect(event?.labels.rule_id).toBe('from-label');
    expect(event?.measures).toEqual({ value: 2, 'value.C': 2 });
  });

  it('warns about a valueString it cannot read and leaves value unset', async () => {
    const { values: _values, ...alert } = sampleJson(FIRING).alerts[0];
    const body = { ...sampleJson(FIRING), alerts: [{ ...alert, valueString: 'A is high' }] };
    const result = await run(body);
    expect(okEvents(result)[0]?.measures).toEqual({});
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('/alerts/0/valueString: has no'),
    ]);
  });

  it('gives the same ids on a resend and different ids in another organisation', async () => {
    const ids = async (body: Json) => okEvents(await run(body)).map((e) => e.id);
    const base = sampleJson(FIRING);
    expect(await ids(base)).toEqual(await ids(structuredClone(base)));
    expect(await ids({ ...base, orgId: 2 })).not.toEqual(await ids(base));
  });
});

describe('grafana kind: refusals', () => {
  it('says a custom payload template rendered text, not JSON', async () => {
    const result = await runKind(
      grafanaKind,
      fixtureBytes('samples/ingest/bad/grafana-webhook-custom-payload-not-json.txt'),
    );
    expectErrorsAt(result, {
      '': ['is not JSON', 'custom payload', '"ALERT LLM gateway 5xx ratio'],
    });
  });

  it('locates a truncated body', async () => {
    const text = fixtureBytes(FIRING).toString('utf8');
    expectErrorsAt(await run(text.slice(0, 500)), { '': ['is not valid JSON', 'truncated'] });
  });

  it('refuses Alertmanager\'s version "4" with a pointer to the right connector type', async () => {
    expectErrorsAt(await run({ ...sampleJson(FIRING), version: '4' }), {
      '/version': ['must be "1"', 'type alertmanager'],
    });
  });

  it('reports every bad field of an alert at once', async () => {
    const result = await run(
      withAlert({
        status: 'Firing',
        startsAt: 1718035320,
        values: { A: '0.5', B: true },
        fingerprint: '',
        silenceURL: 7,
      }),
    );
    expectErrorsAt(result, {
      '/alerts/0/status': 'Send "firing"',
      '/alerts/0/startsAt': 'epoch seconds',
      '/alerts/0/values/A': 'Send 0.5 without quotes',
      '/alerts/0/values/B': 'must be a finite number',
      '/alerts/0/fingerprint': 'non-empty string',
      '/alerts/0/silenceURL': 'must be a string',
    });
  });

  it('needs an end time for a resolved alert, not before its start', async () => {
    expectErrorsAt(await run(withAlert({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' })), {
      '/alerts/0/endsAt': 'zero time',
    });
    expectErrorsAt(await run(withAlert({ status: 'resolved', endsAt: '2024-06-10T15:00:00Z' })), {
      '/alerts/0/endsAt': 'must not be before startsAt',
    });
  });

  it('accepts the good alerts of a batch and refuses the bad one by index', async () => {
    const base = sampleJson(FIRING);
    const good = base.alerts[0];
    const body = {
      ...base,
      alerts: [good, { ...good, labels: ['x'] }, { ...good, fingerprint: 'ff' }],
    };
    const result = await run(body);
    expectPartial(result, 2, { '/alerts/1/labels': 'must be an object of label name → string' });
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1]);
  });

  it('refuses a body without alerts and a non-object body', async () => {
    const { alerts: _alerts, ...noAlerts } = sampleJson(FIRING);
    expectErrorsAt(await run(noAlerts), { '/alerts': 'is required' });
    expectErrorsAt(await run([1]), { '': 'must be one Grafana webhook notification' });
    expectErrorsAt(await run({ ...sampleJson(FIRING), alerts: [] }), {
      '/alerts': 'at least one alert',
    });
  });
});

describe('grafana kind: robustness', () => {
  it('answers random bytes, random JSON and truncated samples without throwing', async () => {
    await fuzzKind(
      grafanaKind,
      [FIRING, RESOLVED, LEGACY].map((p) => fixtureBytes(p)),
    );
  }, 60_000);
});
