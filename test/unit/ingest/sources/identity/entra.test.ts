import { describe, expect, it } from 'vitest';
import { entraKind } from '../../../../../src/ingest/sources/entra/index.js';
import { itIsRegistered, itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, unknown>;
const S = 'samples/ingest/';
const sample = (name: string): Buffer => fixtureBytes(`${S}${name}`);
const sampleJson = (name: string): Json => JSON.parse(sample(name).toString('utf8')) as Json;
const GRAPH = 'entra-signin-graph.json';
const RECORDS = 'entra-signin-eventhub-records.json';
const LIST = 'entra-signin-graph-list.json';
const BAD = 'bad/entra-signin-wrong-types.json';

function record(overrides: Json = {}, properties: Json = {}): Json {
  const first = (sampleJson(RECORDS).records as Json[])[0] ?? {};
  return { ...first, ...overrides, properties: { ...(first.properties as Json), ...properties } };
}

describe('entra kind: samples', () => {
  itIsRegistered(entraKind);
  itMapsSamplesToGoldens(entraKind, [
    { sample: `${S}${GRAPH}`, golden: 'entra/signin-graph.json' },
    { sample: `${S}${RECORDS}`, golden: 'entra/signin-eventhub-records.json' },
    { sample: `${S}${LIST}`, golden: 'entra/signin-graph-list.json' },
  ]);

  it('maps the Graph sign-in field by field', async () => {
    const [event] = okEvents(await runKind(entraKind, sample(GRAPH)));
    expect(event).toMatchObject({
      id: '66ea54eb-6301-4ee5-be62-ff5a759b0100',
      time: Date.UTC(2024, 5, 10, 16, 3, 41),
      kind: 'login',
      outcome: 'success',
      // riskLevelDuringSignIn "medium" outranks the success.
      severity: 'medium',
      entity: {
        user: 'bob@contoso.com',
        ip: '198.51.100.203',
        geo: { country: 'SG', region: 'Singapore', city: 'Singapore' },
      },
    });
    expect(event?.labels).toMatchObject({
      error_code: '0',
      user_id: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      app_name: 'Microsoft Azure CLI',
      client_app: 'Mobile Apps and Desktop clients',
      conditional_access_status: 'notApplied',
      risk_state: 'atRisk',
      risk_event_types: 'impossibleTravel',
      is_interactive: 'true',
    });
    // "Other." on a success is noise, not a reason.
    expect(event?.labels).not.toHaveProperty('failure_reason');
    expect(event?.raw).toEqual(sampleJson(GRAPH));
  });

  it('maps Event Hub records: string resultType, envelope country and ip:port', async () => {
    const [failed, passed] = okEvents(await runKind(entraKind, sample(RECORDS)));
    expect(failed).toMatchObject({
      id: '9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b01',
      time: Date.UTC(2024, 5, 10, 16, 3, 40, 911),
      outcome: 'failure',
      severity: 'low',
      entity: { tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', ip: '203.0.113.77' },
    });
    expect(failed?.labels).toMatchObject({ error_code: '50126', category: 'SignInLogs' });
    expect(passed).toMatchObject({
      outcome: 'success',
      severity: 'low',
      entity: { ip: '198.51.100.203', geo: { country: 'SG' } },
    });
    expect(passed?.labels).toMatchObject({
      mfa_auth_method: 'Mobile app notification',
      authentication_requirement: 'multiFactorAuthentication',
    });
  });

  it('flags MFA-required codes and failed conditional access policies', async () => {
    const [mfa, plain] = okEvents(await runKind(entraKind, sample(LIST)));
    expect(mfa).toMatchObject({ outcome: 'failure', severity: 'high' });
    expect(mfa?.entity.ip).toBe('2001:db8:0:0:8:800:200c:417a');
    expect(mfa?.labels).toMatchObject({
      mfa_required: 'true',
      error_code: '50076',
      conditional_access_failed_policies: 'Require MFA for admins',
    });
    expect(plain).toMatchObject({
      outcome: 'success',
      severity: 'info',
      entity: { user: 'carol@contoso.com' },
    });
  });
});

describe('entra kind: mapping rules', () => {
  it('takes the envelope time when properties has none, and the receipt time when neither has', async () => {
    const envelopeOnly = record({}, { createdDateTime: null });
    expect(
      okEvents(await runKind(entraKind, JSON.stringify({ records: [envelopeOnly] })))[0]?.time,
    ).toBe(Date.UTC(2024, 5, 10, 16, 3, 41, 123));
    const neither = record({ time: undefined }, { createdDateTime: null });
    const [event] = okEvents(await runKind(entraKind, JSON.stringify({ records: [neither] })));
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels['cordon.time_missing']).toBe('true');
  });

  it('accepts a plain array of Graph sign-ins', async () => {
    const body = JSON.stringify([sampleJson(GRAPH), { ...sampleJson(GRAPH), id: 'x-2' }]);
    expect(okEvents(await runKind(entraKind, body)).map((e) => e.id)).toEqual([
      '66ea54eb-6301-4ee5-be62-ff5a759b0100',
      'x-2',
    ]);
  });

  it('hashes a stable id when the sign-in has none', async () => {
    const { id: _id, ...rest } = sampleJson(GRAPH);
    const a = okEvents(await runKind(entraKind, JSON.stringify(rest)))[0]?.id;
    const b = okEvents(await runKind(entraKind, JSON.stringify(rest), { now: SAMPLE_NOW + 5 }))[0]
      ?.id;
    expect(a).toMatch(/^entra_[0-9a-f]{32}$/);
    expect(a).toBe(b);
  });
});

describe('entra kind: bad input', () => {
  it('refuses the wrong-types sample with every reason located', async () => {
    expectErrorsAt(await runKind(entraKind, sample(BAD)), {
      '/records': ['must be an array', 'Wrap the record in [ ]'],
      '/records/time': ['RFC 3339', '"06/10/2024 16:03:41"'],
      '/records/resultType': ['must be the error code as a string', 'Send "50126" in quotes'],
      '/records/location': ['2-letter country code', 'belongs in properties.location'],
      '/records/properties/userPrincipalName': ['got "" (an empty string)'],
      '/records/properties/status/errorCode': ['must be an integer', 'Send 50126 without quotes'],
      '/records/properties/createdDateTime': ['add a zone', 'add "Z"'],
    });
  });

  it('accepts the good records of a batch and rejects the bad one by index', async () => {
    const bad = record(
      { callerIpAddress: 'not-an-ip' },
      { createdDateTime: '2024-06-10T16:03:40' },
    );
    const result = await runKind(entraKind, JSON.stringify({ records: [record(), bad] }));
    expectPartial(result, 1, {
      '/records/1/callerIpAddress': 'IPv4 or IPv6',
      '/records/1/properties/createdDateTime': 'add a zone',
    });
  });

  it.each([
    ['{"records": []}', '/records', 'empty array'],
    ['{"records": "x"}', '/records', 'must be an array'],
    ['{"records": [{"time": "2024-06-10T16:03:41Z"}]}', '/records/0/properties', 'is required'],
    ['7', '', 'an Entra sign-in'],
  ])('refuses %s', async (body, path, phrase) => {
    expectErrorsAt(await runKind(entraKind, body), { [path]: phrase });
  });

  it('survives random and damaged bodies', async () => {
    await fuzzKind(entraKind, [sample(GRAPH), sample(RECORDS), sample(LIST), sample(BAD)]);
  });
});

describe('entra kind: the verdict is required', () => {
  it('refuses a sign-in without status, and a record without resultType or status', async () => {
    const { status: _status, ...graph } = sampleJson(GRAPH);
    expectErrorsAt(await runKind(entraKind, JSON.stringify(graph)), {
      '/status': ['is required', 'or 0 for a successful sign-in'],
    });
    expectErrorsAt(await runKind(entraKind, '{}'), { '/status': 'is required' });
    const bare = record({ resultType: undefined }, { status: undefined });
    expectErrorsAt(await runKind(entraKind, JSON.stringify({ records: [bare] })), {
      '/records/0/properties/status': 'unless the record carries resultType',
    });
  });
});

describe('entra kind: status problems are reported once', () => {
  it('reports a status of the wrong type, or without errorCode, at one path', async () => {
    const graph = sampleJson(GRAPH);
    expectErrorsAt(await runKind(entraKind, JSON.stringify({ ...graph, status: 'ok' })), {
      '/status': 'must be an object with errorCode',
    });
    expectErrorsAt(await runKind(entraKind, JSON.stringify({ ...graph, status: {} })), {
      '/status/errorCode': 'is required',
    });
  });
});
