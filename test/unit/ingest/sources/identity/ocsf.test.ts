import { describe, expect, it } from 'vitest';
import { ocsfKind } from '../../../../../src/ingest/sources/ocsf/index.js';
import { itIsRegistered, itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, unknown>;
const S = 'samples/ingest/';
const sample = (name: string): Buffer => fixtureBytes(`${S}${name}`);
const sampleJson = (name: string): Json => JSON.parse(sample(name).toString('utf8')) as Json;
const AUTH = 'ocsf-authentication-3002-failure.json';
const API = 'ocsf-api-activity-6003.json';
const NDJSON = 'ocsf-events.ndjson';
const BAD = 'bad/ocsf-missing-class-and-seconds-time.json';
const ND = { contentType: 'application/x-ndjson' };

const run = (value: unknown, options = {}) => runKind(ocsfKind, JSON.stringify(value), options);

describe('ocsf kind: samples', () => {
  itIsRegistered(ocsfKind);
  itMapsSamplesToGoldens(ocsfKind, [
    { sample: `${S}${AUTH}`, golden: 'ocsf/authentication-3002-failure.json' },
    { sample: `${S}${API}`, golden: 'ocsf/api-activity-6003.json' },
    { sample: `${S}${NDJSON}`, golden: 'ocsf/events-ndjson.json', run: ND },
  ]);

  it('maps the failed authentication field by field', async () => {
    const [event] = okEvents(await runKind(ocsfKind, sample(AUTH)));
    expect(event).toMatchObject({
      id: 'f3a2b1c0-1e2d-11ef-9a8b-7c6d5e4f3a2b',
      time: 1718035498441,
      kind: 'login',
      name: 'Authentication: Logon',
      severity: 'medium',
      outcome: 'failure',
      entity: {
        user: 'alice@example.com',
        ip: '203.0.113.77',
        user_agent: 'python-requests/2.31.0',
        host: 'acme.okta.com',
        geo: { country: 'BR', region: 'Sao Paulo', city: 'Sao Paulo' },
      },
    });
    expect(event?.entity.session).toBeUndefined();
    expect(event?.labels).toMatchObject({
      user_id: '00u1abcd2EFGH3ijk4l5',
      mfa_used: 'false',
      auth_protocol: 'Okta IDX',
      logon_type: 'Network',
      status_code: 'INVALID_CREDENTIALS',
      as_number: '64500',
      class_uid: '3002',
    });
    expect(event?.raw).toEqual(sampleJson(AUTH));
  });

  it('maps an API call on a model resource to an llm event with the model', async () => {
    const [event] = okEvents(await runKind(ocsfKind, sample(API)));
    expect(event).toMatchObject({
      kind: 'llm',
      outcome: 'success',
      severity: 'info',
      entity: {
        user: 'ml-engineer-carol',
        model: 'anthropic.claude-3-haiku-20240307-v1:0',
        model_version: '20240307',
        tenant: '123456789012',
        session: 'ASIAEXAMPLEKEYID0002',
      },
      measures: { status_code: 200 },
    });
    expect(event?.labels).toMatchObject({
      api_operation: 'InvokeModel',
      cloud_region: 'eu-west-1',
    });
  });

  it('maps NDJSON: 3002 login, plain 6003 audit, other classes audit with the class label', async () => {
    const [login, api, net] = okEvents(await runKind(ocsfKind, sample(NDJSON), ND));
    expect(login).toMatchObject({
      kind: 'login',
      outcome: 'success',
      entity: { session: '0x3e7a1f' },
    });
    expect(login?.labels.mfa_used).toBe('true');
    expect(api).toMatchObject({
      kind: 'audit',
      outcome: 'failure',
      severity: 'medium',
      name: 'API Activity: Delete',
    });
    expect(api?.labels).toMatchObject({
      error_code: 'AccessDenied',
      resources: 'training-data-prod',
    });
    // severity_id 99 (Other) defers to the caption "High".
    expect(net).toMatchObject({
      kind: 'audit',
      outcome: 'unknown',
      severity: 'high',
      name: 'Network Activity: Traffic',
    });
    expect(net?.labels.class_uid).toBe('4001');
    expect(net?.id).toMatch(/^ocsf_[0-9a-f]{32}$/);
  });
});

describe('ocsf kind: mapping rules', () => {
  const auth = sampleJson(AUTH);

  it.each([
    [0, 'info'],
    [1, 'info'],
    [2, 'low'],
    [3, 'medium'],
    [4, 'high'],
    [5, 'critical'],
    [6, 'critical'],
  ])('maps severity_id %i to %s', async (id, level) => {
    expect(okEvents(await run({ ...auth, severity_id: id }))[0]?.severity).toBe(level);
  });

  it.each([
    [1, 'success'],
    [2, 'failure'],
    [0, 'unknown'],
    [99, 'unknown'],
  ])('maps status_id %i to %s', async (id, outcome) => {
    expect(okEvents(await run({ ...auth, status_id: id }))[0]?.outcome).toBe(outcome);
  });

  it('calls a model API without generative hints an inference event', async () => {
    const api = sampleJson(API);
    const body = {
      ...api,
      api: { operation: 'InvokeEndpoint', service: { name: 'sagemaker.amazonaws.com' } },
      resources: [{ name: 'fraud-scorer', type: 'SageMaker Model', version: '3' }],
    };
    const [event] = okEvents(await run(body));
    expect(event).toMatchObject({
      kind: 'inference',
      entity: { model: 'fraud-scorer', model_version: '3' },
    });
  });

  it('uses the receipt time without time, and a stable hash id without metadata.uid', async () => {
    const { time: _time, metadata: _metadata, ...rest } = auth;
    const [a] = okEvents(await run(rest));
    const [b] = okEvents(await run(rest, { now: SAMPLE_NOW + 3 }));
    expect(a?.time).toBe(SAMPLE_NOW);
    expect(a?.labels['cordon.time_missing']).toBe('true');
    expect(a?.id).toBe(b?.id);
  });
});

describe('ocsf kind: bad input', () => {
  it('refuses the missing-class sample with every reason located', async () => {
    expectErrorsAt(await runKind(ocsfKind, sample(BAD)), {
      '/class_uid': ['is required', 'suggests class_uid 3002'],
      '/type_uid': ['must be class_uid × 100 + activity_id = 300201', 'got 300299'],
      '/time': ['looks like epoch seconds', 'Send milliseconds (1718035498000)'],
      '/severity_id': ['must be an OCSF severity id', 'got 9 (a number)'],
      '/status_id': ['must be an OCSF status id', 'Send the number 2'],
      '/user': ['must be an OCSF User object', '{"name": "alice@example.com"}'],
    });
  });

  it('accepts the good lines of NDJSON and rejects the bad one with its line number', async () => {
    const lines = sample(NDJSON).toString('utf8').trim().split('\n');
    const bad = JSON.stringify({
      ...sampleJson(AUTH),
      time: 1718035498,
      src_endpoint: { ip: 'x.y' },
    });
    const result = await runKind(ocsfKind, [lines[0], bad, lines[1]].join('\n'), ND);
    const events = expectPartial(result, 2, {
      '/1/time': ['line 2:', 'epoch seconds'],
      '/1/src_endpoint/ip': ['line 2:', 'IPv4 or IPv6'],
    });
    expect(events.map((e) => e.kind)).toEqual(['login', 'audit']);
  });

  it('rejects one item of an array by index', async () => {
    const result = await run([sampleJson(API), { ...sampleJson(API), type_uid: 600399 }]);
    expectPartial(result, 1, { '/1/type_uid': 'must be class_uid × 100 + activity_id = 600302' });
  });

  it.each([
    ['[]', '', 'empty array'],
    ['"x"', '', 'OCSF events'],
    ['{"class_uid": "3002", "time": 1718035498441}', '/class_uid', 'Send 3002 without quotes'],
  ])('refuses %s', async (body, path, phrase) => {
    expectErrorsAt(await runKind(ocsfKind, body), { [path]: phrase });
  });

  it('survives random and damaged bodies (JSON and NDJSON)', async () => {
    const samples = [AUTH, API, BAD].map(sample);
    await fuzzKind(ocsfKind, samples, { runs: 150 });
    await fuzzKind(ocsfKind, samples, { run: ND, runs: 100 });
  });
});
