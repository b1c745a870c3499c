import { describe, expect, it } from 'vitest';
import { sentinelKind } from '../../../../../src/ingest/sources/sentinel/index.js';
import { sha256Hex } from '../../../../../src/shared/hash.js';
import { fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, any>;

const TRIGGER = 'samples/ingest/sentinel-incident-logicapp-trigger.json';
const ROW = 'samples/ingest/sentinel-securityalert-row.json';
const LIST = 'samples/ingest/sentinel-securityalert-value-list.json';

function sampleJson(path: string): Json {
  return JSON.parse(fixtureBytes(path).toString('utf8'));
}

function run(body: unknown) {
  return runKind(sentinelKind, JSON.stringify(body));
}

describe('sentinel kind: samples', () => {
  itMapsSamplesToGoldens(sentinelKind, [
    { title: 'incident trigger', sample: TRIGGER, golden: 'sentinel/incident-trigger.json' },
    { title: 'SecurityAlert row', sample: ROW, golden: 'sentinel/securityalert-row.json' },
    {
      title: '{value: [...]} list',
      sample: LIST,
      golden: 'sentinel/securityalert-value-list.json',
    },
  ]);

  it('maps the incident trigger field by field', async () => {
    const [event] = okEvents(await runKind(sentinelKind, fixtureBytes(TRIGGER)));
    expect(event).toMatchObject({
      id: `sentinel_${sha256Hex('incident|3f9d6a2b-1c4e-4f7a-8b2d-9e0f1a2b3c4d|Create|2024-06-10T16:06:31.402Z').slice(0, 32)}`,
      time: Date.UTC(2024, 5, 10, 15, 41, 2, 113),
      kind: 'alert',
      name: 'Impossible travel then model-registry token use',
      severity: 'high',
      outcome: 'firing',
      entity: {
        user: 'bob@contoso.com',
        ip: '198.51.100.203',
        geo: { country: 'SG', city: 'Singapore' },
      },
      measures: { count: 1 },
      labels: {
        user_id: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        rule_id: '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
        tactics: 'InitialAccess,Exfiltration',
        'sentinel.incident_number': '4821',
        'sentinel.event_type': 'Create',
        'sentinel.alert_ids': '9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4',
      },
    });
  });

  it('gives an update of the same incident another id, and a resend the same', async () => {
    const body = sampleJson(TRIGGER);
    const id = async (b: Json) => okEvents(await run(b))[0]?.id;
    const update = structuredClone(body);
    update.objectEventType = 'Update';
    update.object.properties.lastModifiedTimeUtc = '2024-06-10T16:30:00Z';
    update.object.properties.status = 'Closed';
    expect(await id(body)).toBe(await id(structuredClone(body)));
    expect(await id(update)).not.toBe(await id(body));
    expect(okEvents(await run(update))[0]?.outcome).toBe('resolved');
  });

  it('decodes string Entities with $id/$ref and nested-string ExtendedProperties', async () => {
    const [event] = okEvents(await runKind(sentinelKind, fixtureBytes(ROW)));
    expect(event).toMatchObject({
      time: Date.UTC(2024, 5, 10, 15, 41, 2, 113),
      severity: 'high',
      entity: {
        ip: '198.51.100.203',
        user: 'bob@contoso.com',
        host: 'ws-bob.contoso.com',
        geo: { country: 'SG', region: 'Central Singapore', city: 'Singapore' },
      },
      labels: {
        'sentinel.ext.data_sources': 'SigninLogs,AzureStorage',
        'sentinel.ext.query_period': '00:30:00',
        'sentinel.urls': 'https://models.example.com/registry/fraud-scorer/v3/weights.bin',
        ip_asn: '64501',
        tactics: 'InitialAccess,Exfiltration',
        techniques: 'T1078',
      },
    });
    // The $ref to entity 2 does not list the IP twice.
    expect(event?.labels['sentinel.ips']).toBeUndefined();
  });

  it('reads camelCase ARM alerts and PascalCase rows of one list alike', async () => {
    const [arm, row] = okEvents(await runKind(sentinelKind, fixtureBytes(LIST)));
    expect(arm).toMatchObject({
      name: 'Anomalous token use against inference API',
      severity: 'medium',
      outcome: 'resolved',
      time: Date.UTC(2024, 5, 10, 12),
      labels: { 'sentinel.ext.query_period': '01:00:00', tactics: 'CredentialAccess' },
    });
    const [single] = okEvents(await runKind(sentinelKind, fixtureBytes(ROW)));
    expect(row?.outcome).toBe('resolved');
    expect(row?.id).not.toBe(single?.id);
  });
});

describe('sentinel kind: SecurityIncident rows', () => {
  it('reads a PascalCase incident row like the trigger', async () => {
    const row = {
      IncidentName: '3f9d6a2b-1c4e-4f7a-8b2d-9e0f1a2b3c4d',
      IncidentNumber: 4821,
      Title: 'Impossible travel then model-registry token use',
      Severity: 'Low',
      Status: 'Closed',
      FirstActivityTime: '2024-06-10T15:41:02.113Z',
      LastModifiedTime: '2024-06-10T17:00:00Z',
      IncidentUrl: 'https://portal.azure.com/#asset/x',
      RelatedAnalyticRuleIds: ['/subscriptions/1/alertRules/rule-9'],
      AdditionalData: { alertsCount: 3, tactics: ['InitialAccess'] },
    };
    const [event] = okEvents(await run({ value: [row] }));
    expect(event).toMatchObject({
      id: `sentinel_${sha256Hex('incident|3f9d6a2b-1c4e-4f7a-8b2d-9e0f1a2b3c4d||2024-06-10T17:00:00Z').slice(0, 32)}`,
      time: Date.UTC(2024, 5, 10, 15, 41, 2, 113),
      name: 'Impossible travel then model-registry token use',
      severity: 'low',
      outcome: 'resolved',
      measures: { count: 3 },
      labels: {
        rule_id: 'rule-9',
        tactics: 'InitialAccess',
        alert_url: 'https://portal.azure.com/#asset/x',
        'sentinel.incident_number': '4821',
      },
    });
  });
});

describe('sentinel kind: refusals', () => {
  it('refuses a trigger body without object, naming what it has instead', async () => {
    const result = await runKind(
      sentinelKind,
      fixtureBytes('samples/ingest/bad/sentinel-incident-missing-object.json'),
    );
    expectErrorsAt(result, { '/object': ['is required', '"incident"', 'triggerBody()'] });
  });

  it('reports the dangling $ref, the cut-off ExtendedProperties and "Critical" at once', async () => {
    const result = await runKind(
      sentinelKind,
      fixtureBytes('samples/ingest/bad/sentinel-entities-double-encoded.json'),
    );
    expectErrorsAt(result, {
      '/AlertSeverity': ['High, Medium, Low, Informational', 'send "High"'],
      '/Entities/0/Host/$ref': '"$id": "9"',
      '/ExtendedProperties': ['does not parse', 'cut off'],
    });
  });

  it('refuses Entities nested deeper than the body limit inside the string', async () => {
    const row = sampleJson(ROW);
    row.Entities = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expectErrorsAt(await run(row), { '/Entities': 'levels deep inside the string' });
  });

  it('accepts double-encoded Entities with a warning', async () => {
    const row = sampleJson(ROW);
    row.Entities = JSON.stringify(row.Entities);
    const result = await run(row);
    expect(okEvents(result)[0]?.entity.user).toBe('bob@contoso.com');
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('/Entities: was JSON-encoded twice'),
    ]);
  });

  it('refuses the bad row of a list and keeps the good ones', async () => {
    const row = sampleJson(ROW);
    const result = await run([
      row,
      { ...row, StartTime: '2024-06-10 15:41:02' },
      { AlertName: 'x' },
    ]);
    expectPartial(result, 1, {
      '/1/StartTime': 'put "T" between the date and the time',
      '/2': 'has no SystemAlertId',
    });
  });

  it('reads the portal export time format (UTC, 12-hour clock) and refuses impossible dates', async () => {
    const row = sampleJson(ROW);
    const [event] = okEvents(await run({ ...row, StartTime: '6/10/2024, 3:41:02.113 PM' }));
    expect(event?.time).toBe(Date.UTC(2024, 5, 10, 15, 41, 2, 113));
    const [midnight] = okEvents(await run({ ...row, StartTime: '6/10/2024, 12:00:00 AM' }));
    expect(midnight?.time).toBe(Date.UTC(2024, 5, 10, 0));
    expectErrorsAt(await run({ ...row, StartTime: '2/30/2024, 1:00:00 PM' }), {
      '/StartTime': 'real date',
    });
  });

  it('needs an incident title and a known severity', async () => {
    const body = sampleJson(TRIGGER);
    body.object.properties.title = '';
    body.object.properties.severity = 3;
    expectErrorsAt(await run(body), {
      '/object/properties/title': 'incident title',
      '/object/properties/severity': 'got 3 (a number)',
    });
  });
});

describe('sentinel kind: robustness', () => {
  it('answers random bytes, random JSON and truncated samples without throwing', async () => {
    await fuzzKind(
      sentinelKind,
      [TRIGGER, ROW, LIST].map((p) => fixtureBytes(p)),
    );
  }, 60_000);
});
