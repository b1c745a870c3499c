import { describe, expect, it } from 'vitest';
import { alertmanagerNormaliser } from '../../../src/ingest/normalizers/alertmanager.js';
import { sha256Hex } from '../../../src/shared/hash.js';
import {
  ctx,
  expectErrorsAt,
  expectPartial,
  expectEvents,
  expectWarnings,
  json,
  NOW,
  sample,
  sampleJson,
} from './ingest-test-helpers.js';

type Json = Record<string, unknown>;

function normalise(body: Buffer, context = ctx({ contentType: 'application/json' })) {
  return alertmanagerNormaliser.normalise(body, context);
}

function amId(receiver: string, fingerprint: string, startsAt: string, status: string): string {
  return `am_${sha256Hex(`${receiver}|${fingerprint}|${startsAt}|${status}`).slice(0, 32)}`;
}

/** The firing sample with one alert replaced/extended: the basis of most variants. */
function message(alert: Json, envelope: Json = {}): Buffer {
  const base = sampleJson('alertmanager-webhook-firing.json') as Json;
  const first = (base.alerts as Json[])[0];
  return json({ ...base, ...envelope, alerts: [{ ...first, ...alert }] });
}

const GROUP_KEY =
  '{}/{severity="critical"}:{alertname="InferenceLatencyP99High", model="fraud-scorer"}';
const COMMON_LABELS = {
  alertname: 'InferenceLatencyP99High',
  severity: 'critical',
  service: 'triton',
  model: 'fraud-scorer',
  version: '3',
  job: 'triton-metrics',
  cluster: 'prod-eu1',
};
const SUMMARY = 'p99 compute latency for fraud-scorer v3 above 250ms';

describe('alertmanager normaliser: the firing sample', () => {
  const body = sample('alertmanager-webhook-firing.json');
  const parsed = sampleJson('alertmanager-webhook-firing.json') as { alerts: Json[] };

  it('maps both alerts field by field', () => {
    const result = normalise(body);
    expect(expectWarnings(result)).toEqual([]);
    expect(expectEvents(result)).toEqual([
      {
        id: amId('soar-webhook', '4f8a1c0b2d3e5f67', '2024-06-10T16:01:05.731828392Z', 'firing'),
        time: Date.UTC(2024, 5, 10, 16, 1, 5, 731),
        kind: 'alert',
        name: 'InferenceLatencyP99High',
        severity: 'critical',
        outcome: 'firing',
        entity: {
          model: 'fraud-scorer',
          model_version: '3',
          host: '10.0.4.17:8002',
          ip: '10.0.4.17',
        },
        measures: {},
        labels: {
          ...COMMON_LABELS,
          instance: '10.0.4.17:8002',
          'annotation.summary': SUMMARY,
          'annotation.description': 'p99 over 5m is 412ms (threshold 250ms) on 10.0.4.17:8002',
          'annotation.runbook_url': 'https://runbooks.example.com/triton/latency',
          'alertmanager.receiver': 'soar-webhook',
          'alertmanager.group_key': GROUP_KEY,
          'alertmanager.generator_url':
            'http://prometheus-0.monitoring.svc:9090/graph?g0.expr=histogram_quantile%280.99%2C+sum+by+%28le%2C+model%2C+version%29+%28rate%28nv_inference_request_duration_us_bucket%5B5m%5D%29%29%29+%3E+250000&g0.tab=1',
          'alertmanager.external_url': 'http://alertmanager-0.monitoring.svc:9093',
          'alertmanager.fingerprint': '4f8a1c0b2d3e5f67',
        },
        raw: parsed.alerts[0],
      },
      {
        id: amId('soar-webhook', '9b07e3d4c5a6f182', '2024-06-10T16:01:35.731828392Z', 'firing'),
        time: Date.UTC(2024, 5, 10, 16, 1, 35, 731),
        kind: 'alert',
        name: 'InferenceLatencyP99High',
        severity: 'critical',
        outcome: 'firing',
        entity: {
          model: 'fraud-scorer',
          model_version: '3',
          host: '10.0.4.18:8002',
          ip: '10.0.4.18',
        },
        measures: {},
        labels: {
          ...COMMON_LABELS,
          instance: '10.0.4.18:8002',
          'annotation.summary': SUMMARY,
          'annotation.description': 'p99 over 5m is 288ms (threshold 250ms) on 10.0.4.18:8002',
          'annotation.runbook_url': 'https://runbooks.example.com/triton/latency',
          'alertmanager.receiver': 'soar-webhook',
          'alertmanager.group_key': GROUP_KEY,
          'alertmanager.generator_url':
            'http://prometheus-0.monitoring.svc:9090/graph?g0.expr=...&g0.tab=1',
          'alertmanager.external_url': 'http://alertmanager-0.monitoring.svc:9093',
          'alertmanager.fingerprint': '9b07e3d4c5a6f182',
        },
        raw: parsed.alerts[1],
      },
    ]);
  });

  it('gives the same ids for the same body and pins the first one', () => {
    const ids = (r: ReturnType<typeof normalise>) => expectEvents(r).map((e) => e.id);
    expect(ids(normalise(body))).toEqual(
      ids(normalise(body, ctx({ now: NOW + 3_600_000, source: 'other' }))),
    );
    expect(ids(normalise(body))[0]).toBe('am_130d0574cbe0c6b1b87f5bae0b16b963');
  });
});

describe('alertmanager normaliser: mapping rules', () => {
  it('uses endsAt as the time of a resolved alert, with a different id than firing', () => {
    const firing = expectEvents(normalise(message({ endsAt: '0001-01-01T00:00:00Z' })))[0];
    const resolved = expectEvents(
      normalise(message({ status: 'resolved', endsAt: '2024-06-10T16:21:05.5+00:00' })),
    )[0];
    expect(resolved).toMatchObject({
      outcome: 'resolved',
      time: Date.UTC(2024, 5, 10, 16, 21, 5, 500),
    });
    expect(resolved?.id).toBe(
      amId('soar-webhook', '4f8a1c0b2d3e5f67', '2024-06-10T16:01:05.731828392Z', 'resolved'),
    );
    expect(resolved?.id).not.toBe(firing?.id);
  });

  it('parses offsets and sub-millisecond digits exactly', () => {
    const [event] = expectEvents(
      normalise(message({ startsAt: '2024-06-10T09:51:03.157076+02:00' })),
    );
    expect(event?.time).toBe(Date.UTC(2024, 5, 10, 7, 51, 3, 157));
    expect(event?.id).toBe(
      amId('soar-webhook', '4f8a1c0b2d3e5f67', '2024-06-10T09:51:03.157076+02:00', 'firing'),
    );
  });

  it('infers drift from the alert name and honours a cordon_kind label', () => {
    const drift = expectEvents(
      normalise(message({ labels: { alertname: 'FeatureDriftHigh' } })),
    )[0];
    expect(drift).toMatchObject({ kind: 'drift', name: 'FeatureDriftHigh' });
    const login = expectEvents(
      normalise(message({ labels: { alertname: 'FeatureDriftHigh', cordon_kind: 'login' } })),
    )[0];
    expect(login?.kind).toBe('login');
    const bad = normalise(message({ labels: { alertname: 'X', cordon_kind: 'incident' } }));
    expect(expectEvents(bad)[0]?.kind).toBe('alert');
    expect(expectWarnings(bad)).toEqual([
      expect.stringContaining('/alerts/0/labels/cordon_kind: "incident" is not an event kind'),
    ]);
  });

  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['Emergency', 'critical'],
    ['error', 'high'],
    ['high', 'high'],
    ['major', 'high'],
    ['warning', 'medium'],
    ['warn', 'medium'],
    ['medium', 'medium'],
    ['low', 'low'],
    ['minor', 'low'],
    ['info', 'info'],
    ['informational', 'info'],
    ['none', 'info'],
  ])('maps severity %s to %s', (word, level) => {
    expect(
      expectEvents(normalise(message({ labels: { alertname: 'A', severity: word } })))[0]?.severity,
    ).toBe(level);
  });

  it('defaults a missing severity to medium and warns about an unknown one', () => {
    expect(expectEvents(normalise(message({ labels: { alertname: 'A' } })))[0]?.severity).toBe(
      'medium',
    );
    const result = normalise(message({ labels: { alertname: 'A', severity: 'sev2' } }));
    expect(expectEvents(result)[0]?.severity).toBe('medium');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('"sev2" is not a known severity word'),
    ]);
  });

  it('maps every entity label, preferring model_version and instance', () => {
    const labels = {
      alertname: 'A',
      model: 'm',
      model_version: '7',
      version: '3',
      instance: 'i:1',
      host: 'h',
      api_key: 'k',
      user: 'u',
      tenant: 't',
      endpoint: '/e',
      session: 's',
    };
    expect(expectEvents(normalise(message({ labels })))[0]?.entity).toEqual({
      model: 'm',
      model_version: '7',
      host: 'i:1',
      api_key: 'k',
      user: 'u',
      tenant: 't',
      endpoint: '/e',
      session: 's',
    });
    expect(
      expectEvents(normalise(message({ labels: { alertname: 'A', host: 'h' } })))[0]?.entity,
    ).toEqual({ host: 'h' });
  });

  it('maps instance to host and, when it is an address, to the bare ip', () => {
    const entity = (labels: Record<string, string>) =>
      expectEvents(normalise(message({ labels: { alertname: 'A', ...labels } })))[0]?.entity;
    expect(entity({ instance: '[2001:DB8::7]:9100' })).toEqual({
      host: '[2001:DB8::7]:9100',
      ip: '2001:db8::7',
    });
    expect(entity({ instance: '198.51.100.7' })).toEqual({
      host: '198.51.100.7',
      ip: '198.51.100.7',
    });
    expect(entity({ instance: 'node-1.example.com:9100' })).toEqual({
      host: 'node-1.example.com:9100',
    });
    expect(entity({ ip: '203.0.113.9', host: 'h' })).toEqual({ host: 'h', ip: '203.0.113.9' });
    expect(entity({ ip: 'not-an-ip' })).toEqual({});
  });

  it('maps feature, region (geo) and keeps the instance address over an ip label', () => {
    const [event] = expectEvents(
      normalise(
        message({
          labels: {
            alertname: 'A',
            feature: 'amount',
            region: 'eu-west-1',
            instance: '10.0.0.1:80',
            ip: '10.9.9.9',
          },
        }),
      ),
    );
    expect(event?.entity).toEqual({
      feature: 'amount',
      geo: { region: 'eu-west-1' },
      host: '10.0.0.1:80',
      ip: '10.0.0.1',
    });
    // The labels stay as sent: mapping is an addition, not a move.
    expect(event?.labels).toMatchObject({ feature: 'amount', region: 'eu-west-1', ip: '10.9.9.9' });
  });

  it('warns when the sender truncated alerts', () => {
    const result = normalise(message({}, { truncatedAlerts: 3 }));
    expect(expectEvents(result)).toHaveLength(1);
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining(
        '/truncatedAlerts: Alertmanager dropped 3 alert(s) from this notification (max_alerts',
      ),
    ]);
  });

  it('names an alert without alertname after its kind, with a warning', () => {
    const result = normalise(message({ labels: { severity: 'low' } }));
    expect(expectEvents(result)[0]?.name).toBe('alert');
    expect(expectWarnings(result)).toEqual([expect.stringContaining('has no alertname')]);
  });

  it('clamps a start time far in the future', () => {
    const result = normalise(message({ startsAt: '2024-06-11T01:00:00Z' }));
    expect(expectEvents(result)[0]).toMatchObject({
      time: NOW,
      labels: { 'cordon.time_clamped_from': '2024-06-11T01:00:00.000Z' },
    });
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining(
        '/alerts/0/startsAt: 2024-06-11T01:00:00.000Z is more than 5 minutes',
      ),
    ]);
  });

  it('caps warnings at 50 and counts the rest', () => {
    const base = sampleJson('alertmanager-webhook-firing.json') as { alerts: Json[] };
    const alerts = Array.from({ length: 60 }, (_, i) => ({
      ...base.alerts[0],
      fingerprint: `f${i}`,
      labels: { alertname: 'A', severity: 'sev2' },
    }));
    const result = normalise(json({ ...base, alerts }));
    expect(expectEvents(result)).toHaveLength(60);
    const warnings = expectWarnings(result);
    expect(warnings).toHaveLength(50);
    expect(warnings[49]).toBe('11 more warnings are not listed (at most 50 are reported).');
  });

  it('ignores fields it does not know (Grafana sends extras)', () => {
    expect(
      expectEvents(normalise(message({ valueString: 'x' }, { orgId: 1, title: 't' }))),
    ).toHaveLength(1);
  });
});

describe('alertmanager normaliser: bad input', () => {
  it('reports every problem of the wrong-types sample', () => {
    expectErrorsAt(normalise(sample('bad/alertmanager-wrong-types.json')), {
      '/version': ['must be the string "4"; got 4 (a number)'],
      '/status': ['got "FIRING"', 'lower case: send "firing"'],
      '/truncatedAlerts': ['must be an integer ≥ 0', 'got "0"', 'Send 0 without quotes'],
      '/alerts': ['must be an array of alerts; got an object', 'Wrap the alert in [ ]'],
      '/alerts/labels': [
        'got an array ["alertname=InferenceLatencyP99High","severity=critical"]',
        'not a list',
      ],
      '/alerts/startsAt': ['got 1718035265 (a number)', 'looks like epoch seconds'],
      '/alerts/endsAt': ['got "" (an empty string)', 'send the zero time "0001-01-01T00:00:00Z"'],
      '/alerts/fingerprint': [
        'got 4858071823467 (a number)',
        'Send it as a string ("4858071823467")',
      ],
    });
  });

  it('reports the zone-less startsAt of the bad-timestamps sample', () => {
    expectErrorsAt(normalise(sample('bad/alertmanager-bad-timestamps.json')), {
      '/alerts/0/startsAt': [
        'got "2024-06-10 16:01:05"',
        'put "T" between the date and the time',
        'add a zone',
      ],
    });
  });

  it('rejects a resolved alert that ends before it starts, or never ends', () => {
    expectErrorsAt(normalise(message({ status: 'resolved', endsAt: '2024-06-10T15:00:00Z' })), {
      '/alerts/0/endsAt': [
        'must not be before startsAt (2024-06-10T16:01:05.731Z)',
        'got "2024-06-10T15:00:00Z"',
      ],
    });
    expectErrorsAt(normalise(message({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' })), {
      '/alerts/0/endsAt': ['must be the resolution time for a resolved alert; got the zero time'],
    });
    expectErrorsAt(normalise(message({ status: 'resolved', endsAt: undefined })), {
      '/alerts/0/endsAt': 'is required',
    });
  });

  it('rejects the zero time as a start and bad alert fields', () => {
    expectErrorsAt(
      normalise(
        message({
          status: 'Resolved',
          startsAt: '0001-01-01T00:00:00Z',
          labels: { alertname: 'A', severity: 3 },
          annotations: ['x'],
          fingerprint: '',
          generatorURL: 5,
        }),
      ),
      {
        '/alerts/0/status': ['lower case: send "resolved"'],
        '/alerts/0/startsAt': ['got the zero time'],
        '/alerts/0/labels/severity': ['must be a string; got 3 (a number)', 'Send "3"'],
        '/alerts/0/annotations': ['must be an object of annotation name → string; got an array'],
        '/alerts/0/fingerprint': ['must be a non-empty string'],
        '/alerts/0/generatorURL': ['must be a string; got 5 (a number)'],
      },
    );
  });

  it('requires version, receiver and alerts', () => {
    expectErrorsAt(normalise(json({ status: 'firing' })), {
      '/version': 'is required: the string "4"',
      '/receiver': 'is required',
      '/alerts': 'is required',
    });
    expectErrorsAt(normalise(message({}, { version: '3' })), { '/version': 'got "3"' });
  });

  it('rejects an empty alerts array and a non-object body, and refuses only the bad alerts of a batch', () => {
    expectErrorsAt(normalise(json({ version: '4', receiver: 'r', alerts: [] })), {
      '/alerts': 'must contain at least one alert',
    });
    expectErrorsAt(normalise(json([{ version: '4' }])), {
      '': 'must be one Alertmanager webhook message (a JSON object); got an array',
    });
    const base = sampleJson('alertmanager-webhook-firing.json') as { alerts: Json[] };
    const alerts = [base.alerts[0], { ...base.alerts[1], startsAt: 'soon' }, 7];
    const [good] = expectPartial(normalise(json({ ...base, alerts })), 1, {
      '/alerts/1/startsAt': 'got "soon"',
      '/alerts/2': 'must be an alert object; got 7 (a number)',
    });
    expect(good?.labels.alertname).toBe((base.alerts[0] as { labels: Json }).labels.alertname);
  });

  it('reports a truncated body with its position', () => {
    const text = sample('alertmanager-webhook-firing.json').toString('utf8').slice(0, 200);
    expectErrorsAt(normalise(Buffer.from(text)), {
      '': ['is not valid JSON', 'line 10, column 3', 'looks truncated'],
    });
  });
});
