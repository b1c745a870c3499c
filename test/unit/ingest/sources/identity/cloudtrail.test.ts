import { describe, expect, it } from 'vitest';
import { cloudtrailKind } from '../../../../../src/ingest/sources/cloudtrail/index.js';
import { itIsRegistered, itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, unknown>;
const S = 'samples/ingest/';
const sample = (name: string): Buffer => fixtureBytes(`${S}${name}`);
const sampleJson = (name: string): Json => JSON.parse(sample(name).toString('utf8')) as Json;
const FAILURE = 'cloudtrail-consolelogin-failure.json';
const SUCCESS = 'cloudtrail-consolelogin-success.json';
const HIDDEN = 'cloudtrail-consolelogin-failure-unknown-user.json';
const S3 = 'cloudtrail-s3-object-records.json';
const BRIDGE = 'cloudtrail-consolelogin-eventbridge.json';
const BAD = 'bad/cloudtrail-records-not-array.json';
const GOOD = [FAILURE, SUCCESS, HIDDEN, S3, BRIDGE];

describe('cloudtrail kind: samples', () => {
  itIsRegistered(cloudtrailKind);
  itMapsSamplesToGoldens(
    cloudtrailKind,
    GOOD.map((name) => ({
      sample: `${S}${name}`,
      golden: `cloudtrail/${name.replace(/^cloudtrail-/, '')}`,
    })),
  );

  it('maps the failed console login field by field', async () => {
    const [event] = okEvents(await runKind(cloudtrailKind, sample(FAILURE)));
    expect(event).toMatchObject({
      id: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
      time: Date.UTC(2024, 5, 10, 16, 4, 29),
      kind: 'login',
      name: 'ConsoleLogin',
      severity: 'low',
      outcome: 'failure',
      entity: { user: 'ml-engineer-carol', ip: '203.0.113.77', tenant: '123456789012' },
    });
    expect(event?.entity.geo).toBeUndefined();
    expect(event?.labels).toMatchObject({
      aws_region: 'us-east-1',
      error_message: 'Failed authentication',
      mfa_used: 'false',
      user_type: 'IAMUser',
      principal_id: 'AIDAEXAMPLE7LQ2KQ3ZV4',
    });
    expect(event?.raw).toEqual(sampleJson(FAILURE));
  });

  it('maps a root sign-in to the ARN, MFA "Yes" to true, and a success by root to medium', async () => {
    const [event] = okEvents(await runKind(cloudtrailKind, sample(SUCCESS)));
    expect(event).toMatchObject({ outcome: 'success', severity: 'medium' });
    expect(event?.entity.user).toBe('arn:aws:iam::123456789012:root');
    expect(event?.labels.mfa_used).toBe('true');
  });

  it('leaves the user unset when CloudTrail hides a non-existent user name', async () => {
    const [event] = okEvents(await runKind(cloudtrailKind, sample(HIDDEN)));
    expect(event?.entity.user).toBeUndefined();
    expect(event?.labels.user_hidden).toBe('true');
    expect(event?.outcome).toBe('failure');
  });

  it('maps other events of an S3 object as audit entries; service names are not IPs', async () => {
    const [login, denied, assume] = okEvents(await runKind(cloudtrailKind, sample(S3)));
    expect(login).toMatchObject({ kind: 'login', outcome: 'success', severity: 'info' });
    expect(denied).toMatchObject({
      kind: 'audit',
      name: 'DeleteModel',
      outcome: 'failure',
      severity: 'low',
      entity: { user: 'arn:aws:sts::123456789012:assumed-role/SageMakerAdmin/carol' },
    });
    expect(denied?.labels).toMatchObject({
      error_code: 'AccessDenied',
      session_issuer: 'SageMakerAdmin',
    });
    expect(assume).toMatchObject({ kind: 'audit', outcome: 'success' });
    expect(assume?.entity.ip).toBeUndefined();
    expect(assume?.labels.source_service).toBe('sagemaker.amazonaws.com');
  });

  it('gives an EventBridge delivery the same id as the bare record, so both routes dedupe', async () => {
    const [bridged] = okEvents(await runKind(cloudtrailKind, sample(BRIDGE)));
    const [bare] = okEvents(await runKind(cloudtrailKind, sample(FAILURE)));
    expect(bridged?.id).toBe(bare?.id);
    expect(bridged?.labels).toMatchObject({
      eventbridge_detail_type: 'AWS Console Sign In via CloudTrail',
      eventbridge_id: '6f7e8d9c-0b1a-4c2d-9e3f-4a5b6c7d8e9f',
    });
  });
});

describe('cloudtrail kind: mapping rules', () => {
  it('hashes a stable id without eventID and uses the receipt time without eventTime', async () => {
    const { eventID: _id, eventTime: _time, ...rest } = sampleJson(FAILURE);
    const a = okEvents(await runKind(cloudtrailKind, JSON.stringify(rest)))[0];
    const b = okEvents(
      await runKind(cloudtrailKind, JSON.stringify(rest), { now: SAMPLE_NOW + 9 }),
    )[0];
    expect(a?.id).toMatch(/^ct_[0-9a-f]{32}$/);
    expect(a?.id).toBe(b?.id);
    expect(a?.time).toBe(SAMPLE_NOW);
    expect(a?.labels['cordon.time_missing']).toBe('true');
  });

  it('accepts a plain JSON array of records, as CloudWatch Logs exports hold them', async () => {
    const body = JSON.stringify([sampleJson(FAILURE), sampleJson(SUCCESS)]);
    expect(okEvents(await runKind(cloudtrailKind, body)).map((e) => e.outcome)).toEqual([
      'failure',
      'success',
    ]);
  });

  it('keeps an unexpected ConsoleLogin verdict as a label with outcome unknown', async () => {
    const body = JSON.stringify({
      ...sampleJson(SUCCESS),
      responseElements: { ConsoleLogin: 'Maybe' },
    });
    const [event] = okEvents(await runKind(cloudtrailKind, body));
    expect(event).toMatchObject({ outcome: 'unknown', labels: { console_login: 'Maybe' } });
  });
});

describe('cloudtrail kind: bad input', () => {
  it('refuses the Records-not-array sample with every reason located', async () => {
    expectErrorsAt(await runKind(cloudtrailKind, sample(BAD)), {
      '/Records': ['must be an array', 'Wrap the record in [ ]'],
      '/Records/eventTime': ['put "T" between the date and the time', 'add a zone'],
      '/Records/responseElements': ['must be an object', 'a string holding JSON'],
      '/Records/additionalEventData/MFAUsed': ['must be "Yes" or "No"', 'Send "Yes"'],
    });
  });

  it('accepts the good records of an S3 object and rejects the bad one by index', async () => {
    const records = (sampleJson(S3).Records as Json[]).slice(0, 2);
    const bad = { ...records[0], sourceIPAddress: '300.1.2.3', eventName: undefined };
    const result = await runKind(cloudtrailKind, JSON.stringify({ Records: [bad, ...records] }));
    expectPartial(result, 2, {
      '/Records/0/sourceIPAddress': 'IPv4 or IPv6',
      '/Records/0/eventName': 'is required',
    });
  });

  it.each([
    ['{"Records": []}', '/Records', 'empty array'],
    [
      '{"detail-type": "AWS Console Sign In via CloudTrail"}',
      '/detail',
      'must be the CloudTrail record',
    ],
    ['null', '', 'CloudTrail events'],
  ])('refuses %s', async (body, path, phrase) => {
    expectErrorsAt(await runKind(cloudtrailKind, body), { [path]: phrase });
  });

  it('survives random and damaged bodies', async () => {
    await fuzzKind(cloudtrailKind, [...GOOD, BAD].map(sample));
  });
});
